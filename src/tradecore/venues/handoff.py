"""Reports handed from a venue adapter's I/O threads to the engine's thread, in order."""

from __future__ import annotations

import queue
from collections.abc import Callable
from typing import Any


def drain(q: queue.SimpleQueue[tuple[str, Any]], deliver: Callable[[str, Any], None]) -> int:
    """Hand every queued ``(kind, args)`` to ``deliver``, oldest first (call on the engine's
    thread); returns how many."""
    n = 0
    while True:
        try:
            kind, args = q.get_nowait()
        except queue.Empty:
            return n
        n += 1
        deliver(kind, args)
