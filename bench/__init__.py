"""Benchmarks of Nahrain's heavy paths; run ``python bench/run.py`` (see docs/PERFORMANCE.md)."""
