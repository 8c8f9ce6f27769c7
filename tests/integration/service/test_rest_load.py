"""The REST load generator (benchmarks/rest_load.py) against a real ``tradecore serve``: a
short run at a low rate, so the benchmark cannot rot. Speed is measured by the benchmark,
never asserted here: the test checks that every order was answered 201 and counted once,
and that the line carries the figures the docs quote."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "benchmarks" / "rest_load.py"


def test_load_generator_gets_a_201_for_every_order_it_schedules() -> None:
    out = subprocess.run(
        [sys.executable, str(BENCH), "--rate", "40", "--seconds", "1.5", "--warmup", "0.5",
         "--connections", "4", "--no-pin", "--venue", "SIMA"],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    line = json.loads(out.stdout.strip().splitlines()[-1])
    assert line["workload"] == "REST-submit-load"
    assert line["requests"] == 60  # 40/s for 1.5 s, the warm-up's 20 not counted
    assert line["requests_with_warmup"] == 80
    assert line["status_codes"] == {"201": 60} and line["errors"] == {}
    assert 0 < line["p50_us"] <= line["p99_us"] <= line["p99_9_us"] <= line["max_us"]
    assert line["server_log_lines"] == 0  # no line per order at the default log level
