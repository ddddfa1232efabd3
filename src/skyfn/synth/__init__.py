"""Internal (not a public API): Synth: definitions + scope → model → outputs (artifacts, env modules)."""
