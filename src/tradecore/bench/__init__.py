"""Benchmark workloads W1-W4 of the design notes, shared by `tradecore bench` and benchmarks/."""
