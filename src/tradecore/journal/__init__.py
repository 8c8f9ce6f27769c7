"""Event-sourced journal: SQLite (default) and PostgreSQL stores, recovery, audit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tradecore.errors import ConfigError
from tradecore.journal.journal import Durability, Journal
from tradecore.journal.store import JournalStore, SQLiteStore

__all__ = ["Durability", "Journal", "JournalStore", "SQLiteStore", "open_journal"]


def open_store(cfg: dict[str, Any]) -> JournalStore | None:
    backend = cfg.get("backend", "sqlite")
    if backend == "none":
        return None
    durability = Durability(cfg.get("durability", "batch"))
    if backend == "sqlite":
        return SQLiteStore(
            Path(cfg.get("path", "tradecore.db")), fsync=durability is Durability.FSYNC
        )
    if backend == "postgres":
        from tradecore.journal.postgres import PostgresStore

        return PostgresStore(
            cfg.get("dsn", "host=127.0.0.1 port=5432 dbname=test user=postgres"),
            schema=cfg.get("schema", "tradecore"),
            fsync=durability is Durability.FSYNC,
        )
    raise ConfigError("journal.backend", f"{backend!r} is not sqlite, postgres or none")


def open_journal(cfg: dict[str, Any], clock_ns: Any = None) -> Journal:
    """A Journal from the ``[journal]`` config table (backend, path, dsn, schema, durability,
    group_ms, group_events)."""
    try:
        durability = Durability(cfg.get("durability", "batch"))
    except ValueError:
        raise ConfigError(
            "journal.durability", f"{cfg.get('durability')!r}: fsync, batch, group or none"
        ) from None
    cpu = cfg.get("writer_cpu")
    if cpu is not None and (not isinstance(cpu, int) or cpu < 0):
        raise ConfigError("journal.writer_cpu", f"{cpu!r}: a CPU number (0, 1, ...)")
    return Journal(
        open_store(cfg), durability, group_events=int(cfg.get("group_events", 1000)),
        group_ms=int(cfg.get("group_ms", 5)), clock_ns=clock_ns, writer_cpu=cpu,
    )  # fmt: skip
