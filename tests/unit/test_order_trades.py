"""Booked trade ids: per order, shared with the order an amendment replaces it by."""

from __future__ import annotations

from decimal import Decimal

from tradecore.model import ClientOrderId, InstrumentId, OrderType, Side, TimeInForce, Venue
from tradecore.model.orders import Order


def _order(coid: str) -> Order:
    return Order(
        ClientOrderId(coid), "acct", InstrumentId("BTC/USD", Venue("SIMA")), Side.BUY,
        OrderType.LIMIT, Decimal(1), Decimal(100), TimeInForce.GTC,
    )  # fmt: skip


def test_orders_never_share_trade_ids_by_accident() -> None:
    a, b = _order("a"), _order("b")
    a.book_trade("T1")
    assert "T1" in a.trade_ids and "T1" not in b.trade_ids and not _order("c").trade_ids


def test_an_amendment_and_its_original_see_each_others_trades() -> None:
    old, new = _order("old"), _order("new")
    new.trade_ids = old.shared_trades()  # what the replace applier does (engine/state.py)
    new.book_trade("T2")
    old.book_trade("T3")
    assert set(old.trade_ids) == set(new.trade_ids) == {"T2", "T3"}


def test_every_booked_trade_is_remembered_however_many() -> None:
    o = _order("many")
    for k in range(20):
        o.book_trade(f"T{k}")
        assert all(f"T{j}" in o.trade_ids for j in range(k + 1)) and len(o.trade_ids) == k + 1
