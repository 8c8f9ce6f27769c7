"""A shard's firm gate on its own (no NATS): the credit caps the shard's gross exposure, the
order that would pass it is denied with the check named; HALTED cancels working orders and
refuses new ones; REDUCE_ONLY lets only reductions through; ACTIVE releases. Both ways: the
risk pipeline's journaled emergency controls, and the guard's own state (risk disabled)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradecore.bootstrap import System, build_system, market_source, pump
from tradecore.cluster.exposure import ExposureBook
from tradecore.cluster.guard import ShardGuard
from tradecore.config import load_config
from tradecore.model.commands import SubmitOrder
from tradecore.model.enums import OrderStatus, OrderType, Side, TimeInForce
from tradecore.model.events import Event
from tradecore.model.identifiers import AccountId, ClientOrderId, InstrumentId


def shard(risk: bool = True) -> tuple[System, ShardGuard]:
    cfg = load_config(overrides=None if risk else {"risk": {"enabled": False}})
    system = build_system(cfg)
    pump(system, market_source(system.config, seconds=1))
    eng = system.engine

    def mid(sym: str) -> Decimal | None:
        q = eng.last_quotes.get(InstrumentId.parse(f"{sym}@SIMA"))
        return None if q is None else (q.bid + q.ask) / 2

    book = ExposureBook(reference=mid)
    eng.bus.subscribe_all(lambda m: book.apply(1, m) if isinstance(m, Event) else None)
    guard = ShardGuard(eng, system.risk, book, 1, frozenset({"A"}))
    eng.risk = guard
    return system, guard


def buy(system: System, coid: str, qty: str, side: Side = Side.BUY, limit: str | None = None):  # type: ignore[no-untyped-def]
    cmd = SubmitOrder(
        client_order_id=ClientOrderId(coid), account=AccountId("A"),
        instrument_id=InstrumentId.parse("BTC/USD@SIMA"), side=side,
        order_type=OrderType.LIMIT if limit else OrderType.MARKET, quantity=Decimal(qty),
        price=Decimal(limit) if limit else None,
        time_in_force=TimeInForce.GTC if limit else TimeInForce.IOC,
    )  # fmt: skip
    res = system.engine.submit(cmd)
    system.engine.call(system.clock.run_all)  # type: ignore[attr-defined]
    return res


def test_credit_caps_the_shard() -> None:
    system, guard = shard()
    guard.set_credit(Decimal(5000))
    assert buy(system, "a", "0.05").denial is None  # ~3,000
    d = buy(system, "b", "0.05").denial  # ~6,000 > 5,000
    assert d is not None and d.reason.value == "GROSS_EXPOSURE" and d.check == "firm_credit"
    assert Decimal(guard.usage()["gross"] or 0) <= 5000
    guard.set_credit(Decimal(7000))
    assert buy(system, "c", "0.05").denial is None


@pytest.mark.parametrize("risk", [True, False], ids=["risk-emergency", "guard-own-state"])
def test_halted_cancels_and_refuses_reduce_only_reduces_active_releases(risk: bool) -> None:
    system, guard = shard(risk)
    assert (system.risk is not None) is risk
    assert buy(system, "long", "0.02").denial is None
    rest = buy(system, "rest", "0.001", limit="59800.00")
    assert rest.denial is None and rest.order is not None
    assert guard.escalate("REDUCE_ONLY", "firm", "test") == "REDUCE_ONLY"
    d = buy(system, "more", "0.01")
    assert d.denial is not None and d.denial.reason.value == "REDUCE_ONLY"
    assert buy(system, "less", "0.01", side=Side.SELL).denial is None
    assert guard.escalate("HALTED", "firm", "breach") == "HALTED"
    system.engine.call(system.clock.run_all)  # type: ignore[attr-defined]  # venue confirms
    assert system.engine.orders.get(ClientOrderId("rest")).status is OrderStatus.CANCELED  # type: ignore[union-attr]
    h = buy(system, "after", "0.001", side=Side.SELL)
    assert h.denial is not None and h.denial.reason.value == "TRADING_HALTED"
    assert guard.escalate("REDUCE_ONLY", "firm", "later") == "HALTED"  # only stricter moves
    assert guard.escalate("ACTIVE", "ops", "released") == "ACTIVE"
    assert buy(system, "again", "0.001").denial is None
