"""Synthetic registry data for demos, tests and benchmarks (never shown as evidence)."""
