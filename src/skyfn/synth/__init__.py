"""Synth: definitions + scope → model → outputs (artifacts, env modules)."""
