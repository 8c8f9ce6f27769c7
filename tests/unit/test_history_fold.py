"""An order the engine no longer holds is shown folded from its journaled events, in the state
the engine had it in: replaced orders name their replacement; a journal the fold cannot follow
shows the order as it began instead of failing the request."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tradecore.journal import Durability, Journal
from tradecore.journal.store import SQLiteStore
from tradecore.model.enums import LiquiditySide, OrderType, ReasonCode, Side, TimeInForce
from tradecore.model.events import (
    Event,
    OrderAccepted,
    OrderAdopted,
    OrderCanceled,
    OrderFilled,
    OrderInitialized,
    OrderPendingReplace,
    OrderRejected,
    OrderReplaced,
    ReportAnomaly,
)
from tradecore.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    TradeId,
    Venue,
    VenueOrderId,
)
from tradecore.model.values import Money
from tradecore.service.history import History, fold

BTC = InstrumentId.of("BTC/USD", Venue("SIMA"))
ACC = AccountId("A")


def _init(seq: int, coid: str, *, submitted: bool = True, **kw: Any) -> OrderInitialized:
    return OrderInitialized(
        seq, seq, ClientOrderId(coid), ACC, BTC, Side.BUY, kw.pop("order_type", OrderType.LIMIT),
        Decimal("1"), Decimal("100"), TimeInForce.GTC, False, False, None, "",
        submitted=submitted, **kw,
    )  # fmt: skip


def _fill(seq: int, coid: str, qty: str, trade: str) -> OrderFilled:
    return OrderFilled(
        seq, seq, ClientOrderId(coid), ACC, BTC, VenueOrderId("v1"), TradeId(trade), Side.BUY,
        Decimal(qty), Decimal("100"), Money.of("0.01", "USD"), LiquiditySide.MAKER, None,
    )  # fmt: skip


def _replaced_journal() -> list[Event]:
    c, n = ClientOrderId("R"), ClientOrderId("R2")
    return [
        _init(1, "R"),
        OrderAccepted(2, 2, c, ACC, VenueOrderId("v1")),
        _fill(3, "R", "0.25", "T1"),
        OrderPendingReplace(4, 4, c, n, ACC, Decimal("1"), Decimal("101")),
        OrderReplaced(5, 5, c, n, ACC, VenueOrderId("v1"), Decimal("1"), Decimal("101")),
    ]


def test_fold_needs_the_orders_initialization_first() -> None:
    assert fold([]) is None
    assert fold(_replaced_journal()[1:]) is None


def test_a_replaced_order_is_folded_to_replaced_naming_its_replacement() -> None:
    o = fold(_replaced_journal())
    assert o is not None
    snap = o.snapshot()
    assert snap["status"] == "REPLACED"
    assert snap["replaced_by"] == "R2"
    assert snap["venue_order_id"] == "v1"
    assert (snap["filled_qty"], snap["avg_px"]) == ("0.25", "100")
    assert snap["last_event_ns"] == 5


def test_records_that_change_no_state_are_skipped_by_the_fold() -> None:
    c = ClientOrderId("N")
    evs: list[Event] = [
        _init(1, "N"),
        OrderAccepted(2, 2, c, ACC, VenueOrderId("v9")),
        ReportAnomaly(3, 3, c, ACC, "ACK", "ACCEPTED", "DUPLICATE", "ignored"),
        OrderCanceled(4, 4, c, ACC, "by user"),
    ]
    o = fold(evs)
    assert o is not None and o.snapshot()["status"] == "CANCELED"


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    jr = Journal(SQLiteStore(tmp_path / "h.db"), Durability.BATCH)
    yield jr
    jr.close()


def _history(jr: Journal | None) -> History:
    class NoOrders:
        def get(self, coid: str) -> None:
            return None

    journal = None if jr is None else SimpleNamespace(store=jr.store)
    return History(SimpleNamespace(journal=journal, orders=NoOrders()), lambda a: [])


def _write(jr: Journal, events: list[Event]) -> None:
    for e in events:
        jr.append(e)
    jr.commit()
    jr.flush()


def test_without_a_journal_an_evicted_order_is_not_found() -> None:
    assert _history(None).order("R") is None


def test_an_evicted_replaced_order_is_served_from_the_journal(journal: Journal) -> None:
    _write(journal, _replaced_journal())
    o = _history(journal).order("R")
    assert o is not None
    assert (o.status.value, o.replaced_by) == ("REPLACED", "R2")
    page = _history(journal).orders("A", None, 10, True)
    assert [(i["client_order_id"], i["status"], i["seq"]) for i in page["items"]] == [
        ("R", "REPLACED", 1)
    ]


def _unfollowable() -> list[Event]:
    """A cancel confirmed for an order that was never submitted: no legal transition."""
    c = ClientOrderId("U")
    return [_init(10, "U", submitted=False), OrderCanceled(11, 11, c, ACC, "?")]


def test_a_journal_the_fold_cannot_follow_shows_the_order_as_it_began(journal: Journal) -> None:
    _write(journal, [*_replaced_journal(), *_unfollowable()])
    h = _history(journal)
    o = h.order("U")
    assert o is not None and o.status.value == "INITIALIZED"
    page = h.orders("A", None, 10, True)
    assert [(i["client_order_id"], i["status"]) for i in page["items"]] == [
        ("U", "INITIALIZED"),
        ("R", "REPLACED"),
    ]  # the other order of the page is still shown in its real state


def test_an_order_whose_first_journaled_record_is_not_its_start_is_left_out_of_the_page(
    journal: Journal,
) -> None:
    c = ClientOrderId("Z")
    _write(journal, [OrderCanceled(1, 1, c, ACC, "?"), _init(2, "Z"), _init(3, "K")])
    page = _history(journal).orders("A", None, 10, True)
    assert [(i["client_order_id"], i["status"]) for i in page["items"]] == [("K", "SUBMITTED")]
    assert page["next_cursor"] is None


def _adopted_then_filled() -> list[Event]:
    """A late ack after a timeout (the engine adopts the order again), then its fill."""
    c = ClientOrderId("D")
    return [
        _init(1, "D"),
        OrderRejected(2, 2, c, ACC, ReasonCode.TIMEOUT, "no answer"),
        OrderAdopted(3, 3, c, ACC, VenueOrderId("v7")),
        _fill(4, "D", "1", "T4"),
    ]


def test_an_adopted_order_that_then_filled_is_shown_filled(journal: Journal) -> None:
    _write(journal, _adopted_then_filled())
    o = _history(journal).order("D")
    assert o is not None
    assert (o.status.value, o.venue_order_id) == ("FILLED", "v7")


def test_an_evicted_stop_order_keeps_its_trigger_and_trade_ids() -> None:
    c = ClientOrderId("S")
    o = fold(
        [
            _init(1, "S", order_type=OrderType.STOP_LIMIT, trigger_price=Decimal("99")),
            OrderAccepted(2, 2, c, ACC, VenueOrderId("v1")),
            _fill(3, "S", "1", "T3"),
        ]
    )
    assert o is not None
    snap = o.snapshot()
    assert snap["status"] == "FILLED"
    assert (snap["trigger_price"], snap["trade_ids"]) == ("99", ["T3"])
