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
  from the venues by reconciliation, but acknowledged-but-unsent orders are lost). The
  commit runs on a writer thread: the engine thread only encodes each event and hands a full
  buffer over, so no order waits for SQLite or PostgreSQL (the database call releases the
  GIL). ``flush()`` waits for the writer; a write error is raised on the engine thread at the
  next ``commit()``/``flush()``.
* ``none``   nothing written (benchmarks).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from tradecore.errors import JournalError
from tradecore.journal.store import JournalStore, Row
from tradecore.model import codec
from tradecore.model.events import Event, OrderFilled, OrderInitialized

_WITH_PARENT = frozenset({OrderInitialized, OrderFilled})
_encode = codec.encoder().encode  # canonical JSON of a tagged struct (codec.dumps, minus checks)


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
        background: bool | None = None,
    ) -> None:
        self.store = store
        self.durability = durability if store is not None else Durability.NONE
        self._events: list[Row] = []
        self._audit: list[Row] = []
        self._off = self.durability is Durability.NONE
        self._each = self.durability is Durability.FSYNC
        self.group_events = group_events
        self._group_ns = group_ms * 1_000_000
        self._clock_ns = clock_ns
        self._last_flush = 0
        self.last_seq = 0
        self.appended = 0
        self.commits = 0
        # group commit writes on a thread of its own unless told otherwise
        self.background = (
            self.durability is Durability.GROUP if background is None else background
        ) and self.durability is not Durability.NONE
        self._queue: queue.SimpleQueue[tuple[list[Row], list[Row]] | None] = queue.SimpleQueue()
        self._idle = threading.Condition()
        self._in_flight = 0
        self._writing: list[list[Row]] = []  # handed to the writer, not yet committed
        self._writer: threading.Thread | None = None
        self._error: BaseException | None = None

    # ------------------------------------------------------------------ EventJournal
    def append(self, event: Event) -> None:
        if self._off:
            return
        o = event
        try:  # every order event has these (the fast path: no getattr per field)
            row = (
                o.seq, o.ts, type(o).__name__, o.account, o.client_order_id,  # type: ignore[attr-defined]
                o.parent_id if type(o) in _WITH_PARENT else None,  # type: ignore[attr-defined]
                _encode(o),
            )  # fmt: skip
        except AttributeError:
            row = (
                o.seq, o.ts, type(o).__name__, getattr(o, "account", None),
                getattr(o, "client_order_id", None), getattr(o, "parent_id", None), codec.dumps(o),
            )  # fmt: skip
        self._events.append(row)
        self.last_seq = o.seq
        self.appended += 1
        if self._each:
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
        if d is Durability.GROUP:
            if (
                len(self._events) >= self.group_events
                or time.monotonic_ns() - self._last_flush >= self._group_ns
            ):
                self._hand_over()
        elif d is Durability.BATCH or d is Durability.FSYNC:
            self.flush()

    def _hand_over(self) -> None:
        """Start writing what is buffered: on the writer thread, or here and now."""
        if self._error is not None:
            self._raise_writer_error()
        if self.store is None or not (self._events or self._audit):
            self._last_flush = time.monotonic_ns()
            return
        events, audit = self._events, self._audit
        self._events = []
        self._audit = []
        self._last_flush = time.monotonic_ns()
        if not self.background:
            self.store.append(events, audit)
            self.commits += 1
            return
        if self._writer is None:
            self._writer = threading.Thread(
                target=self._write_loop, name="tradecore-journal", daemon=True
            )
            self._writer.start()
        with self._idle:
            self._in_flight += 1
            self._writing.append(events)
        self._queue.put((events, audit))

    def _write_loop(self) -> None:
        store = self.store
        assert store is not None
        while True:
            item = self._queue.get()
            if item is None:
                return
            try:
                if self._error is None:
                    store.append(item[0], item[1])
                    self.commits += 1
            except BaseException as e:  # reported on the engine thread
                self._error = e
            finally:
                with self._idle:
                    self._in_flight -= 1
                    self._writing.remove(item[0])
                    if self._in_flight == 0:
                        self._idle.notify_all()

    def _raise_writer_error(self) -> None:
        err = self._error
        if isinstance(err, JournalError):
            raise err
        raise JournalError(f"journal writer failed: {err!r}")

    def sync(self) -> None:
        """Wait until everything handed to the writer thread is committed."""
        if self._writer is not None:
            with self._idle:
                while self._in_flight:
                    self._idle.wait()
        if self._error is not None:
            self._raise_writer_error()

    def flush(self) -> None:
        """Commit everything buffered, and return only when it is committed."""
        self._hand_over()
        self.sync()

    def has_order(self, coid: str) -> bool:
        """Whether any journaled event belongs to ``coid`` (idempotency of evicted orders).

        Looks at what is committed, then at what is still buffered or being written; it does
        not wait for the writer thread."""
        if self.store is None:
            return False
        if self.store.has_order(coid):
            return True
        with self._idle:
            pending = [self._events, *self._writing]
        return any(row[4] == coid for rows in pending for row in rows)

    def save_snapshot(self, seq: int, ts: int, payload: bytes) -> None:
        """Store a snapshot after every event up to ``seq`` is committed."""
        self.flush()
        if self.store is not None:
            self.store.save_snapshot(seq, ts, payload)

    def close(self) -> None:
        self.flush()
        if self._writer is not None:
            self._queue.put(None)
            self._writer.join()
            self._writer = None
        if self.store is not None:
            self.store.close()
