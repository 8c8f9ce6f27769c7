"""Journal storage behind one interface: SQLite (embedded default) and PostgreSQL.

Rows: ``events`` (the sequenced engine events, canonical JSON payload, key columns for audit
queries), ``audit`` (non-sequenced records such as routing decisions and risk alerts, tied to
the engine seq current when they happened), ``snapshots`` (engine state at a seq), and
``schema_version`` (migrations applied, in order, from ``journal/migrations/<backend>``).
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from tradecore.errors import JournalError
from tradecore.journal.checkpoint import Checkpointer

Row = tuple[int, int, str, str | None, str | None, str | None, bytes]
AUDIT_COLS = "seq, ts, type, account, coid, payload"


@dataclass(frozen=True, slots=True)
class AuditRow:
    kind: str  # "event" or "audit"
    seq: int
    ts: int
    type: str
    account: str | None
    coid: str | None
    payload: bytes


def page_bounds(cursor: int | None, newest_first: bool) -> tuple[str, str, int]:
    """(comparison, sort order, bound) of a seq-cursor page: newest first below ``cursor``,
    or oldest first above it (no cursor: from the end or the start). Both stores use it."""
    if newest_first:
        return "<", "DESC", 2**62 if cursor is None else cursor
    return ">", "ASC", 0 if cursor is None else cursor


class JournalStore(Protocol):
    def append(self, events: Sequence[Row], audit: Sequence[Row]) -> None: ...

    def read(self, after_seq: int = 0, chunk: int = 10_000) -> Iterator[tuple[int, bytes]]: ...

    def read_array(self, after_seq: int, limit: int) -> bytes | None: ...

    def max_seq(self) -> int: ...

    def save_snapshot(self, seq: int, ts: int, payload: bytes) -> None: ...

    def latest_snapshot(self) -> tuple[int, bytes] | None: ...

    def has_order(self, coid: str) -> bool: ...

    def order_rows(self, coids: Sequence[str]) -> list[AuditRow]: ...

    def account_rows(self, account: str, since_ns: int) -> list[AuditRow]: ...

    def close(self) -> None: ...


# SQLite before 3.44 has no ORDER BY inside group_concat; it concatenates in the order the
# ordered sub-query yields (recovery checks that the seqs it decodes increase)
_ARRAY_SQL = (
    "SELECT CAST('[' || group_concat(payload, ',') || ']' AS BLOB) "
    "FROM (SELECT payload FROM events WHERE seq > ? ORDER BY seq LIMIT ?)"
)


def migrations(backend: str) -> list[tuple[int, str]]:
    folder = resources.files("tradecore.journal") / "migrations" / backend
    out = []
    for f in folder.iterdir():
        name = f.name
        if name.endswith(".sql"):
            out.append((int(name.split("_", 1)[0]), f.read_text()))
    return sorted(out)


class SQLiteStore:
    """One file, WAL mode. ``synchronous`` FULL (fsync per commit) or NORMAL (survives a process
    crash; the last commits may be lost on power loss)."""

    def __init__(self, path: str | Path, *, fsync: bool = False) -> None:
        self.path = str(path)
        self.fsync = fsync
        self._checkpoints: Checkpointer | None = None  # started by the first append
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            # the group-commit writer process and this connection share the file
            self.db.execute("PRAGMA busy_timeout=10000")
            self.db.execute(f"PRAGMA synchronous={'FULL' if fsync else 'NORMAL'}")
            self._migrate()
        except sqlite3.Error as e:
            raise JournalError(f"cannot open journal {self.path}: {e}") from None

    def _migrate(self) -> None:
        db = self.db
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)")
        done = {r[0] for r in db.execute("SELECT version FROM schema_version")}
        for version, sql in migrations("sqlite"):
            if version in done:
                continue
            # one script, one transaction: the schema and its version land together or not at all
            db.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\n"
                f"INSERT INTO schema_version VALUES ({int(version)});\nCOMMIT;"
            )

    def spec(self) -> tuple[str, str, bool]:
        """How another process opens this store (the group-commit writer)."""
        return ("sqlite", self.path, self.fsync)

    def schema_version(self) -> int:
        row = self.db.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def append(self, events: Sequence[Row], audit: Sequence[Row]) -> None:
        db = self.db
        if self._checkpoints is None:  # the first write: checkpoints move to their thread
            db.execute("PRAGMA wal_autocheckpoint=0")
            self._checkpoints = Checkpointer(self.path)
            weakref.finalize(self, self._checkpoints.stop)  # dropped without close()
        try:
            db.execute("BEGIN")
            if events:
                db.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?)", events)
            if audit:
                db.executemany(
                    f"INSERT INTO audit ({AUDIT_COLS}) VALUES (?,?,?,?,?,?)",
                    [(r[0], r[1], r[2], r[3], r[4], r[6]) for r in audit],
                )
            db.execute("COMMIT")
        except sqlite3.Error as e:
            db.execute("ROLLBACK")
            raise JournalError(f"append failed: {e}") from None

    def read(self, after_seq: int = 0, chunk: int = 10_000) -> Iterator[tuple[int, bytes]]:
        last = after_seq
        while True:
            rows = self.db.execute(
                "SELECT seq, payload FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (last, chunk)
            ).fetchall()
            if not rows:
                return
            for seq, payload in rows:
                yield int(seq), bytes(payload)
            last = rows[-1][0]

    def read_array(self, after_seq: int, limit: int) -> bytes | None:
        """The payloads of the first ``limit`` events after ``after_seq``, in seq order, as
        one JSON array built by SQLite (one row and one decode per run of events, not per
        event); None when there are none. Recovery checks the seqs it decodes."""
        blob = self.db.execute(_ARRAY_SQL, (after_seq, limit)).fetchone()[0]
        return None if blob is None else bytes(blob)

    def max_seq(self) -> int:
        row = self.db.execute("SELECT MAX(seq) FROM events").fetchone()
        return int(row[0] or 0)

    def save_snapshot(self, seq: int, ts: int, payload: bytes) -> None:
        self.db.execute("INSERT OR REPLACE INTO snapshots VALUES (?,?,?)", (seq, ts, payload))

    def latest_snapshot(self) -> tuple[int, bytes] | None:
        row = self.db.execute(
            "SELECT seq, payload FROM snapshots ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))

    def order_ids(self) -> Iterator[str]:
        """Every client order id in the journal (from the index, once each)."""
        for (coid,) in self.db.execute("SELECT DISTINCT coid FROM events WHERE coid IS NOT NULL"):
            yield str(coid)

    def last_audit(self, type_: str) -> bytes | None:
        """The payload of the newest audit record of one type (e.g. serve's ClockAdvanced)."""
        row = self.db.execute(
            "SELECT payload FROM audit WHERE type = ? ORDER BY id DESC LIMIT 1", (type_,)
        ).fetchone()
        return None if row is None else bytes(row[0])

    def has_order(self, coid: str) -> bool:
        return (
            self.db.execute("SELECT 1 FROM events WHERE coid = ? LIMIT 1", (coid,)).fetchone()
            is not None
        )

    def _rows(self, sql: str, args: tuple[Any, ...]) -> list[AuditRow]:
        return [
            AuditRow(r[0], int(r[1]), int(r[2]), r[3], r[4], r[5], bytes(r[6]))
            for r in self.db.execute(sql, args)
        ]

    def order_rows(self, coids: Sequence[str]) -> list[AuditRow]:
        marks = ",".join("?" * len(coids))
        return self._rows(
            f"SELECT 'event', {AUDIT_COLS} FROM events WHERE coid IN ({marks}) "
            f"UNION ALL SELECT 'audit', {AUDIT_COLS} FROM audit WHERE coid IN ({marks}) "
            "ORDER BY 2, 1 DESC",
            (*coids, *coids),
        )

    def children_of(self, coid: str) -> list[str]:
        return [
            r[0]
            for r in self.db.execute(
                "SELECT DISTINCT coid FROM events WHERE parent = ? ORDER BY coid", (coid,)
            )
        ]

    def account_rows(self, account: str, since_ns: int) -> list[AuditRow]:
        return self._rows(
            f"SELECT 'event', {AUDIT_COLS} FROM events WHERE account = ? AND ts >= ? "
            f"UNION ALL SELECT 'audit', {AUDIT_COLS} FROM audit WHERE account = ? AND ts >= ? "
            "ORDER BY 2, 1 DESC",
            (account, since_ns, account, since_ns),
        )

    def account_page(
        self,
        account: str,
        types: Sequence[str],
        *,
        cursor: int | None = None,
        limit: int = 100,
        newest_first: bool = True,
    ) -> list[tuple[int, bytes]]:
        """Events of ``account`` whose type is in ``types``, at most ``limit``: newest first
        with seq below ``cursor``, or oldest first with seq above it (no cursor: from the end
        or the start)."""
        marks = ",".join("?" * len(types))
        op, order, bound = page_bounds(cursor, newest_first)
        rows = self.db.execute(
            f"SELECT seq, payload FROM events WHERE account = ? AND type IN ({marks}) "
            f"AND seq {op} ? ORDER BY seq {order} LIMIT ?",
            (account, *types, bound, limit),
        ).fetchall()
        return [(int(r[0]), bytes(r[1])) for r in rows]

    def close(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.close()
            self._checkpoints = None
        self.db.close()
