"""Emergency controls: ACTIVE / REDUCE_ONLY / HALTED per account and global, journaled,
restored by replay and snapshot; HALTED cancels working orders; flatten ends flat."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.unit.risk.conftest import ACC, ETH, desk
from tradecore.model import OrderStatus, ReasonCode, Side
from tradecore.risk.emergency import TradingState, TradingStateChanged

D = Decimal


def reason(res) -> ReasonCode | None:  # type: ignore[no-untyped-def]
    return None if res.denial is None else res.denial.reason


def test_halted_cancels_every_working_order_in_scope_and_denies_new_ones() -> None:
    d = desk()
    a = d.submit(Side.BUY, "1", "99").order
    b = d.submit(Side.SELL, "5", "10.5", iid=ETH).order
    assert a is not None and b is not None
    seen: list[TradingStateChanged] = []
    d.engine.bus.subscribe(TradingStateChanged, seen.append)
    d.pipeline.emergency.set_state(ACC, TradingState.HALTED, "ops", "venue incident")
    assert {o.client_order_id for o in d.venue.canceled} == {a.client_order_id, b.client_order_id}
    assert a.status is OrderStatus.PENDING_CANCEL and b.status is OrderStatus.PENDING_CANCEL
    res = d.submit(Side.BUY, "0.001", "99")
    assert reason(res) is ReasonCode.TRADING_HALTED and "ops: venue incident" in res.denial.message
    # the change is a sequenced event with who / when / why
    assert [(e.account, e.state, e.previous, e.who, e.why) for e in seen] == [
        (ACC, TradingState.HALTED, TradingState.ACTIVE, "ops", "venue incident")
    ]
    assert seen[0].seq > 0 and seen[0].ts == d.clock.now_ns()
    # back through REDUCE_ONLY: only reductions pass
    d.pipeline.emergency.set_state(ACC, TradingState.REDUCE_ONLY, "ops", "recovering")
    assert reason(d.submit(Side.BUY, "0.001", "99")) is ReasonCode.REDUCE_ONLY
    d.pipeline.emergency.set_state(ACC, TradingState.ACTIVE, "ops", "all clear")
    assert d.submit(Side.BUY, "0.001", "99").ok


def test_global_scope_wins_over_an_active_account() -> None:
    d = desk()
    d.pipeline.emergency.set_state("*", TradingState.REDUCE_ONLY, "cro", "market stress")
    assert reason(d.submit(Side.BUY, "1")) is ReasonCode.REDUCE_ONLY
    d.pipeline.engage("*", "cro", "exchange down")
    assert reason(d.submit(Side.BUY, "1")) is ReasonCode.KILL_SWITCH
    state = d.pipeline.state()
    assert state["trading_state"]["*"]["state"] == "HALTED"
    assert state["kill_switches"]["*"]["who"] == "cro"


def test_same_state_is_a_no_op_and_breach_actions_only_escalate() -> None:
    d = desk()
    em = d.pipeline.emergency
    assert em.set_state(ACC, TradingState.ACTIVE, "x", "y") is None
    em.set_state(ACC, TradingState.HALTED, "ops", "halt")
    assert em.escalate(ACC, TradingState.REDUCE_ONLY, "mon", "breach", "breach_action:x") is None
    assert em.state_of(ACC) is TradingState.HALTED


def test_flatten_is_exempt_from_kill_switch_and_max_order_size_and_slices() -> None:
    d = desk({"max_order_quantity": {"BTC/USD": "5"}, "self_trade_prevention": True})
    for _ in range(2):
        assert d.submit(Side.BUY, "3").ok
        d.fill_all("100")
    assert d.positions.signed_quantity(ACC, "BTC/USD") == D(6)
    d.pipeline.engage(ACC, "ops", "stop everything")
    d.monitor.flattener.flatten(ACC, "ops", "flatten under the kill switch")
    slices = [o for o in d.venue.submitted if o.tag == "flatten"]
    assert [o.quantity for o in slices] == [D(5)]  # capped at the max order size
    d.fill_all("100")
    slices = [o for o in d.venue.submitted if o.tag == "flatten"]
    assert [o.quantity for o in slices] == [D(5), D(1)]  # re-driven after the first slice
    d.fill_all("100")
    assert d.positions.signed_quantity(ACC, "BTC/USD") == 0
    assert d.monitor.flattener.reports[-1].status == "flat"


def test_flatten_reports_why_it_cannot_finish() -> None:
    d = desk()
    assert d.submit(Side.BUY, "1").ok
    d.fill_all("100")
    d.monitor.flattener.flatten(ACC, "ops", "test")
    for _ in range(3):  # the venue never fills: every IOC slice expires
        live = [o for o in d.venue.submitted if o.tag == "flatten" and o.is_open]
        assert len(live) == 1
        d.venue.sink.on_expired(live[0].client_order_id)  # type: ignore[union-attr]
    rep = d.monitor.flattener.reports[-1]
    assert rep.status == "stuck" and rep.position == D(1) and "no fill after 3 slices" in rep.detail


def test_flatten_of_6_btc_over_the_max_order_size_ends_flat_on_the_sim_venues() -> None:
    from tradecore.bootstrap import build_system, market_source, pump
    from tradecore.config import load_config
    from tradecore.model import AccountId, ClientOrderId, InstrumentId, OrderType, SubmitOrder
    from tradecore.model.identifiers import SMART

    cfg = load_config(None)  # the packaged defaults: BTC max order 5, max position 6
    system = build_system(cfg)
    eng = system.engine
    updates = market_source(cfg, seconds=60)
    pump(system, (next(updates) for _ in range(200)))
    for i, q in enumerate(("4", "2")):  # 5 BTC would breach the max notional (250,000)
        res = eng.submit(
            SubmitOrder(
                client_order_id=ClientOrderId(f"b{i}"),
                account=AccountId("A"),
                instrument_id=InstrumentId.of("BTC/USD", SMART),
                side=Side.BUY,
                order_type=OrderType.MARKET,
                quantity=D(q),
            )
        )
        assert res.ok, res.denial
        pump(system, (next(updates) for _ in range(50)))
    assert system.positions.signed_quantity("A", "BTC/USD") == D(6)
    system.risk.engage("A", "ops", "flatten test")  # type: ignore[union-attr]
    monitor = system.extras["risk_monitor"]
    monitor.flattener.flatten("A", "ops", "6 BTC > max order 5")
    pump(system, updates)
    assert system.positions.signed_quantity("A", "BTC/USD") == 0
    rep = monitor.flattener.reports[-1]
    assert rep.status == "flat" and rep.slices >= 2, rep


def _journaled(tmp_path: Path, snapshot_at_end: bool):  # type: ignore[no-untyped-def]
    from tradecore.bootstrap import build_system
    from tradecore.config import load_config
    from tradecore.journal import Durability, Journal
    from tradecore.journal import snapshot as snap
    from tradecore.journal.store import SQLiteStore

    cfg = load_config(None)
    store = SQLiteStore(tmp_path / "j.db")
    jr = Journal(store, Durability.BATCH)
    system = build_system(cfg, journal=jr)
    pipe = system.risk
    pipe.engage("A", "ops", "runaway")  # type: ignore[union-attr]
    pipe.emergency.set_state("*", TradingState.REDUCE_ONLY, "cro", "stress")  # type: ignore[union-attr]
    if snapshot_at_end:
        eng = system.engine
        jr.save_snapshot(eng.seq, eng.clock.now_ns(), snap.take(eng, system.positions, pipe))  # type: ignore[arg-type]
    jr.flush()
    return cfg, store


@pytest.mark.parametrize("use_snapshot", [False, True])
def test_emergency_state_survives_a_restart_by_replay_and_by_snapshot(
    tmp_path: Path, use_snapshot: bool
) -> None:
    from tradecore.bootstrap import build_system
    from tradecore.journal.recovery import replay

    cfg, store = _journaled(tmp_path, snapshot_at_end=use_snapshot)
    fresh = build_system(cfg)
    rep = replay(fresh.engine, store, fresh.positions, risk=fresh.risk)  # type: ignore[arg-type]
    assert (rep.snapshot_seq > 0) is use_snapshot
    em = fresh.risk.emergency  # type: ignore[union-attr]
    assert em.state_of("A") is TradingState.HALTED and em.states["A"].who == "ops"
    assert em.state_of("*") is TradingState.REDUCE_ONLY
    from tradecore.model import AccountId, ClientOrderId, InstrumentId, OrderType, SubmitOrder
    from tradecore.model.identifiers import SMART

    res = fresh.engine.submit(
        SubmitOrder(
            client_order_id=ClientOrderId("after"),
            account=AccountId("A"),
            instrument_id=InstrumentId.of("BTC/USD", SMART),
            side=Side.BUY,
            order_type=OrderType.MARKET,
            quantity=D("0.01"),
        )
    )
    assert reason(res) is ReasonCode.KILL_SWITCH


def test_tradecore_replay_restores_the_kill_switch(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from tradecore.cli import app

    _journaled(tmp_path, snapshot_at_end=False)
    out = CliRunner().invoke(app, ["replay", "--journal", str(tmp_path / "j.db"), "--json"])
    assert out.exit_code == 0, out.output
    state = json.loads(out.output)["trading_state"]
    assert state["A"]["state"] == "HALTED" and state["A"]["source"] == "kill_switch"
    assert state["*"]["state"] == "REDUCE_ONLY"
