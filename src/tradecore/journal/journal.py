"""The event journal: the engine's EventJournal, with a durability policy.

Policies (``[journal] durability``) and what an acknowledged order survives:

* ``fsync``  commit each event in its own transaction, fsync on commit (SQLite
  ``synchronous=FULL``; PostgreSQL ``synchronous_commit=on``). Survives process crash and
  power loss. Slowest.
* ``batch``  (default) the events of one command or venue report are committed together when
  it finishes, *before* the caller gets its answer (``Engine._command`` calls :meth:`commit`).
  WAL ``synchronous=NORMAL``: survives a process crash (SIGKILL) with nothing acknowledged
  lost; a power loss may lose the last commits.
* ``group``  buffer and commit every ``group_ms`` of wall time or ``group_events`` events.
  Fastest; a crash may lose up to that window of acknowledged events (they are re-learned
  from the venues by reconciliation, but acknowledged-but-unsent orders are lost).
* ``none``   nothing written (benchmarks).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from tradecore.journal.store import JournalStore, Row
from tradecore.model import codec
from tradecore.model.events import Event


class Durability(StrEnum):
    FSYNC = "fsync"
    BATCH = "batch"
    GROUP = "group"
    NONE = "none"


class Journal:
    def __init__(
        self,
        store: JournalStore | None,
        durability: Durability = Durability.BATCH,
        *,
        group_events: int = 1000,
        group_ms: int = 5,
        clock_ns: Callable[[], int] | None = None,
    ) -> None:
        self.store = store
        self.durability = durability if store is not None else Durability.NONE
        self._events: list[Row] = []
        self._audit: list[Row] = []
        self.group_events = group_events
        self._group_ns = group_ms * 1_000_000
        self._clock_ns = clock_ns
        self._last_flush = 0
        self.last_seq = 0
        self.appended = 0
        self.commits = 0

    # ------------------------------------------------------------------ EventJournal
    def append(self, event: Event) -> None:
        if self.durability is Durability.NONE:
            return
        o = event
        parent = getattr(o, "parent_id", None)
        self._events.append(
            (
                o.seq, o.ts, type(o).__name__, getattr(o, "account", None),
                getattr(o, "client_order_id", None), parent, codec.dumps(o),
            )
        )  # fmt: skip
        self.last_seq = o.seq
        self.appended += 1
        if self.durability is Durability.FSYNC:
            self.flush()

    def record(self, obj: Any, seq: int | None = None) -> None:
        """A non-sequenced audit record (routing decision, risk alert, kill switch...)."""
        if self.durability is Durability.NONE:
            return
        self._audit.append(
            (
                self.last_seq if seq is None else seq, getattr(obj, "ts", 0), type(obj).__name__,
                getattr(obj, "account", None),
                getattr(obj, "parent_id", getattr(obj, "client_order_id", None)),
                None, codec.dumps(obj),
            )
        )  # fmt: skip

    def commit(self) -> None:
        """End of a command or report (called by the engine before it answers)."""
        d = self.durability
        if (
            d is Durability.BATCH
            or d is Durability.FSYNC
            or (
                d is Durability.GROUP
                and (
                    len(self._events) >= self.group_events
                    or time.monotonic_ns() - self._last_flush >= self._group_ns
                )
            )
        ):
            self.flush()

    def flush(self) -> None:
        if self.store is None or not (self._events or self._audit):
            return
        self.store.append(self._events, self._audit)
        self._events = []
        self._audit = []
        self.commits += 1
        self._last_flush = time.monotonic_ns()

    def close(self) -> None:
        self.flush()
        if self.store is not None:
            self.store.close()
