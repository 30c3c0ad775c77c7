"""Benchmarks: the product at 160 (the real data), 10^5, 10^6 and 10^7 projects. Run ``python -m benchmarks``."""
