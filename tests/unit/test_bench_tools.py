"""benchmarks/w3_instructions.py's cache-simulation parsing and benchmarks/w3_memory.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / f"benchmarks/{name}.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


CALLGRIND = """# callgrind format
version: 1
events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw Bc Bcm Bi Bim
fl=(1) x.c
fn=(1) f
1 5 0 0 0 0 0 0 0 0 0 0 0 0
totals: 1000 400 300 7 5 3 2 1 4 90 6 20 4
"""


def test_totals_are_read_by_the_names_of_the_events_line() -> None:
    ev = _module("w3_instructions").parse_totals(CALLGRIND)
    assert ev["Ir"] == 1000 and ev["D1mw"] == 3 and ev["DLmw"] == 4 and ev["Bim"] == 4
    assert len(ev) == 13


def test_instruction_only_output_parses_too() -> None:
    assert _module("w3_instructions").parse_totals("events: Ir\ntotals: 42\n") == {"Ir": 42}


def test_output_without_totals_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="no totals"):
        _module("w3_instructions").parse_totals("events: Ir\n")


def test_cycle_estimate_weighs_misses_and_mispredicts() -> None:
    mod = _module("w3_instructions")
    ev = mod.parse_totals(CALLGRIND)
    # Ir + 10 x (7 + 5 + 3) L1 misses + 100 x (2 + 1 + 4) LL misses + 10 x (6 + 4) mispredicts
    assert mod.cycle_estimate(ev) == 1000 + 150 + 700 + 100
    assert mod.cycle_estimate({"Ir": 9}) == 9  # no simulation: instructions alone


def test_memory_per_order_names_the_sites_that_retain_most() -> None:
    line = _module("w3_memory").measure(False, False, 60, 5)
    assert line["workload"] == "W3-direct-risk-off-memory" and line["orders"] == 60
    # every order leaves at least its engine order and its venue ticket behind
    assert line["retained_bytes_per_order"] > 300 and line["retained_blocks_per_order"] >= 2
    sizes = [s["bytes_per_order"] for s in line["top_sites"]]
    assert len(sizes) == 5 and sizes == sorted(sizes, reverse=True)
    assert any(s["site"].startswith("tradecore/") for s in line["top_sites"])
