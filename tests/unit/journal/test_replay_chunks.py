"""Recovery reads the journal a chunk at a time (one JSON array per chunk, one decode): the
state it rebuilds is the one an event-by-event replay rebuilds, and a journal whose events
are not in seq order is refused, not replayed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradecore.bootstrap import build_system
from tradecore.config import load_config
from tradecore.demo import run_demo
from tradecore.errors import JournalError
from tradecore.journal import Durability, Journal, recovery
from tradecore.journal.recovery import business_digest, replay
from tradecore.journal.store import JournalStore, SQLiteStore
from tradecore.model import codec


def _journal(store: JournalStore, seconds: int = 20):  # type: ignore[no-untyped-def]
    cfg = load_config(None, {"demo": {"seconds": seconds}})
    jr = Journal(store, Durability.BATCH)
    system = build_system(cfg, journal=jr)
    run_demo(cfg, seconds=seconds, system=system)
    jr.flush()
    return cfg, system


def _one_by_one(cfg, store: JournalStore):  # type: ignore[no-untyped-def]
    """The replay recovery did before chunks: one row, one decode, one apply_event."""
    system = build_system(cfg)
    system.engine.replaying = True
    for _, payload in store.read(0):
        system.engine.apply_event(codec.loads(payload))
    system.engine.replaying = False
    return system


@pytest.mark.parametrize("chunk", [1, 7, 256])
def test_chunked_replay_rebuilds_what_event_by_event_replay_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    store = SQLiteStore(tmp_path / "j.db")
    cfg, live = _journal(store)
    monkeypatch.setattr(recovery, "CHUNK", chunk)
    steps: list[int] = []
    fresh = build_system(cfg)
    rep = replay(fresh.engine, store, fresh.positions, progress=steps.append)
    assert rep.replayed == store.max_seq() == sum(steps) == live.engine.seq
    assert max(steps) <= chunk
    old = _one_by_one(cfg, store)
    assert fresh.engine.seq == old.engine.seq
    assert fresh.engine.state_digest() == old.engine.state_digest()
    assert fresh.engine.state_digest() == live.engine.state_digest()
    assert business_digest(fresh.engine, fresh.positions) == business_digest(
        old.engine, old.positions
    )
    assert fresh.engine.anomalies == old.engine.anomalies
    assert fresh.positions is not None and old.positions is not None
    assert fresh.positions.export_state() == old.positions.export_state()
    assert fresh.positions.unrealized_total == old.positions.unrealized_total


def test_a_journal_out_of_seq_order_is_refused(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "j.db")
    cfg, _ = _journal(store, seconds=5)
    # row 3 holds event 2 again: the rows are in order, their events are not
    (p2,) = store.db.execute("SELECT payload FROM events WHERE seq = 2").fetchone()
    store.db.execute("UPDATE events SET payload = ? WHERE seq = 3", (p2,))
    fresh = build_system(cfg)
    with pytest.raises(JournalError, match="out of order: seq 2 after 2"):
        replay(fresh.engine, store, fresh.positions)
    assert not fresh.engine.replaying


def test_read_array_holds_the_payloads_in_seq_order(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "j.db")
    _journal(store, seconds=5)
    rows = list(store.read(0))
    assert store.read_array(rows[-1][0], 10) is None
    blob = store.read_array(3, 5)
    assert blob is not None
    assert codec.loads_array(blob) == [codec.loads(p) for _, p in rows[3:8]]


@pytest.mark.postgres
def test_postgres_chunks_replay_to_the_live_state(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.unit.journal.pg import fresh_store
    from tradecore.journal import postgres

    store = fresh_store()
    try:
        cfg, live = _journal(store, seconds=10)
        rows = list(store.read(0))
        blob = store.read_array(2, 4)
        assert blob is not None
        assert codec.loads_array(blob) == [codec.loads(p) for _, p in rows[2:6]]
        assert store.read_array(rows[-1][0], 4) is None
        # chunks of 3, served from arrays prefetched 4 at a time: the whole journal, in order
        monkeypatch.setattr(postgres, "_ARRAYS", 4)
        events: list[object] = []
        after = 0
        while (blob := store.read_array(after, 3)) is not None:
            chunk = codec.loads_array(blob)
            events.extend(chunk)
            after = chunk[-1].seq
        assert len(rows) > 3 * 4 * 2 and events == [codec.loads(p) for _, p in rows]
        fresh = build_system(cfg)
        rep = replay(fresh.engine, store, fresh.positions)
        assert rep.replayed == len(rows)
        assert fresh.engine.state_digest() == live.engine.state_digest()
        assert business_digest(fresh.engine, fresh.positions) == business_digest(
            live.engine, live.positions
        )
    finally:
        store.drop()
        store.close()
