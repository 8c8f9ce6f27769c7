"""benchmarks/w3_compare.py: before/after medians per W3 variant."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("w3_compare", ROOT / "benchmarks/w3_compare.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _line(tree: str, p50: float, p99: float = 100.0, name: str = "W3-x") -> str:
    return json.dumps(
        {"tree": tree, "round": 1, "workload": name, "p50_us": p50, "p99_us": p99, "p99_9_us": 1.0}
    )


def test_medians_of_each_tree_and_the_change_in_percent() -> None:
    rows = _module().table(
        [
            _line("before", 10),
            _line("before", 30),
            _line("before", 20),
            _line("after", 18, 90),
            _line("after", 19, 90),
            _line("after", 100, 95),
        ]
    )
    assert rows[2] == "| W3-x | 3 + 3 | 20.0 / 100.0 / 1.0 | 19.0 / 90.0 / 1.0 | -5.0% | -10.0% |"


def test_a_variant_measured_in_one_tree_only_is_left_out() -> None:
    rows = _module().table([_line("before", 10, name="W3-a"), _line("after", 12, name="W3-b")])
    assert len(rows) == 2  # the header only


def test_the_faster_half_leaves_a_slow_mode_of_the_host_out() -> None:
    lines = [_line("before", v) for v in (10, 11, 30, 31)] + [
        _line("after", v) for v in (12, 13, 14, 32)
    ]
    rows = _module().table(lines, faster_half=True)
    assert rows[2].startswith("| W3-x | 4 + 4 | 10.5 / 100.0 / 1.0 | 12.5 / 100.0 / 1.0 | +19.0% |")
