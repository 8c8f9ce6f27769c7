"""The PostgreSQL journal store (psycopg 3), for production. Same schema and semantics as
SQLite; every table lives in one schema so several engines (or test runs) can share a server."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from tradecore.errors import JournalError
from tradecore.journal.store import AUDIT_COLS, AuditRow, Row, migrations, page_bounds

#: chunks fetched per round trip by :meth:`PostgresStore.read_array`
_ARRAYS = 40


class PostgresStore:
    def __init__(self, dsn: str, *, schema: str = "tradecore", fsync: bool = False) -> None:
        import psycopg

        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
            raise JournalError(f"invalid schema name {schema!r}")
        self.schema = schema
        self.dsn = dsn
        self.fsync = fsync
        self._arrays: dict[tuple[int, int], bytes] = {}  # read_array's prefetched chunks
        try:
            self.db = psycopg.connect(dsn, autocommit=True)
        except psycopg.Error as e:
            raise JournalError(f"cannot connect to PostgreSQL: {e}") from None
        with self.db.cursor() as cur:
            cur.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            cur.execute(f"SET search_path TO {schema}")
            # group commit is the server's: synchronous_commit off trades the last ms for speed
            cur.execute(f"SET synchronous_commit TO {'on' if fsync else 'off'}")
        self._migrate()

    def spec(self) -> tuple[str, str, str, bool]:
        """How another process opens this store (the group-commit writer)."""
        return ("postgres", self.dsn, self.schema, self.fsync)

    def _migrate(self) -> None:
        with self.db.cursor() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)")
            cur.execute("SELECT version FROM schema_version")
            done = {r[0] for r in cur.fetchall()}
        for version, sql in migrations("postgres"):
            if version in done:
                continue
            with self.db.transaction(), self.db.cursor() as cur:
                cur.execute(sql)  # type: ignore[arg-type]
                cur.execute("INSERT INTO schema_version VALUES (%s)", (version,))

    def schema_version(self) -> int:
        with self.db.cursor() as cur:
            cur.execute("SELECT MAX(version) FROM schema_version")
            row = cur.fetchone()
        return int(row[0] or 0) if row else 0

    def append(self, events: Sequence[Row], audit: Sequence[Row]) -> None:
        import psycopg

        try:
            with self.db.transaction(), self.db.cursor() as cur:
                if events:
                    cur.executemany("INSERT INTO events VALUES (%s,%s,%s,%s,%s,%s,%s)", events)
                if audit:
                    cur.executemany(
                        f"INSERT INTO audit ({AUDIT_COLS}) VALUES (%s,%s,%s,%s,%s,%s)",
                        [(r[0], r[1], r[2], r[3], r[4], r[6]) for r in audit],
                    )
        except psycopg.Error as e:
            raise JournalError(f"append failed: {e}") from None

    def read(self, after_seq: int = 0, chunk: int = 10_000) -> Iterator[tuple[int, bytes]]:
        last = after_seq
        while True:
            with self.db.cursor() as cur:
                cur.execute(
                    "SELECT seq, payload FROM events WHERE seq > %s ORDER BY seq LIMIT %s",
                    (last, chunk),
                )
                rows = cur.fetchall()
            if not rows:
                return
            for seq, payload in rows:
                yield int(seq), bytes(payload)
            last = rows[-1][0]

    def read_array(self, after_seq: int, limit: int) -> bytes | None:
        """The payloads of the first ``limit`` events after ``after_seq``, in seq order, as
        one JSON array built by the server; None when none. One round trip fetches the next
        ``_ARRAYS`` arrays (a chunk each), served from memory as recovery asks for them."""
        blob = self._arrays.pop((after_seq, limit), None)
        if blob is not None:
            return blob
        with self.db.cursor() as cur:
            cur.execute(
                "SELECT MAX(seq), '['::bytea || string_agg(payload, ','::bytea ORDER BY seq) "
                "|| ']'::bytea FROM (SELECT seq, payload, "
                "(row_number() OVER (ORDER BY seq) - 1) / %s AS g FROM events "
                "WHERE seq > %s ORDER BY seq LIMIT %s) t GROUP BY g ORDER BY g",
                (limit, after_seq, limit * _ARRAYS),
            )
            rows = cur.fetchall()
        self._arrays = {}
        prev = after_seq
        for top, arr in rows:
            self._arrays[(prev, limit)] = bytes(arr)
            prev = int(top)
        return self._arrays.pop((after_seq, limit), None)

    def max_seq(self) -> int:
        with self.db.cursor() as cur:
            cur.execute("SELECT MAX(seq) FROM events")
            row = cur.fetchone()
        return int(row[0] or 0) if row else 0

    def save_snapshot(self, seq: int, ts: int, payload: bytes) -> None:
        with self.db.cursor() as cur:
            cur.execute(
                "INSERT INTO snapshots VALUES (%s,%s,%s) "
                "ON CONFLICT (seq) DO UPDATE SET payload = EXCLUDED.payload",
                (seq, ts, payload),
            )

    def latest_snapshot(self) -> tuple[int, bytes] | None:
        with self.db.cursor() as cur:
            cur.execute("SELECT seq, payload FROM snapshots ORDER BY seq DESC LIMIT 1")
            row = cur.fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))

    def order_ids(self) -> Iterator[str]:
        """Every client order id in the journal (from the index, once each)."""
        with self.db.cursor() as cur:
            cur.execute("SELECT DISTINCT coid FROM events WHERE coid IS NOT NULL")
            for (coid,) in cur:
                yield str(coid)

    def last_audit(self, type_: str) -> bytes | None:
        """The payload of the newest audit record of one type (e.g. serve's ClockAdvanced)."""
        with self.db.cursor() as cur:
            cur.execute(
                "SELECT payload FROM audit WHERE type = %s ORDER BY id DESC LIMIT 1", (type_,)
            )
            row = cur.fetchone()
        return None if row is None else bytes(row[0])

    def has_order(self, coid: str) -> bool:
        with self.db.cursor() as cur:
            cur.execute("SELECT 1 FROM events WHERE coid = %s LIMIT 1", (coid,))
            return cur.fetchone() is not None

    def _rows(self, sql: str, args: tuple[Any, ...]) -> list[AuditRow]:
        with self.db.cursor() as cur:
            cur.execute(sql, args)  # type: ignore[arg-type]
            return [
                AuditRow(r[0], int(r[1]), int(r[2]), r[3], r[4], r[5], bytes(r[6]))
                for r in cur.fetchall()
            ]

    def order_rows(self, coids: Sequence[str]) -> list[AuditRow]:
        return self._rows(
            f"SELECT 'event', {AUDIT_COLS} FROM events WHERE coid = ANY(%s) "
            f"UNION ALL SELECT 'audit', {AUDIT_COLS} FROM audit WHERE coid = ANY(%s) "
            "ORDER BY 2, 1 DESC",
            (list(coids), list(coids)),
        )

    def children_of(self, coid: str) -> list[str]:
        with self.db.cursor() as cur:
            cur.execute("SELECT DISTINCT coid FROM events WHERE parent = %s ORDER BY coid", (coid,))
            return [r[0] for r in cur.fetchall()]

    def account_rows(self, account: str, since_ns: int) -> list[AuditRow]:
        return self._rows(
            f"SELECT 'event', {AUDIT_COLS} FROM events WHERE account = %s AND ts >= %s "
            f"UNION ALL SELECT 'audit', {AUDIT_COLS} FROM audit WHERE account = %s AND ts >= %s "
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
        with seq below ``cursor``, or oldest first with seq above it (see SQLiteStore)."""
        op, order, bound = page_bounds(cursor, newest_first)
        with self.db.cursor() as cur:
            cur.execute(
                f"SELECT seq, payload FROM events WHERE account = %s AND type = ANY(%s) "  # type: ignore[arg-type]
                f"AND seq {op} %s ORDER BY seq {order} LIMIT %s",
                (account, list(types), bound, limit),
            )
            return [(int(r[0]), bytes(r[1])) for r in cur.fetchall()]

    def drop(self) -> None:
        with self.db.cursor() as cur:
            cur.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")

    def close(self) -> None:
        self.db.close()
