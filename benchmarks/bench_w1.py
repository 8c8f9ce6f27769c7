"""Benchmark W1: see docs/performance.md. Prints one JSON line. Usage: python benchmarks/bench_w1.py [scale]"""

import sys

from tradecore.cli import app

app(["bench", "W1", "--scale", sys.argv[1] if len(sys.argv) > 1 else "1"])
