"""The CCXT venue client's order, cancel, status, replace, health and market-refresh paths,
against a scripted ccxt-like exchange (answers shaped like ccxt's unified structures, the real
ccxt exception classes): what reaches the engine's sink, in which order, with which reason
codes and exact Decimals; and the pure helpers of ``markets.py``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import ccxt
import pytest

from tests.unit.venues.test_ccxt_errors import Sink
from tradecore.model.enums import LiquiditySide, OrderType, ReasonCode, Side, TimeInForce
from tradecore.model.identifiers import AccountId, ClientOrderId, InstrumentId, Venue, VenueOrderId
from tradecore.model.instrument import Instrument
from tradecore.model.orders import Order
from tradecore.model.values import Currency, Money
from tradecore.venues.ccxt.adapter import CcxtVenueClient
from tradecore.venues.ccxt.markets import (
    fee_rates,
    instruments_from_markets,
    rule_changes,
    to_decimal,
)
from tradecore.venues.ccxt.pollers import CcxtVenueConfig
from tradecore.venues.protocol import VenueHealth

D = Decimal
R = ReasonCode
BTC = InstrumentId("BTC/USDT", "X")
USDT = Currency.of("USDT")


def _market(tick: str = "0.01", **extra: Any) -> dict[str, Any]:
    return {
        "spot": True, "active": True, "base": "BTC", "quote": "USDT",
        "precision": {"price": tick, "amount": "0.0001"},
        "limits": {"amount": {"min": "0.0001", "max": "9000"}, "cost": {"min": "5"}},
        "maker": "0.001", "taker": "0.002",
    } | extra  # fmt: skip


class Script:
    """A ccxt-like async exchange: each method answers from its list (an exception is
    raised), then with its default; every call is recorded."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.answers: dict[str, list[Any]] = {}
        self.markets: list[Any] = [{"BTC/USDT": _market()}]
        self.trades: list[dict[str, Any]] = []  # fetch_my_trades' answer
        self.hang_trades: asyncio.Event | None = None

    def script(self, method: str, *answers: Any) -> None:
        self.answers.setdefault(method, []).extend(answers)

    def _answer(self, name: str, args: tuple[Any, ...], default: Any) -> Any:
        self.calls.append((name, args))
        queue = self.answers.get(name) or []
        a = queue.pop(0) if queue else default
        if isinstance(a, BaseException):
            raise a
        return a

    def called(self, name: str) -> list[tuple[Any, ...]]:
        return [a for n, a in self.calls if n == name]

    async def load_markets(self, reload: bool = False) -> Any:
        a = self.markets.pop(0) if len(self.markets) > 1 else self.markets[0]
        self.calls.append(("load_markets", (reload,)))
        if isinstance(a, BaseException):
            raise a
        return a

    async def create_order(self, *args: Any) -> Any:
        return self._answer("create_order", args, {"id": "77", "status": "open"})

    async def edit_order(self, *args: Any) -> Any:
        return self._answer("edit_order", args, {"id": "88", "status": "open"})

    async def cancel_order(self, *args: Any) -> Any:
        return self._answer("cancel_order", args, {"id": args[0], "status": "canceled"})

    async def fetch_order(self, *args: Any) -> Any:
        return self._answer("fetch_order", args, ccxt.OrderNotFound("Order does not exist."))

    async def fetch_my_trades(self, *args: Any) -> list[Any]:
        self.calls.append(("fetch_my_trades", args))
        if self.hang_trades is not None:
            await self.hang_trades.wait()
        return list(self.trades)

    async def fetch_open_orders(self, *args: Any) -> Any:
        return self._answer("fetch_open_orders", args, [])

    async def fetch_order_book(self, *args: Any) -> Any:
        # ccxt parses order books to floats; 0.0 sizes are levels the venue removed
        return self._answer("fetch_order_book", args, {
            "bids": [[49999.99, 0.5], [49999.98, 0.0], [50000.0 - 0.03, 1.25]],
            "asks": [[50000.01, 0.75]],
        })  # fmt: skip

    async def fetch_time(self) -> int:
        return 0

    async def close(self) -> None:
        return None


def _order(
    coid: str = "C1", *, side: Side = Side.BUY, kind: OrderType = OrderType.LIMIT,
    qty: str = "0.1", price: str | None = "50000", tif: TimeInForce = TimeInForce.GTC,
    post_only: bool = False,
) -> Order:  # fmt: skip
    return Order(
        ClientOrderId(coid), AccountId("a"), BTC, side, kind, D(qty),
        None if price is None else D(price), tif, post_only=post_only,
    )  # fmt: skip


def _client(script: Script, **cfg: Any) -> tuple[CcxtVenueClient, Sink]:
    opts = {"poll_interval_s": 60.0, "book_interval_s": 60.0, "backoff_base_s": 0.01} | cfg
    client = CcxtVenueClient(Venue("X"), lambda: script, CcxtVenueConfig(**opts))
    client.start()
    sink = Sink()
    client.bind(sink)
    return client, sink


def _until(client: CcxtVenueClient, cond: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        client.drain()
        if cond():
            time.sleep(0.05)  # let a follow-up report in, then take it too
            client.drain()
            return True
        time.sleep(0.01)
    return False


def _names(sink: Sink) -> list[str]:
    return [r[0] for r in sink.reports]


def _trade(tid: str, vid: str, qty: str, px: str, fee: str, liq: str = "taker") -> dict[str, Any]:
    """One of ccxt's unified trades (``fetch_my_trades``), numbers as the venue's strings."""
    return {"id": tid, "order": vid, "amount": qty, "price": px, "timestamp": 1_700_000_000_000,
            "fee": {"cost": fee, "currency": "USDT"}, "takerOrMaker": liq}  # fmt: skip


# ---------------------------------------------------------------------- submit
def test_a_post_only_order_goes_with_post_only_and_no_time_in_force() -> None:
    s = Script()
    client, sink = _client(s)
    try:
        client.submit(_order("P1", post_only=True))
        assert _until(client, lambda: bool(sink.reports))
        assert s.called("create_order") == [
            ("BTC/USDT", "limit", "buy", "0.1", "50000", {"clientOrderId": "P1", "postOnly": True})
        ]
        assert sink.reports == [("on_accepted", ClientOrderId("P1"), VenueOrderId("77"))]
    finally:
        client.stop()


def test_a_market_order_goes_without_price_or_time_in_force() -> None:
    s = Script()
    client, sink = _client(s)
    try:
        client.submit(_order("M1", side=Side.SELL, kind=OrderType.MARKET, price=None,
                             tif=TimeInForce.IOC))  # fmt: skip
        assert _until(client, lambda: bool(sink.reports))
        assert s.called("create_order") == [
            ("BTC/USDT", "market", "sell", "0.1", None, {"clientOrderId": "M1"})
        ]
    finally:
        client.stop()


def test_an_ioc_closed_at_once_books_its_fill_and_then_expires() -> None:
    s = Script()
    s.script("create_order", {"id": "77", "status": "expired"})
    s.script("fetch_order", {"id": "77", "status": "expired", "filled": "0.04",
                             "average": "50000"})  # fmt: skip
    s.trades = [_trade("T1", "77", "0.0400", "50000.00", "4.00000000"),
                _trade("T9", "99", "1", "1", "0")]  # another order's trade: not ours  # fmt: skip
    client, sink = _client(s)
    try:
        client.submit(_order("I1", tif=TimeInForce.IOC))
        assert _until(client, lambda: "on_expired" in _names(sink))
        assert sink.reports == [
            ("on_accepted", ClientOrderId("I1"), VenueOrderId("77")),
            ("on_filled", ClientOrderId("I1"), "T1", D("0.04"), D(50_000), Money(D(4), USDT),
             LiquiditySide.TAKER),
            ("on_expired", ClientOrderId("I1")),
        ]  # fmt: skip
        assert s.called("fetch_my_trades")[-1] == ("BTC/USDT", None, None, {"orderId": "77"})
    finally:
        client.stop()


def test_reports_made_before_a_sink_is_bound_are_dropped_not_delivered_later() -> None:
    s = Script()
    client = CcxtVenueClient(Venue("X"), lambda: s, CcxtVenueConfig(60, 60))
    client.start()
    try:
        client.submit(_order("N1"))
        end = time.monotonic() + 5
        handed = 0
        while time.monotonic() < end and not handed:
            handed = client.drain()
            time.sleep(0.01)
        assert handed == 1  # the ack was taken off the queue...
        sink = Sink()
        client.bind(sink)
        assert client.drain() == 0 and sink.reports == []  # ...and went nowhere
    finally:
        client.stop()


# ---------------------------------------------------------------------- cancel
def test_cancel_of_an_order_this_venue_never_saw_is_rejected_without_asking_it() -> None:
    s = Script()
    client, sink = _client(s)
    try:
        client.cancel(_order("U1"))
        assert _until(client, lambda: bool(sink.reports))
        assert sink.reports == [
            ("on_cancel_rejected", ClientOrderId("U1"), R.ORDER_NOT_OPEN, "unknown to this venue")
        ]
        assert s.called("cancel_order") == []
    finally:
        client.stop()


def test_a_confirmed_cancel_books_the_last_partial_fill_then_the_cancel() -> None:
    s = Script()
    s.script("fetch_order", {"id": "77", "status": "canceled", "filled": "0.03"})
    s.trades = [_trade("T5", "77", "0.03", "49999.5", "0.15", "maker")]
    client, sink = _client(s)
    try:
        client.submit(_order("K1"))
        assert _until(client, lambda: bool(sink.reports))
        client.cancel(_order("K1"))
        assert _until(client, lambda: "on_canceled" in _names(sink))
        assert s.called("cancel_order") == [("77", "BTC/USDT", {"clientOrderId": "K1"})]
        assert sink.reports[1:] == [
            ("on_filled", ClientOrderId("K1"), "T5", D("0.03"), D("49999.5"),
             Money(D("0.15"), USDT), LiquiditySide.MAKER),
            ("on_canceled", ClientOrderId("K1"), "canceled at the venue"),
        ]  # fmt: skip
        s.script("fetch_order", {"id": "77", "status": "canceled", "filled": "0.03"})
        st = client.order_status(ClientOrderId("K1"))
        assert (st.known, st.open, st.filled_qty) == (True, False, D("0.03"))
        assert [t.trade_id for t in st.trades] == ["T5"]
    finally:
        client.stop()


def test_a_cancel_too_late_is_rejected_and_the_fills_that_closed_the_order_are_booked() -> None:
    s = Script()
    s.script("cancel_order", ccxt.OrderNotFound("Unknown order sent."))
    s.script("fetch_order", {"id": "77", "status": "closed", "filled": "0.1", "average": "50000"})
    s.trades = [
        _trade("T1", "77", "0.06", "50000", "0.3"),
        _trade("T2", "77", "0.04", "50000", "0.2"),
    ]
    client, sink = _client(s)
    try:
        client.submit(_order("L1"))
        assert _until(client, lambda: bool(sink.reports))
        client.cancel(_order("L1"))
        assert _until(client, lambda: _names(sink).count("on_filled") == 2)
        assert sink.reports[1][:3] == ("on_cancel_rejected", ClientOrderId("L1"), R.ORDER_NOT_OPEN)
        assert [(r[2], r[3]) for r in sink.reports[2:]] == [("T1", D("0.06")), ("T2", D("0.04"))]
        assert "on_canceled" not in _names(sink)  # its fills closed it
        assert client.errors == {"NOT_FOUND": 1}
    finally:
        client.stop()


def test_a_cancel_whose_follow_up_status_fails_is_counted_and_reports_nothing_more() -> None:
    s = Script()
    s.script("fetch_order", ccxt.NetworkError("connection reset"))
    client, sink = _client(s)
    try:
        client.submit(_order("F1"))
        assert _until(client, lambda: bool(sink.reports))
        client.cancel(_order("F1"))
        assert _until(client, lambda: client.errors.get("TRANSIENT") == 1)
        assert _names(sink) == ["on_accepted"]  # the poller will see the close later
        assert len(s.called("cancel_order")) == 1
    finally:
        client.stop()


# ---------------------------------------------------------------------- status
def test_status_of_an_unknown_order_is_not_known_without_asking_the_venue() -> None:
    s = Script()
    client, _ = _client(s)
    try:
        st = client.order_status(ClientOrderId("nobody"))
        assert (st.known, st.open, st.filled_qty, st.venue_order_id) == (False, False, D(0), None)
        assert s.called("fetch_order") == []
    finally:
        client.stop()


def test_a_venue_trade_without_a_price_falls_back_to_what_was_seen() -> None:
    s = Script()
    client, sink = _client(s)
    try:
        client.submit(_order("B1"))
        assert _until(client, lambda: bool(sink.reports))
        s.script("fetch_order", {"id": "77", "status": "open", "filled": "0.01"})
        s.trades = [_trade("T1", "77", "0.01", "", "0")]  # no price: cannot be booked
        st = client.order_status(ClientOrderId("B1"))
        assert (st.known, st.open, st.filled_qty, st.trades) == (True, True, D(0), ())
        assert st.venue_order_id == VenueOrderId("77")
        assert client.errors == {"TRANSIENT": 1}
    finally:
        client.stop()


def test_an_order_tracked_before_and_after_start_is_asked_by_its_venue_id() -> None:
    s = Script()
    before, after = _order("R1"), _order("R2", price="49000")
    before.venue_order_id, after.venue_order_id = VenueOrderId("55"), VenueOrderId("56")
    client = CcxtVenueClient(Venue("X"), lambda: s, CcxtVenueConfig(60, 60))
    client.track(before)  # restored from the journal before the I/O thread runs
    client.start()
    try:
        client.track(after)  # on the I/O thread
        s.script("fetch_order", {"id": "55", "status": "open", "filled": "0.02",
                                 "average": "50000"},
                 {"id": "56", "status": "canceled", "filled": "0"})  # fmt: skip
        s.trades = [_trade("T3", "55", "0.02", "50000", "0.1")]
        one = client.order_status(ClientOrderId("R1"))
        two = client.order_status(ClientOrderId("R2"))
        assert [a[:2] for a in s.called("fetch_order")] == [("55", "BTC/USDT"), ("56", "BTC/USDT")]
        assert (one.known, one.open, one.filled_qty, one.avg_px) == (
            True,
            True,
            D("0.02"),
            D(50_000),
        )
        assert [(t.trade_id, t.quantity, t.fee) for t in one.trades] == [
            ("T3", D("0.02"), D("0.1"))
        ]
        assert (two.known, two.open, two.filled_qty, two.trades) == (True, False, D(0), ())
    finally:
        client.stop()


# ---------------------------------------------------------------------- health and books
def test_health_is_degraded_once_the_last_book_is_stale_and_books_are_exact() -> None:
    s = Script()
    client, _ = _client(s, stale_after_s=2.0)  # room for a busy CI host before the UP check
    try:
        assert _until(client, lambda: client.book(BTC) is not None)
        assert client.health() is VenueHealth.UP
        book = client.book(BTC)
        assert book is not None
        assert [(lv.price, lv.size) for lv in book.bids] == [
            (D("49999.99"), D("0.5")), (D("49999.97"), D("1.25")),
        ]  # best first, the removed (0.0) level dropped, 49999.970000000001 on the tick  # fmt: skip
        assert [(lv.price, lv.size) for lv in book.asks] == [(D("50000.01"), D("0.75"))]
        time.sleep(2.1)  # the next poll is a minute away
        assert client.health() is VenueHealth.DEGRADED
    finally:
        client.stop()


def test_stopping_during_a_poll_is_not_counted_as_a_venue_failure() -> None:
    s = Script()
    s.hang_trades = asyncio.Event()  # never set: the poll waits on the venue
    client, sink = _client(s, poll_interval_s=0.01)
    try:
        client.submit(_order("H1"))
        assert _until(client, lambda: bool(sink.reports))
        end = time.monotonic() + 5
        while time.monotonic() < end and not s.called("fetch_my_trades"):
            time.sleep(0.01)
        assert s.called("fetch_my_trades")
    finally:
        t0 = time.monotonic()
        client.stop()
    assert time.monotonic() - t0 < 3
    assert client.errors == {} and client.reconnects == 0


# ---------------------------------------------------------------------- replace
def test_a_replace_of_an_order_not_open_here_is_rejected() -> None:
    s = Script()
    client, sink = _client(s)
    try:
        client.replace(_order("X1"), _order("X2", price="49000"))
        assert _until(client, lambda: bool(sink.reports))
        assert sink.reports == [
            ("on_replace_rejected", ClientOrderId("X1"), R.ORDER_NOT_OPEN, "not open at venue")
        ]
        assert s.called("edit_order") == []
    finally:
        client.stop()


def test_a_post_only_replacement_is_edited_with_post_only_for_the_leaves() -> None:
    s = Script()
    s.script("fetch_order", {"id": "77", "status": "canceled", "filled": "0"})
    client, sink = _client(s)
    try:
        client.submit(_order("E1"))
        assert _until(client, lambda: bool(sink.reports))
        new = _order("E2", qty="0.3", price="49900", post_only=True)
        client.replace(_order("E1"), new)
        assert _until(client, lambda: "on_replaced" in _names(sink))
        assert s.called("edit_order") == [("77", "BTC/USDT", "limit", "buy", "0.3", "49900",
                                           {"clientOrderId": "E2", "postOnly": True})]  # fmt: skip
        assert sink.reports[1:] == [("on_replaced", ClientOrderId("E1"), VenueOrderId("88"))]
        s.script("fetch_order", {"id": "88", "status": "open", "filled": "0"})
        st = client.order_status(ClientOrderId("E2"))
        assert (st.venue_order_id, st.open) == (VenueOrderId("88"), True)
    finally:
        client.stop()


def test_an_edit_of_an_order_that_just_filled_is_rejected_and_its_fill_booked() -> None:
    s = Script()
    s.script("edit_order", ccxt.OrderNotFound("Order was not canceled due to cancel rules."))
    s.script("fetch_order", {"id": "77", "status": "closed", "filled": "0.1", "average": "50000"})
    s.trades = [_trade("T7", "77", "0.1", "50000", "0.5")]
    client, sink = _client(s)
    try:
        client.submit(_order("G1"))
        assert _until(client, lambda: bool(sink.reports))
        client.replace(_order("G1"), _order("G2", price="49000"))
        assert _until(client, lambda: "on_filled" in _names(sink))
        assert sink.reports[1][:3] == ("on_replace_rejected", ClientOrderId("G1"), R.ORDER_NOT_OPEN)
        assert sink.reports[2][:4] == ("on_filled", ClientOrderId("G1"), "T7", D("0.1"))
        assert "on_replaced" not in _names(sink)
    finally:
        client.stop()


def test_an_edit_refused_whose_last_word_cannot_be_had_is_counted() -> None:
    s = Script()
    s.script("edit_order", ccxt.OrderNotFound("gone"))
    s.script("fetch_order", ccxt.RequestTimeout("timed out"))
    client, sink = _client(s)
    try:
        client.submit(_order("W1"))
        assert _until(client, lambda: bool(sink.reports))
        client.replace(_order("W1"), _order("W2", price="49000"))
        assert _until(client, lambda: client.errors.get("TRANSIENT") == 1)
        assert _names(sink) == ["on_accepted", "on_replace_rejected"]
        assert client.errors == {"NOT_FOUND": 1, "TRANSIENT": 1}
    finally:
        client.stop()


def test_cancel_new_whose_cancel_fails_sends_no_new_order() -> None:
    s = Script()
    s.script("cancel_order", ccxt.ExchangeNotAvailable("503 Service Unavailable"))
    client, sink = _client(s, replace_mode="cancel_new")
    try:
        client.submit(_order("Q1"))
        assert _until(client, lambda: bool(sink.reports))
        client.replace(_order("Q1"), _order("Q2", price="49000"))
        assert _until(client, lambda: len(sink.reports) == 2)
        assert sink.reports[1][:3] == (
            "on_replace_rejected", ClientOrderId("Q1"), R.VENUE_UNAVAILABLE,
        )  # fmt: skip
        assert len(s.called("create_order")) == 1  # only the original
        assert client.health() is VenueHealth.DOWN  # the venue could not be reached
    finally:
        client.stop()


# ---------------------------------------------------------------------- market refresh
def test_a_failed_market_refresh_is_counted_and_the_next_one_logs_every_change() -> None:
    s = Script()
    eth = _market() | {"base": "ETH"}
    s.markets = [
        {"BTC/USDT": _market()},
        ccxt.NetworkError("refresh failed"),
        {"BTC/USDT": _market("0.1"), "ETH/USDT": eth},
        {"ETH/USDT": eth},
    ]
    client = CcxtVenueClient(Venue("X"), lambda: s, CcxtVenueConfig(60, 60, markets_refresh_s=0.05))
    got: list[Sequence[Instrument]] = []
    client.on_rules = got.append
    client.start()
    try:
        assert _until(client, lambda: len(got) == 2)
        assert client.errors.get("TRANSIENT") == 1
        assert client.rule_changes == [
            "BTC/USDT@X tick_size 0.01 -> 0.1",
            "ETH/USDT@X listed",
            "BTC/USDT@X delisted",
        ]
        assert [str(i.id) for i in got[0]] == ["BTC/USDT@X", "ETH/USDT@X"]
        assert got[0][0].tick_size == D("0.1")
        assert [str(i.id) for i in got[1]] == ["ETH/USDT@X"]
        assert set(client.instruments) == {InstrumentId("ETH/USDT", "X")}
    finally:
        client.stop()


# ---------------------------------------------------------------------- markets.py helpers
def test_to_decimal_refuses_booleans_and_reads_junk_as_missing() -> None:
    with pytest.raises(TypeError):
        to_decimal(True)
    assert to_decimal("abc") is None
    assert to_decimal(float("inf")) is None and to_decimal("-Infinity") is None
    assert to_decimal(3) == D(3) and to_decimal("0.00000001") == D("0.00000001")


def test_only_active_spot_markets_with_a_tick_and_lot_become_instruments() -> None:
    markets = {
        "BTC/USDT": _market(),
        "BTC/USDT:USDT": _market() | {"spot": False, "swap": True},
        "OLD/USDT": _market() | {"base": "OLD", "active": False},
        "NEW/USDT": _market() | {"base": "NEW", "active": None},  # unknown: kept
        "NOP/USDT": _market() | {"base": "NOP", "precision": {"price": None, "amount": "1"}},
        "ZER/USDT": _market() | {"base": "ZER", "precision": {"price": "0.01", "amount": "0"}},
        "UNL/USDT": _market() | {"base": "UNL", "limits": {"amount": {"max": "0"}}},
    }
    got = {str(i.id): i for i in instruments_from_markets(markets, Venue("X"))}
    assert sorted(got) == ["BTC/USDT@X", "NEW/USDT@X", "UNL/USDT@X"]
    unl = got["UNL/USDT@X"]
    assert (unl.max_quantity, unl.min_quantity, unl.min_notional) == (None, D(0), D(0))
    assert got["BTC/USDT@X"].max_quantity == D(9000)


def test_fee_rates_are_the_markets_maker_and_taker_or_zero() -> None:
    markets = {"BTC/USDT": _market(), "ETH/USDT": _market() | {"maker": None, "taker": "0"}}
    assert fee_rates(markets, "BTC/USDT") == (D("0.001"), D("0.002"))
    assert fee_rates(markets, "ETH/USDT") == (D(0), D(0))
    assert fee_rates(markets, "DOGE/USDT") == (D(0), D(0))


def test_rule_changes_name_listings_delistings_and_each_changed_rule() -> None:
    v = Venue("X")
    old = {i.id: i for i in instruments_from_markets({"BTC/USDT": _market()}, v)}
    changed = _market() | {"limits": {"amount": {"min": "0.001", "max": "100"},
                                      "cost": {"min": "10"}}}  # fmt: skip
    new = {i.id: i for i in instruments_from_markets({"BTC/USDT": changed}, v)}
    assert rule_changes(old, new) == [
        "BTC/USDT@X min_quantity 0.0001 -> 0.001",
        "BTC/USDT@X max_quantity 9000 -> 100",
        "BTC/USDT@X min_notional 5 -> 10",
    ]
    assert rule_changes(old, old) == []
    assert rule_changes({}, old) == ["BTC/USDT@X listed"]
    assert rule_changes(old, {}) == ["BTC/USDT@X delisted"]
