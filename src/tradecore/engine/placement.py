"""Where processes run: pinning to a CPU (Linux ``sched_setaffinity``).

Keeping the engine and the journal's writer process on separate cores stops the scheduler
from waking the writer on the engine's core (W3 p99.9 over 3 venues 360-400 -> 185-205 µs,
docs/performance.md). Set with ``[engine] cpu`` and ``[journal] writer_cpu``.
"""

from __future__ import annotations

import os


def pin(pid: int, cpu: int) -> bool:
    """Run process ``pid`` (0: this one) on ``cpu`` only. False where the platform cannot;
    ``OSError`` when the CPU does not exist or is not allowed."""
    setaffinity = getattr(os, "sched_setaffinity", None)
    if setaffinity is None:
        return False
    setaffinity(pid, {cpu})
    return True
