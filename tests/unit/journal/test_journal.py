"""The journal: migrations, durability policies, replay, snapshots, audit, CLI."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecore.bootstrap import build_system
from tradecore.cli import app
from tradecore.config import load_config
from tradecore.demo import run_demo
from tradecore.journal import Durability, Journal
from tradecore.journal import snapshot as snap
from tradecore.journal.recovery import business_digest, replay
from tradecore.journal.store import SQLiteStore
from tradecore.model import (
    AccountId,
    CancelOrder,
    ClientOrderId,
    InstrumentId,
    OrderType,
    ReasonCode,
    Side,
    SubmitOrder,
    Venue,
)


def order(coid: str) -> SubmitOrder:
    """A small resting limit order of account A (one that never fills at this price)."""
    return SubmitOrder(
        client_order_id=ClientOrderId(coid), account=AccountId("A"),
        instrument_id=InstrumentId.of("BTC/USD", Venue("SIMA")), side=Side.BUY,
        order_type=OrderType.LIMIT, quantity=Decimal("0.01"), price=Decimal("100"),
    )  # fmt: skip


def journaled_run(path: Path, seconds: int = 30, durability: Durability = Durability.BATCH):  # type: ignore[no-untyped-def]
    cfg = load_config(None, {"demo": {"seconds": seconds}})
    store = SQLiteStore(path)
    jr = Journal(store, durability)
    system = build_system(cfg, journal=jr)
    jr._clock_ns = system.clock.now_ns
    run_demo(cfg, seconds=seconds, system=system)
    jr.flush()
    return cfg, system, store, jr


def test_schema_is_versioned_and_migrations_are_idempotent(tmp_path: Path) -> None:
    s = SQLiteStore(tmp_path / "j.db")
    assert s.schema_version() == 1
    s.close()
    s2 = SQLiteStore(tmp_path / "j.db")
    assert s2.schema_version() == 1
    assert s2.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_every_event_is_journaled_before_the_answer_and_replays_to_the_same_state(
    tmp_path: Path,
) -> None:
    cfg, system, store, jr = journaled_run(tmp_path / "j.db")
    assert store.max_seq() == system.engine.seq == jr.appended
    fresh = build_system(cfg)
    rep = replay(fresh.engine, store, fresh.positions)
    assert rep.replayed == system.engine.seq
    assert fresh.engine.state_digest() == system.engine.state_digest()
    assert business_digest(fresh.engine, fresh.positions) == business_digest(
        system.engine, system.positions
    )


def test_batch_policy_commits_once_per_command_or_report(tmp_path: Path) -> None:
    _, _, _, jr = journaled_run(tmp_path / "j.db", seconds=10)
    assert 0 < jr.commits < jr.appended  # grouped per command, not per event


def test_commands_inside_atomic_are_committed_together_at_its_end(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "j.db")
    jr = Journal(store, Durability.BATCH)
    system = build_system(load_config(None), journal=jr)
    eng = system.engine
    with pytest.raises(RuntimeError, match="inside"), jr.atomic():
        eng.submit(order("A1"))
        with jr.atomic():  # nested: still the outer block's commit
            eng.submit(order("A2"))
        assert store.max_seq() == 0 and jr.commits == 0  # nothing written yet
        raise RuntimeError("a bug inside the block")
    # what the engine applied is written even so, in one commit
    assert store.max_seq() == eng.seq > 0 and jr.commits == 1
    eng.submit(order("A3"))
    assert store.max_seq() == eng.seq and jr.commits == 2  # and commits are per command again


def test_group_policy_commits_less_often(tmp_path: Path) -> None:
    _, _, _, batch = journaled_run(tmp_path / "a.db", seconds=10)
    _, _, _, group = journaled_run(tmp_path / "b.db", seconds=10, durability=Durability.GROUP)
    assert group.appended == batch.appended and group.commits < batch.commits


def test_group_commits_are_written_by_a_writer_process_and_flush_waits_for_them(
    tmp_path: Path,
) -> None:
    import os

    store = SQLiteStore(tmp_path / "g.db")
    jr = Journal(store, Durability.GROUP, group_events=50)
    assert jr.writer is not None and jr.writer.pid != os.getpid()
    cfg = load_config(None, {"demo": {"seconds": 10}})
    system = build_system(cfg, journal=jr)
    jr._clock_ns = system.clock.now_ns
    run_demo(cfg, seconds=10, system=system)
    jr.flush()  # returns only when the writer has committed everything
    assert store.max_seq() == system.engine.seq == jr.appended
    fresh = build_system(cfg)
    replay(fresh.engine, store, fresh.positions)
    assert fresh.engine.state_digest() == system.engine.state_digest()
    jr.close()
    assert jr.writer is None


def test_what_reached_the_writer_is_kept_when_the_engine_process_dies(tmp_path: Path) -> None:
    import subprocess
    import sys
    import textwrap

    db = tmp_path / "k.db"
    script = textwrap.dedent(f"""
        import os, signal
        from tradecore.bootstrap import build_system
        from tradecore.config import load_config
        from tradecore.demo import run_demo
        from tradecore.journal import Durability, Journal
        from tradecore.journal.store import SQLiteStore
        jr = Journal(SQLiteStore({str(db)!r}), Durability.GROUP)
        cfg = load_config(None, {{"demo": {{"seconds": 10}}}})
        system = build_system(cfg, journal=jr)
        run_demo(cfg, seconds=10, system=system)
        jr.writer.send()  # rows handed over, nothing flushed or closed
        print(system.engine.seq, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == -9, done.stderr
    seq = int(done.stdout.split()[0])
    import time

    store = SQLiteStore(db)
    for _ in range(100):  # the orphaned writer commits on end-of-file, then exits
        if store.max_seq() == seq:
            break
        time.sleep(0.05)
    assert store.max_seq() == seq > 0


def test_has_order_finds_committed_and_pending_rows(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "h.db")
    jr = Journal(store, Durability.GROUP, group_events=1_000_000, group_ms=1_000_000)
    cfg = load_config(None, {"demo": {"seconds": 5}})
    system = build_system(cfg, journal=jr)
    run_demo(cfg, seconds=5, system=system)
    first = next(o.client_order_id for o in system.engine.orders)
    assert not store.has_order(first)  # still in the engine's buffer
    assert jr.has_order(first)  # the journal commits pending rows before it says no
    assert store.has_order(first)
    assert not jr.has_order("never-used")
    jr.close()


def test_a_failed_background_write_is_raised_in_the_engine(tmp_path: Path) -> None:
    import sqlite3

    from tradecore.errors import JournalError

    db = tmp_path / "e.db"
    jr = Journal(SQLiteStore(db), Durability.GROUP, group_events=1)
    cfg = load_config(None, {"demo": {"seconds": 10}})
    system = build_system(cfg, journal=jr)
    other = sqlite3.connect(db)
    other.execute("DROP TABLE events")  # the writer's next insert fails
    other.commit()
    other.close()
    with pytest.raises(JournalError, match="no such table: events"):
        run_demo(cfg, seconds=10, system=system)
        jr.flush()


def test_evicted_ids_stay_idempotent_through_the_journal_also_after_a_restart(
    tmp_path: Path,
) -> None:
    cfg = load_config(None, {"engine": {"retain_closed": 2}, "risk": {"enabled": False}})
    path = tmp_path / "i.db"
    jr = Journal(SQLiteStore(path), Durability.GROUP)
    system = build_system(cfg, journal=jr)
    for i in range(6):
        assert system.engine.submit(order(f"i{i}")).ok
        system.clock.run_all()
        system.engine.cancel(
            CancelOrder(client_order_id=ClientOrderId(f"i{i}"), account=AccountId("A"))
        )
        system.clock.run_all()
    assert (
        system.engine.orders.evicted >= 3 and system.engine.orders.get(ClientOrderId("i0")) is None
    )
    again = system.engine.submit(order("i0"))
    assert again.denial is not None and again.denial.reason is ReasonCode.DUPLICATE_CLIENT_ORDER_ID
    assert system.engine.submit(order("fresh")).ok
    jr.close()
    # a new process on the same journal recovers by replay; evicted ids stay known
    jr2 = Journal(SQLiteStore(path), Durability.GROUP)
    restarted = build_system(cfg, journal=jr2)
    assert restarted.engine.orders.archive_prefilled
    assert jr2.store is not None
    replay(restarted.engine, jr2.store, restarted.positions)
    assert restarted.engine.orders.get(ClientOrderId("i1")) is None
    res = restarted.engine.submit(order("i1"))
    assert res.denial is not None and res.denial.reason is ReasonCode.DUPLICATE_CLIENT_ORDER_ID
    assert restarted.engine.submit(order("brand-new")).ok
    jr2.close()


def test_snapshot_plus_tail_equals_full_replay(tmp_path: Path) -> None:
    cfg, system, store, _ = journaled_run(tmp_path / "j.db", seconds=20)
    # snapshot a replica at half the journal, then let the tail finish it
    half = store.max_seq() // 2
    replica = build_system(cfg)
    replica.engine.replaying = True
    from tradecore.model import codec

    for seq, payload in store.read(0):
        if seq > half:
            break
        replica.engine.apply_event(codec.loads(payload))
    replica.engine.replaying = False
    store.save_snapshot(replica.engine.seq, 0, snap.take(replica.engine, replica.positions))
    restored = build_system(cfg)
    rep = replay(restored.engine, store, restored.positions)
    assert rep.snapshot_seq == half and rep.replayed == store.max_seq() - half
    assert business_digest(restored.engine, restored.positions) == business_digest(
        system.engine, system.positions
    )
    assert restored.engine.state_digest() == system.engine.state_digest()


def test_run_replay_and_audit_commands(tmp_path: Path) -> None:
    db = tmp_path / "j.db"
    runner = CliRunner()
    res = runner.invoke(app, ["run", "--journal", str(db), "--seconds", "20", "--json"])
    assert res.exit_code == 0, res.output
    ran = json.loads(res.output)
    res = runner.invoke(app, ["replay", "--journal", str(db), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["state_digest"] == ran["state_digest"]
    res = runner.invoke(app, ["audit", "--journal", str(db), "--order", "D000002", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    types = [r["type"] for r in rows]
    assert types[0] == "OrderInitialized"
    assert "RoutingDecision" in types or "OrderDenied" in types
    res = runner.invoke(
        app,
        [
            "audit",
            "--journal",
            str(db),
            "--account",
            "DEMO",
            "--since",
            "2026-01-01T00:00:10Z",
            "--json",
        ],
    )
    assert res.exit_code == 0
    assert all(r["time"] >= "2026-01-01T00:00:10" for r in json.loads(res.output))


def test_cli_errors_are_clean(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["audit", "--journal", str(tmp_path / "nope.db"), "--order", "X"])
    assert res.exit_code == 2 and "not found" in res.output
    db = tmp_path / "j.db"
    runner.invoke(app, ["run", "--journal", str(db), "--seconds", "5"])
    res = runner.invoke(app, ["run", "--journal", str(db), "--seconds", "5"])
    assert res.exit_code == 2 and "not empty" in res.output
    res = runner.invoke(
        app, ["audit", "--journal", str(db), "--account", "DEMO", "--since", "yesterday"]
    )
    assert res.exit_code == 2 and "--since" in res.output


@pytest.mark.postgres
def test_postgres_store_round_trip() -> None:
    from tests.unit.journal.pg import fresh_store

    store = fresh_store()
    try:
        cfg = load_config(None, {"demo": {"seconds": 10}})
        jr = Journal(store, Durability.BATCH)
        system = build_system(cfg, journal=jr)
        run_demo(cfg, seconds=10, system=system)
        jr.flush()
        fresh = build_system(cfg)
        replay(fresh.engine, store, fresh.positions)
        assert fresh.engine.state_digest() == system.engine.state_digest()
        assert store.has_order("D000001")
    finally:
        store.drop()
        store.close()


def test_writer_cpu_must_be_a_cpu_number(tmp_path: Path) -> None:
    from tradecore.errors import ConfigError
    from tradecore.journal import open_journal

    with pytest.raises(ConfigError, match=r"journal\.writer_cpu"):
        open_journal({"path": str(tmp_path / "c.db"), "durability": "group", "writer_cpu": "one"})


def test_after_a_snapshot_restart_new_ids_cost_no_journal_lookup(tmp_path: Path) -> None:
    cfg = load_config(None, {"engine": {"retain_closed": 2}, "risk": {"enabled": False}})
    path = tmp_path / "s.db"
    jr = Journal(SQLiteStore(path), Durability.BATCH)
    system = build_system(cfg, journal=jr)
    for i in range(8):
        system.engine.submit(order(f"s{i}"))
        system.clock.run_all()
        system.engine.cancel(
            CancelOrder(client_order_id=ClientOrderId(f"s{i}"), account=AccountId("A"))
        )
        system.clock.run_all()
        if i == 5:
            jr.save_snapshot(system.engine.seq, 0, snap.take(system.engine, system.positions))
    jr.close()

    store = SQLiteStore(path)
    lookups: list[str] = []
    real = store.has_order

    def counting(coid: str) -> bool:
        lookups.append(coid)
        return real(coid)

    store.has_order = counting  # type: ignore[method-assign]
    jr2 = Journal(store, Durability.BATCH)
    restarted = build_system(cfg, journal=jr2)
    rep = replay(restarted.engine, store, restarted.positions)
    assert rep.snapshot_seq > 0  # restored from the snapshot, not a full replay
    assert restarted.engine.orders.get(ClientOrderId("s0")) is None  # only in the journal
    assert restarted.engine.submit(order("brand-new")).ok
    assert lookups == []  # no journal lookup for an id the journal never saw
    again = restarted.engine.submit(order("s0"))
    assert again.denial is not None and again.denial.reason is ReasonCode.DUPLICATE_CLIENT_ORDER_ID
    assert lookups == ["s0"]
    jr2.close()
