"""Measurement helpers: HdrHistogram latencies, peak RSS, machine facts, one JSON line each."""

from __future__ import annotations

import gc
import json
import os
import platform
import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hdrh.histogram import HdrHistogram

from tradecore.engine.gcpolicy import IdleCollector


class Latencies:
    """Nanosecond samples into an HdrHistogram (1 ns .. 10 s, 3 significant digits)."""

    def __init__(self) -> None:
        self.hist = HdrHistogram(1, 10_000_000_000, 3)
        self.count = 0

    def record_ns(self, ns: int) -> None:
        self.hist.record_value(ns if ns > 0 else 1)
        self.count += 1

    def summary_us(self) -> dict[str, float]:
        h = self.hist

        def us(ns: int) -> float:
            return round(ns / 1000.0, 2)

        return {
            "p50_us": us(h.get_value_at_percentile(50)),
            "p99_us": us(h.get_value_at_percentile(99)),
            "p99_9_us": us(h.get_value_at_percentile(99.9)),
            "max_us": us(h.get_max_value()),
            "mean_us": round(h.get_mean_value() / 1000.0, 2),
        }


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MiB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


def machine() -> dict[str, Any]:
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(terse=True),
    }


def result_line(workload: str, **fields: Any) -> str:
    """One JSON line: workload first, then the figures, then peak RSS and machine facts."""
    out: dict[str, Any] = {"workload": workload}
    out.update(fields)
    out["peak_rss_mb"] = peak_rss_mb()
    out.update(machine())
    return json.dumps(out, separators=(",", ":"))


@contextmanager
def engine_gc() -> Iterator[None]:
    """GC tuned for throughput runs: freeze start-up objects, collect young objects less often.

    Events and orders are acyclic (msgspec structs with gc=False, slotted orders), so
    generation-0 collections find little; raising the threshold removes most pauses.
    """
    old = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


@contextmanager
def idle_gc(collector: IdleCollector | None = None) -> Iterator[IdleCollector]:
    """GC for latency runs (:class:`~tradecore.engine.gcpolicy.IdleCollector`, the system's
    own with its idle tasks, or a bare one): automatic collection off; the workload calls
    ``idle()`` where the engine is idle (between orders)."""
    with collector or IdleCollector() as gcs:
        yield gcs


class Stopwatch:
    __slots__ = ("elapsed_s", "start")

    def __enter__(self) -> Stopwatch:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.elapsed_s = time.perf_counter() - self.start
