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
  writes happen in a writer process (:mod:`tradecore.journal.writer`): the engine only
  encodes each event and streams the rows to it, so no order waits for SQLite or PostgreSQL.
  ``flush()`` waits for the writer; a write error is raised in the engine at the next
  ``commit()``/``flush()``.
* ``none``   nothing written (benchmarks).

Audit records (:meth:`Journal.record`: routing decisions, risk alerts...) are not encoded on
the order path: each waits, with its key columns, until the engine is idle (:meth:`idle`,
called between orders or market steps) or, at the latest, until a batch that may hold it is
written or handed to the writer process. Its row is the same either way (``codec.dumps``)
and goes with the same batch, in the same order, as if it were encoded at once.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from enum import StrEnum
from typing import Any

from tradecore.errors import JournalError
from tradecore.journal.store import JournalStore, Row
from tradecore.journal.writer import AUDIT, EVENT, WriterProcess
from tradecore.model import codec
from tradecore.model.events import Event, OrderFilled, OrderInitialized

_WITH_PARENT = frozenset({OrderInitialized, OrderFilled})
# an audit record not encoded yet: seq, ts, type, account, coid, the record itself
Pending = tuple[int, int, str, str | None, str | None, Any]
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
        writer_cpu: int | None = None,
    ) -> None:
        self.store = store
        self.durability = durability if store is not None else Durability.NONE
        self._events: list[Row] = []
        self._audit: list[Row] = []
        self._pending: list[Pending] = []  # audit records to encode (idle(), or before a write)
        self._off = self.durability is Durability.NONE
        self._each = self.durability is Durability.FSYNC
        self.group_events = group_events
        self._group_ns = group_ms * 1_000_000
        self._clock_ns = clock_ns
        self._last_flush = 0
        self.last_seq = 0
        self.appended = 0
        self.commits = 0
        self._held = 0  # > 0: inside atomic(), commits wait for its end
        # group commit writes in a process of its own (journal/writer.py) unless told otherwise
        spec = getattr(store, "spec", None)
        use_writer = (
            (self.durability is Durability.GROUP if background is None else background)
            and self.durability is not Durability.NONE
            and spec is not None
        )
        self.writer: WriterProcess | None = None
        if use_writer:
            assert spec is not None
            self.writer = WriterProcess(
                spec(),
                group_ms=group_ms,
                group_events=group_events,
                cpu=writer_cpu,
                before_send=self.idle,
            )

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
        w = self.writer
        if w is not None:
            w.add(EVENT, row)
        else:
            self._events.append(row)
        self.last_seq = o.seq
        self.appended += 1
        if self._each:
            self.flush()

    def record(self, obj: Any, seq: int | None = None) -> None:
        """A non-sequenced audit record (routing decision, risk alert, kill switch...): an
        immutable record (a frozen struct), kept as it is and encoded by :meth:`idle` or
        before the next write, whichever comes first."""
        if self._off:
            return
        self._pending.append((
            self.last_seq if seq is None else seq, getattr(obj, "ts", 0), type(obj).__name__,
            getattr(obj, "account", None),
            getattr(obj, "parent_id", getattr(obj, "client_order_id", None)), obj,
        ))  # fmt: skip

    def idle(self) -> None:
        """Encode the pending audit records now (the engine has nothing else to do); cheap
        when there are none. Also run before every write or hand-over to the writer. A
        record that cannot be encoded is dropped and its error raised (as ``record`` itself
        raised when it encoded at once), after the others are queued: nothing else is lost."""
        pending = self._pending
        if not pending:
            return
        self._pending = []
        dumps = codec.dumps
        w = self.writer
        put = self._audit.append
        error: Exception | None = None
        for seq, ts, t, acc, coid, obj in pending:  # one plain loop: most calls have one record
            try:
                row = (seq, ts, t, acc, coid, None, dumps(obj))
            except Exception as e:  # raised below, once the rest is queued
                error = error or e
                continue
            if w is not None:
                w.add(AUDIT, row)
            else:
                put(row)
        if error is not None:
            raise JournalError(f"audit record not encodable: {error}") from error

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """One command made of several engine calls (a manual clock request of several
        market steps): their commits wait for the end of the block, so a crash inside it
        leaves all of it or none of it journaled, as for any other command. On an
        exception the block's events are still committed (the engine has applied them).
        Explicit flushes (``flush``, ``has_order``, ``save_snapshot``) still write."""
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
            if not self._held:
                self.commit()

    def commit(self) -> None:
        """End of a command or report (called by the engine before it answers)."""
        if self._held:
            return
        d = self.durability
        if d is Durability.GROUP:
            w = self.writer
            if w is not None:
                w.maybe_send(bool(self._pending))
                self.commits = w.sent
            elif (
                len(self._events) >= self.group_events
                or time.monotonic_ns() - self._last_flush >= self._group_ns
            ):
                self._write()
        elif d is Durability.BATCH or d is Durability.FSYNC:
            self._write()

    def _write(self) -> None:
        """Commit what is buffered here, on this thread."""
        self._last_flush = time.monotonic_ns()
        self.idle()
        if self.store is None or not (self._events or self._audit):
            return
        events, audit = self._events, self._audit
        self._events = []
        self._audit = []
        self.store.append(events, audit)
        self.commits += 1

    def flush(self) -> None:
        """Commit everything buffered, and return only when it is committed."""
        if self.writer is not None:
            self.writer.flush()
            self.commits = self.writer.sent
        else:
            self._write()

    def has_order(self, coid: str) -> bool:
        """Whether any journaled event belongs to ``coid`` (idempotency of evicted orders).

        Committed rows first; only if the id is not there is everything pending committed
        and the question asked again (the order store asks only about ids its filter of
        evicted ids flags, so this round trip is rare)."""
        if self.store is None:
            return False
        if self.store.has_order(coid):
            return True
        self.flush()
        return self.store.has_order(coid)

    def save_snapshot(self, seq: int, ts: int, payload: bytes) -> None:
        """Store a snapshot after every event up to ``seq`` is committed."""
        self.flush()
        if self.store is not None:
            self.store.save_snapshot(seq, ts, payload)

    def close(self) -> None:
        try:
            self.idle()  # an unencodable record is raised after the rest is written
        finally:
            if self.writer is not None:
                self.writer.close()
                self.writer = None
            else:
                self._write()
            if self.store is not None:
                self.store.close()
