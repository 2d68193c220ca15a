"""Benchmarks: each suite measures the project and a baseline in the same run and reports the ratio."""
