"""benchmarks/sbs_table.py: the side-by-side ratio table reads both engines' lines right."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sbs_table", ROOT / "benchmarks/sbs_table.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _lines(*rows: dict[str, object]) -> list[dict[str, object]]:
    return [json.loads(json.dumps(r)) for r in rows]


def test_throughput_ratio_is_ours_over_theirs_median_of_rounds() -> None:
    t = _module().table(
        _lines(
            {"who": "NT", "workload": "W4_limit_cancel", "pairs_per_s": 2000},
            {"who": "NT", "workload": "W4_limit_cancel", "pairs_per_s": 9000},
            {"who": "NT", "workload": "W4_limit_cancel", "pairs_per_s": 1000},
            {"who": "TC-pure", "workload": "W4", "pairs_per_s": 40000},
            {"who": "TC-compiled", "workload": "W4", "pairs_per_s": 60000},
        )
    )
    row = next(r for r in t.splitlines() if r.startswith("| W4"))
    assert "| 2,000 | 40,000 | 20.00x NOT met | 60,000 | 30.00x met | >= 25x |" in row.replace(
        "≥", ">="
    )


def test_latency_ratio_is_theirs_over_ours() -> None:
    t = _module().table(
        _lines(
            {
                "who": "NT",
                "workload": "W3_latency",
                "lat_submit_to_filled_us": {"p50": 400, "p99": 800, "p99_9": 2000},
            },
            {
                "who": "TC-pure",
                "workload": "W3-direct-1venue-risk-on-journal-group",
                "p50_us": 40,
                "p99_us": 80,
                "p99_9_us": 100,
            },
        )
    )
    row = next(r for r in t.splitlines() if r.startswith("| W3 direct p99 "))
    assert "10.00x NOT met" in row
    row = next(r for r in t.splitlines() if r.startswith("| W3 direct p99.9"))
    assert "20.00x met" in row
