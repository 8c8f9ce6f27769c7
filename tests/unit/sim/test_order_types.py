"""Stop, GTD, DAY-by-calendar and iceberg orders at the simulated venue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.unit.sim.simkit import IID, order, send, venue
from tradecore.engine import SimClock
from tradecore.model import AssetClass, ClientOrderId, Order, OrderType, Side, TimeInForce, spot
from tradecore.venues.sim.client import SimVenueClient

D = Decimal
SM, SL = OrderType.STOP_MARKET, OrderType.STOP_LIMIT


def utc_ns(iso: str) -> int:
    return int(dt.datetime.fromisoformat(iso).replace(tzinfo=dt.UTC).timestamp()) * 10**9


def arrive(v: SimVenueClient, clock: SimClock, o: Order) -> None:
    """Submit and let it reach the venue (1 ms), without running later timers."""
    v.submit(o)
    clock.advance_to(clock.now_ns() + 1_000_000)
    assert v.order_status(o.client_order_id).open


def asks(*levels: tuple[str, str]) -> tuple[tuple[Decimal, Decimal], ...]:
    return tuple((D(p), D(q)) for p, q in levels)


def test_buy_stop_waits_until_the_best_ask_reaches_its_trigger() -> None:
    v, clock, rec = venue()
    send(v, clock, order("stop", "A", Side.BUY, "1", trigger="102", order_type=SM))
    assert "stop" in rec.accepted and rec.fills == {}
    assert v.order_status(ClientOrderId("stop")).open
    v.on_market(IID, asks(("99", "1")), asks(("101.5", "1")))  # ask 101.5 < 102: still waiting
    clock.run_all()
    assert rec.fills == {}
    v.on_market(IID, asks(("100", "1")), asks(("102", "0.4"), ("102.5", "5")))
    clock.run_all()
    assert [(f[1], f[2]) for f in rec.fills["stop"]] == [(D("0.4"), D(102)), (D("0.6"), D("102.5"))]
    assert not v.order_status(ClientOrderId("stop")).open


def test_sell_stop_limit_triggers_on_the_best_bid_and_rests_at_its_limit() -> None:
    v, clock, rec = venue()
    send(v, clock, order("sl", "A", Side.SELL, "2", "98.5", trigger="98", order_type=SL))
    v.on_market(IID, asks(("98", "1")), asks(("100", "1")))  # bid 98: triggered, limit 98.5
    clock.run_all()
    assert rec.fills == {}
    book = v.books[IID]
    assert book.best_ask() == D("98.5") and book.asks.size_at(D("98.5")) == D(2)
    v.on_market(IID, asks(("98.5", "0.5")), asks(("100", "1")))  # a bid at our limit: fills
    clock.run_all()
    assert [(f[1], f[2]) for f in rec.fills["sl"]] == [(D("0.5"), D("98.5"))]


def test_a_stop_already_reached_when_it_arrives_triggers_at_once() -> None:
    v, clock, rec = venue()
    send(v, clock, order("s", "A", Side.BUY, "1", trigger="100", order_type=SM))
    assert [(f[1], f[2]) for f in rec.fills["s"]] == [(D(1), D(101))]


def test_our_own_trade_that_lifts_the_ask_triggers_a_stop() -> None:
    v, clock, rec = venue()
    v.on_market(IID, asks(("99", "1")), asks(("101", "1"), ("102", "5")))
    send(
        v, clock,
        order("stop", "A", Side.BUY, "1", trigger="101.5", order_type=SM),
        order("mkt", "B", Side.BUY, "1"),  # takes 101: the best ask is now 102
    )  # fmt: skip
    assert [(f[1], f[2]) for f in rec.fills["stop"]] == [(D(1), D(102))]


def test_a_canceled_stop_never_triggers() -> None:
    v, clock, rec = venue()
    o = order("s", "A", Side.BUY, "1", trigger="102", order_type=SM)
    send(v, clock, o)
    v.cancel(o)
    clock.run_all()
    v.on_market(IID, asks(("99", "1")), asks(("103", "1")))
    clock.run_all()
    assert rec.fills == {} and rec.ends["s"] == [("canceled", "canceled by request")]
    assert not v._stops  # nothing left waiting


def test_gtd_expires_at_its_expiry_time_and_not_before() -> None:
    v, clock, rec = venue()
    at = clock.now_ns() + 5_000_000_000
    arrive(v, clock, order("g", "A", Side.BUY, "1", "100", tif=TimeInForce.GTD, expire_ns=at))
    clock.advance_to(at - 1)
    assert "g" not in rec.ends and v.order_status(ClientOrderId("g")).open
    clock.advance_to(at)
    assert rec.ends["g"] == [("expired", "")]
    assert v.books[IID].get("g") is None


def test_day_orders_expire_at_the_session_close_of_the_instruments_calendar() -> None:
    sap = spot("SAP", "SIMA", tick="0.01", lot="1", quote="EUR", asset_class=AssetClass.EQUITY,
               calendar="XETR")  # fmt: skip
    for placed, close in [
        ("2026-01-02T09:00:00", "2026-01-02T16:30:00"),  # in the session: today's close
        ("2026-01-02T17:00:00", "2026-01-05T16:30:00"),  # after it (Friday): Monday's close
        ("2026-12-23T10:00:00", "2026-12-23T16:30:00"),
        ("2026-12-23T17:00:00", "2026-12-28T16:30:00"),  # 24th-26th: XETR holidays
    ]:
        v, clock, rec = venue(inst=sap, start_ns=utc_ns(placed))
        arrive(v, clock, order("d", "A", Side.BUY, "1", "90", tif=TimeInForce.DAY, iid=sap.id))
        clock.advance_to(utc_ns(close) - 1)
        assert "d" not in rec.ends, placed
        clock.advance_to(utc_ns(close))
        assert rec.ends["d"] == [("expired", "")], placed


def test_a_day_order_on_an_unknown_calendar_is_rejected_naming_it() -> None:
    odd = spot("ODD", "SIMA", tick="0.01", lot="1", quote="EUR", calendar="XNOPE")
    v, clock, rec = venue(inst=odd)
    send(v, clock, order("d", "A", Side.BUY, "1", "90", tif=TimeInForce.DAY, iid=odd.id))
    [(kind, msg)] = rec.ends["d"]
    assert kind == "rejected" and "XNOPE" in msg
    send(v, clock, order("g", "A", Side.BUY, "1", "90", iid=odd.id))  # GTC: no calendar needed
    assert v.order_status(ClientOrderId("g")).open


def test_day_orders_of_a_24_7_instrument_expire_at_utc_midnight() -> None:
    v, clock, rec = venue(start_ns=utc_ns("2026-03-04T22:00:00"))
    arrive(v, clock, order("d", "A", Side.BUY, "1", "90", tif=TimeInForce.DAY))
    clock.advance_to(utc_ns("2026-03-05T00:00:00") - 1)
    assert "d" not in rec.ends
    clock.advance_to(utc_ns("2026-03-05T00:00:00"))
    assert rec.ends["d"] == [("expired", "")]


def test_an_iceberg_shows_its_display_size_and_refills_at_the_back_of_the_queue() -> None:
    v, clock, rec = venue()
    send(
        v, clock,
        order("ice", "A", Side.SELL, "3", "100", display="1"),
        order("plain", "B", Side.SELL, "1", "100"),
    )  # fmt: skip
    book = v.books[IID]
    assert book.depth(Side.SELL, 1) == [(D(100), D(2))]  # 1 shown of the iceberg + 1 plain
    send(v, clock, order("t1", "C", Side.BUY, "1", "100"))
    assert rec.filled("ice") == D(1) and "plain" not in rec.fills
    send(v, clock, order("t2", "C", Side.BUY, "1", "100"))  # the refill went behind "plain"
    assert rec.filled("plain") == D(1) and rec.filled("ice") == D(1)
    send(v, clock, order("t3", "C", Side.BUY, "2", "100"))  # two more slices, one after other
    assert rec.filled("ice") == D(3) and not v.order_status(ClientOrderId("ice")).open
    assert book.depth(Side.SELL, 1) == [(D(101), D(1))]


def test_fok_counts_the_hidden_part_of_an_iceberg() -> None:
    v, clock, rec = venue()
    send(
        v, clock,
        order("ice", "A", Side.SELL, "5", "100", display="1"),
        order("fok", "B", Side.BUY, "3", "100", tif=TimeInForce.FOK),
    )  # fmt: skip
    assert rec.filled("fok") == D(3) and rec.filled("ice") == D(3)


def test_an_iceberg_resized_down_keeps_its_place_and_its_display() -> None:
    v, clock, rec = venue()
    ice = order("ice", "A", Side.SELL, "4", "100", display="1")
    send(v, clock, ice, order("plain", "B", Side.SELL, "1", "100"))
    new = order("ice2", "A", Side.SELL, "2", "100", display="1")
    v.replace(ice, new)
    clock.run_all()
    r = v.books[IID].get("ice2")
    assert r is not None and (r.qty, r.hidden) == (D(1), D(1))
    send(v, clock, order("t", "C", Side.BUY, "1", "100"))
    assert rec.filled("ice2") == D(1)  # still first in the queue


def test_a_resized_orders_passive_fill_is_reported_under_its_new_id() -> None:
    v, clock, rec = venue()
    old = order("r", "A", Side.SELL, "2", "100")
    send(v, clock, old)
    v.replace(old, order("r2", "A", Side.SELL, "1", "100"))  # size down: keeps its place
    clock.run_all()
    v.on_market(IID, asks(("100", "1")), asks(("101", "1")))  # a market maker lifts it
    clock.run_all()
    assert "r" not in rec.fills and rec.filled("r2") == D(1)
    assert v.order_status(ClientOrderId("r2")).filled_qty == D(1)
