"""Helpers shared by the tests and the benchmarks: servers, sandboxes, projects, the CLI."""
