"""The PostgreSQL store's edges: a bad schema name or server is a JournalError, an append is
all or nothing, and the lookups serve needs (the newest audit record of a type, an order's
children) answer from the journal."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.unit.journal.pg import DSN, fresh_store
from tradecore.errors import JournalError
from tradecore.journal.postgres import PostgresStore
from tradecore.journal.store import Row


def _ev(seq: int, coid: str, parent: str | None = None) -> Row:
    return (seq, 1000 + seq, "OrderInitialized", "ACC", coid, parent, b'{"seq":%d}' % seq)


def _audit(seq: int, type_: str, payload: bytes) -> Row:
    return (seq, 1000 + seq, type_, None, None, None, payload)


@pytest.fixture
def store() -> Iterator[PostgresStore]:
    s = fresh_store()
    try:
        yield s
    finally:
        s.drop()
        s.close()


@pytest.mark.parametrize("schema", ["Upper", "1abc", "a-b", "x; DROP TABLE events", "a" * 64])
def test_a_schema_name_that_is_not_a_plain_identifier_is_refused(schema: str) -> None:
    with pytest.raises(JournalError) as err:
        PostgresStore(DSN, schema=schema)
    assert str(err.value) == f"invalid schema name {schema!r}"


def test_an_unreachable_server_is_a_journal_error() -> None:
    with pytest.raises(JournalError, match=r"^cannot connect to PostgreSQL: "):
        PostgresStore("host=127.0.0.1 port=1 dbname=test user=postgres connect_timeout=2")


@pytest.mark.postgres
def test_another_process_is_told_how_to_open_the_same_store(store: PostgresStore) -> None:
    assert store.spec() == ("postgres", DSN, store.schema, False)
    _, dsn, schema, fsync = store.spec()
    other = PostgresStore(dsn, schema=schema, fsync=fsync)
    try:
        store.append([_ev(1, "c1")], [])
        assert other.max_seq() == 1  # the same tables
    finally:
        other.close()


@pytest.mark.postgres
def test_a_failed_append_is_a_journal_error_and_commits_nothing(store: PostgresStore) -> None:
    store.append([_ev(1, "c1")], [])
    with pytest.raises(JournalError, match=r"^append failed: "):
        store.append([_ev(2, "c2"), _ev(1, "dup")], [_audit(2, "RiskAlert", b"{}")])
    assert store.max_seq() == 1
    assert not store.has_order("c2")
    assert store.last_audit("RiskAlert") is None
    store.append([_ev(2, "c2")], [])  # the store goes on after the failure
    assert store.max_seq() == 2


@pytest.mark.postgres
def test_the_newest_audit_record_of_a_type_is_returned(store: PostgresStore) -> None:
    assert store.last_audit("ClockAdvanced") is None
    store.append(
        [],
        [
            _audit(1, "ClockAdvanced", b'{"step":1}'),
            _audit(1, "RiskAlert", b'{"a":1}'),
            _audit(2, "ClockAdvanced", b'{"step":2}'),
        ],
    )
    store.append([], [_audit(3, "RiskAlert", b'{"a":2}')])
    assert store.last_audit("ClockAdvanced") == b'{"step":2}'
    assert store.last_audit("RiskAlert") == b'{"a":2}'
    assert store.last_audit("Nothing") is None


@pytest.mark.postgres
def test_children_of_an_order_are_listed_once_each_in_order(store: PostgresStore) -> None:
    store.append(
        [
            _ev(1, "P"),
            _ev(2, "P.2", "P"),
            _ev(3, "P.1", "P"),
            _ev(4, "P.1", "P"),
            _ev(5, "Q.1", "Q"),
        ],
        [],
    )
    assert store.children_of("P") == ["P.1", "P.2"]
    assert store.children_of("Q") == ["Q.1"]
    assert store.children_of("P.1") == []
