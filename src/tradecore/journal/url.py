"""One way to name and open a journal: a URL, checked before anything is written.

``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db`` (or a plain file path) and
``postgresql://user@host:port/dbname?schema=NAME`` (``postgres://`` too). Precedence: the
command's ``--journal``, then ``TRADECORE_JOURNAL`` (folded into ``[journal] url`` by the config
loader), then ``[journal] url``, then ``[journal] backend/path/dsn/schema``.

Opening checks that the target is a tradecore journal (or empty): a directory, a file that is
not SQLite, a damaged SQLite file, or a database holding other tables is refused with one line,
before any table is created. A journal remembers the fingerprint of the instruments and venues
it was written under (table ``tradecore_meta``) and is refused under another configuration.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from tradecore.config import AppConfig, JournalConfig, fingerprint_table
from tradecore.errors import JournalError, ValidationError
from tradecore.journal.journal import Durability, Journal
from tradecore.journal.store import JournalStore, SQLiteStore

SQLITE_MAGIC = b"SQLite format 3\x00"
TRADECORE_TABLES = frozenset({"events", "audit", "snapshots", "schema_version"})
META = "tradecore_meta"


@dataclass(frozen=True)
class JournalTarget:
    backend: str  # sqlite | postgres | none
    path: str = ""
    dsn: str = ""
    schema: str = "tradecore"
    field: str = "journal"  # what to name in errors: journal.url, --journal...

    def describe(self) -> str:
        """What the commands print: which store they use (no password)."""
        if self.backend == "sqlite":
            return f"sqlite:///{Path(self.path).resolve()}"
        if self.backend == "postgres":
            return f"{_redact(self.dsn)} (schema {self.schema})"
        return "none (nothing journaled)"


def _redact(dsn: str) -> str:
    if "://" not in dsn:
        return "postgresql " + " ".join(p for p in dsn.split() if not p.startswith("password="))
    u = urlsplit(dsn)
    netloc = u.hostname or ""
    if u.username:
        netloc = f"{u.username}@{netloc}"
    if u.port:
        netloc += f":{u.port}"
    return urlunsplit((u.scheme, netloc, u.path, "", ""))


def parse_url(url: str, field: str = "journal.url") -> JournalTarget:
    if url.startswith("sqlite:"):
        rest = url[len("sqlite:") :]
        if not rest.startswith("///") or len(rest) == 3:
            raise ValidationError(
                field, f"{url!r}: write sqlite:///relative.db or sqlite:////abs.db"
            )
        return JournalTarget("sqlite", path=rest[3:], field=field)
    if url.startswith(("postgresql://", "postgres://")):
        u = urlsplit(url)
        query = parse_qs(u.query)
        schema = query.pop("schema", ["tradecore"])[-1]
        rest = "&".join(f"{k}={v[-1]}" for k, v in query.items())
        dsn = urlunsplit(("postgresql", u.netloc, u.path, rest, ""))
        return JournalTarget("postgres", dsn=dsn, schema=schema, field=field)
    if url == "none":
        return JournalTarget("none", field=field)
    if "://" in url:
        scheme = url.split("://", 1)[0]
        raise ValidationError(field, f"unknown scheme {scheme!r}: sqlite:///PATH or postgresql://")
    return JournalTarget("sqlite", path=url, field=field)


def resolve(cfg: JournalConfig, override: str | Path | None = None) -> JournalTarget:
    """The journal a command uses: ``override`` (its --journal), else the config's."""
    if override is not None:
        return parse_url(str(override), "--journal")
    if cfg.url is not None:
        return parse_url(cfg.url, "journal.url")
    if cfg.backend == "postgres":
        return JournalTarget("postgres", dsn=cfg.dsn, schema=cfg.pg_schema, field="journal.dsn")
    if cfg.backend == "none":
        return JournalTarget("none")
    return JournalTarget("sqlite", path=cfg.path, field="journal.path")


def fingerprint(cfg: AppConfig) -> tuple[str, str]:
    """(hash, human summary) of the instruments and venues a journal depends on."""
    table = fingerprint_table(cfg)
    blob = json.dumps(table, sort_keys=True, separators=(",", ":"))
    summary = (
        "instruments " + ",".join(i["symbol"] for i in table["instruments"])
        + "; venues " + ",".join(table["venues"])
    )  # fmt: skip
    return hashlib.sha256(blob.encode()).hexdigest()[:16], summary


# ---------------------------------------------------------------------- checks before opening
def _check_sqlite(t: JournalTarget, create: bool) -> None:
    p = Path(t.path)
    if p.is_dir():
        raise ValidationError(t.field, f"{p} is a directory, not a journal file")
    if not p.exists() or p.stat().st_size == 0:
        if not create:
            raise ValidationError(t.field, f"{p}: journal not found")
        if not p.parent.is_dir():
            raise ValidationError(t.field, f"{p.parent} is not a directory")
        return
    try:
        with p.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except OSError as e:
        raise ValidationError(t.field, f"{p}: cannot read: {e.strerror}") from None
    if head != SQLITE_MAGIC:
        raise ValidationError(t.field, f"{p} is not a tradecore journal (not a SQLite file)")
    try:
        db = sqlite3.connect(f"file:{p.resolve()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            check = db.execute("PRAGMA quick_check").fetchone()
        finally:
            db.close()
    except sqlite3.Error as e:
        raise ValidationError(t.field, f"{p} is damaged: {e}") from None
    if check is None or check[0] != "ok":
        raise ValidationError(t.field, f"{p} is damaged: {check[0] if check else 'no answer'}")
    _check_tables(t, tables - {"sqlite_sequence", META}, str(p))


def _check_tables(t: JournalTarget, tables: set[str], where: str) -> None:
    if tables and "events" not in tables:
        shown = ", ".join(sorted(tables)[:5])
        raise ValidationError(t.field, f"{where} is not a tradecore journal (it holds {shown})")
    foreign = tables - TRADECORE_TABLES
    if foreign and "schema_version" not in tables:
        raise ValidationError(t.field, f"{where} is not a tradecore journal")


def _check_postgres(t: JournalTarget, create: bool) -> None:
    import psycopg

    try:
        with psycopg.connect(t.dsn, connect_timeout=5, autocommit=True) as db:
            rows = db.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (t.schema,),
            ).fetchall()
    except psycopg.Error as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ValidationError(t.field, f"cannot connect to PostgreSQL: {first}") from None
    tables = {r[0] for r in rows} - {META}
    if not tables and not create:
        raise ValidationError(t.field, f"schema {t.schema}: journal not found")
    _check_tables(t, tables, f"schema {t.schema}")


_CHECKS = {"sqlite": _check_sqlite, "postgres": _check_postgres}


def open_store(t: JournalTarget, *, create: bool, fsync: bool = False) -> JournalStore:
    """Check the target, then open (and, if ``create``, initialise) its store."""
    _CHECKS[t.backend](t, create)
    if t.backend == "sqlite":
        return SQLiteStore(Path(t.path), fsync=fsync)
    from tradecore.journal.postgres import PostgresStore

    return PostgresStore(t.dsn, schema=t.schema, fsync=fsync)


# ---------------------------------------------------------------------- the fingerprint
def _meta_sql(store: JournalStore) -> tuple[Any, str]:
    db: Any = getattr(store, "db")  # noqa: B009 (both stores expose their connection)
    mark = "%s" if getattr(store, "schema", None) is not None else "?"
    db.execute(f"CREATE TABLE IF NOT EXISTS {META} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    return db, mark


def read_meta(store: JournalStore) -> dict[str, str]:
    db, _ = _meta_sql(store)
    return {str(k): str(v) for k, v in db.execute(f"SELECT key, value FROM {META}").fetchall()}


def write_meta(store: JournalStore, values: dict[str, str]) -> None:
    db, m = _meta_sql(store)
    for k, v in values.items():
        db.execute(f"DELETE FROM {META} WHERE key = {m}", (k,))
        db.execute(f"INSERT INTO {META} (key, value) VALUES ({m}, {m})", (k, v))


def check_fingerprint(
    store: JournalStore, cfg: AppConfig, field: str, *, stamp: bool
) -> str | None:
    """Refuse a journal written under other instruments/venues. ``stamp``: record ours when
    the journal has none yet. Returns a warning for an old journal without a fingerprint."""
    fp, summary = fingerprint(cfg)
    meta = read_meta(store)
    have = meta.get("config_fingerprint")
    if have is not None and have != fp:
        theirs = meta.get("config_summary", "?")
        raise ValidationError(
            field,
            f"journal written under another configuration ({theirs}), not this one ({summary});"
            " use the config it was written with, or --new-session",
        )
    if have is None:
        if stamp:
            write_meta(store, {"config_fingerprint": fp, "config_summary": summary})
        if store.max_seq() > 0:
            return "journal has no configuration fingerprint (written by an older tradecore)"
    return None


def open_for_writing(
    t: JournalTarget, jcfg: JournalConfig, cfg: AppConfig, clock_ns: Any = None
) -> tuple[Journal, str | None]:
    """A Journal on ``t`` for a runner: checked, fingerprinted, with the configured policy."""
    durability = Durability(jcfg.durability.value)
    store = open_store(t, create=True, fsync=durability is Durability.FSYNC)
    try:
        warning = check_fingerprint(store, cfg, t.field, stamp=True)
    except ValidationError:
        store.close()
        raise
    jr = Journal(
        store, durability, group_events=jcfg.group_events, group_ms=jcfg.group_ms,
        clock_ns=clock_ns, writer_cpu=jcfg.writer_cpu,
    )  # fmt: skip
    return jr, warning


def open_for_reading(t: JournalTarget, cfg: AppConfig | None = None) -> JournalStore:
    """A store for replay/audit: must exist; with ``cfg``, must match its fingerprint."""
    if t.backend == "none":
        raise ValidationError(t.field, "no journal configured (backend none)")
    store = open_store(t, create=False)
    if cfg is not None:
        try:
            check_fingerprint(store, cfg, t.field, stamp=False)
        except ValidationError:
            store.close()
            raise
    return store


# ---------------------------------------------------------------------- a new session
def move_aside(t: JournalTarget, now: float | None = None) -> str | None:
    """Rename the journal with a UTC timestamp (never delete it). Returns the new name."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    if t.backend == "sqlite":
        p = Path(t.path)
        if p.is_dir():
            raise ValidationError(t.field, f"{p} is a directory, not a journal file")
        if not p.exists():
            return None
        dest = p.with_name(f"{p.stem}.{stamp}{p.suffix}")
        n = 1
        while dest.exists():
            dest = p.with_name(f"{p.stem}.{stamp}-{n}{p.suffix}")
            n += 1
        for suffix in ("-wal", "-shm"):
            side = Path(str(p) + suffix)
            if side.exists():
                side.rename(str(dest) + suffix)
        p.rename(dest)
        return str(dest)
    if t.backend == "postgres":
        return _rename_schema(t, stamp)
    return None


def _rename_schema(t: JournalTarget, stamp: str) -> str | None:
    import psycopg

    new = f"{t.schema}_{stamp.lower()}"[:63]
    try:
        with psycopg.connect(t.dsn, connect_timeout=5, autocommit=True) as db:
            exists = db.execute(
                "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (t.schema,)
            ).fetchone()
            if exists is None:
                return None
            db.execute(f"ALTER SCHEMA {t.schema} RENAME TO {new}")
    except psycopg.Error as e:
        raise JournalError(f"cannot move schema {t.schema} aside: {e}") from None
    return f"schema {new}"


__all__ = [
    "JournalError",
    "JournalTarget",
    "check_fingerprint",
    "fingerprint",
    "move_aside",
    "open_for_reading",
    "open_for_writing",
    "parse_url",
    "resolve",
]
