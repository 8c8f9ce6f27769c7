"""Benchmark RECOVERY: see docs/performance.md. Prints one JSON line. Usage: python benchmarks/bench_recovery.py [scale]"""

import sys

from tradecore.cli import app

app(["bench", "recovery", "--scale", sys.argv[1] if len(sys.argv) > 1 else "1"])
