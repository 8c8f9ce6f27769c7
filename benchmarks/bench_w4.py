"""Benchmark W4: see docs/performance.md. Prints one JSON line. Usage: python benchmarks/bench_w4.py [scale]"""

import sys

from tradecore.cli import app

app(["bench", "W4", "--scale", sys.argv[1] if len(sys.argv) > 1 else "1"])
