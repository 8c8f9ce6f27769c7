"""A PostgreSQL store in a schema of its own for one test, or a skip when no server answers."""

from __future__ import annotations

import uuid

import pytest

from tradecore.journal.postgres import PostgresStore

DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres"


def fresh_store() -> PostgresStore:
    try:
        return PostgresStore(DSN, schema=f"t_{uuid.uuid4().hex[:8]}")
    except Exception as e:  # pragma: no cover - environment
        pytest.skip(f"PostgreSQL unavailable: {e}")
