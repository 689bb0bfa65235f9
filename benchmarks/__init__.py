"""Benchmarks: ``python -m benchmarks`` prints per-stage throughput and peak memory."""
