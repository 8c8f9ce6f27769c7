"""The strategy API as a user meets it: subscriptions, timers, handles, containment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tradecore.bootstrap import build_system
from tradecore.config import load_config
from tradecore.model.market import Quote
from tradecore.strategy import Fill, OrderHandle, Strategy, StrategyAlert, attach, backtest
from tradecore.strategy.backtest import feed

SEC = 1_000_000_000
START = 1_767_225_600_000_000_000


class Recorder(Strategy):
    def __init__(self, instrument: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.instrument = instrument
        self.quotes: list[Quote] = []

    def on_start(self) -> None:
        self.subscribe(self.instrument)

    def on_quote(self, quote: Quote) -> None:
        self.quotes.append(quote)


def test_subscription_by_symbol_at_venue_delivers_only_that_instrument() -> None:
    one = Recorder("BTC/USD@SIMB", name="one")
    smart = Recorder("BTC/USD@SMART", name="smart")
    backtest([one, smart], seconds=3)
    assert one.quotes and {str(q.instrument_id) for q in one.quotes} == {"BTC/USD@SIMB"}
    assert {str(q.instrument_id) for q in smart.quotes} == {"BTC/USD@SMART"}
    # the SMART quote is the best bid and ask over the venues
    last_simb = one.quotes[-1]
    assert smart.quotes[-1].bid >= last_simb.bid and smart.quotes[-1].ask <= last_simb.ask


class Timers(Strategy):
    def on_start(self) -> None:
        self.ticks: list[int] = []
        self.once: list[int] = []
        self.t = self.every(2, lambda: self.ticks.append(self.now))
        self.at(START + 3 * SEC, lambda: self.once.append(self.now))
        self.at(START + 7 * SEC, self.t.cancel)


def test_timers_fire_on_engine_time_and_can_be_cancelled() -> None:
    r = backtest(Timers, seconds=10)
    s = r.strategies[0]
    assert isinstance(s, Timers)
    assert s.ticks == [START + 2 * SEC, START + 4 * SEC, START + 6 * SEC]
    assert s.once == [START + 3 * SEC]


class Trader(Strategy):
    def on_start(self) -> None:
        self.fills: list[Fill] = []
        self.events: list[str] = []
        self.at(START + SEC + 50_000_000, self.go)  # between two market steps

    def go(self) -> None:
        self.h = self.buy("BTC/USD@SMART", "0.3")  # larger than one venue's top of book
        self.big = self.buy("BTC/USD@SMART", "50")  # above risk max_order_quantity (5)
        q = self.quote("BTC/USD@SIMA")
        assert q is not None
        self.rest = self.limit("BTC/USD@SIMA", "BUY", "0.01", q.bid - 50)

    def on_fill(self, fill: Fill, order: OrderHandle) -> None:
        self.fills.append(fill)

    def on_order(self, event: Any, order: OrderHandle) -> None:
        self.events.append(f"{order.ids[0]}:{type(event).__name__}")


def test_order_handles_show_state_fills_and_quantised_values() -> None:
    r = backtest(Trader, seconds=3)
    s = r.strategies[0]
    assert isinstance(s, Trader)
    h = s.h
    # found: submit() returned SUBMITTED and fills were visible only by subscribing
    assert h.is_done and h.status.value in ("FILLED", "CANCELED")  # IOC: the rest cancelled
    assert h.filled > 0 and sum(f.quantity for f in h.fills) == h.filled
    assert {f.order_id for f in h.fills} == {"Trader-1"}  # child fills, booked on the parent
    assert s.fills == h.fills and "Trader-1:OrderFilled" in s.events
    # found: prices came back with 40 digits; at the edge they have the tick's 2 decimals
    assert h.avg_price is not None and h.avg_price.as_tuple().exponent == -2
    assert h.exact_avg_price is not None
    assert abs(h.exact_avg_price - h.avg_price) <= Decimal("0.005")
    assert "object at 0x" not in repr(h) and h.status.value in repr(h)
    # found: a denial's reason reached only the audit; it is on the handle
    assert s.big.denial is not None and s.big.reason == "MAX_ORDER_QUANTITY"
    assert s.big.status.value == "DENIED" and "reason=MAX_ORDER_QUANTITY" in repr(s.big)
    # the resting GTC limit was cancelled when the strategy stopped? no: still open at end
    assert s.rest.time_in_force == "GTC" and s.rest.order_type == "LIMIT"
    assert s.h.time_in_force == "IOC" and s.h.order_type == "MARKET"


class Replacer(Strategy):
    def on_start(self) -> None:
        self.at(START + SEC, self.place)
        self.at(START + 2 * SEC, self.move)
        self.at(START + 3 * SEC, self.drop)

    def place(self) -> None:
        q = self.quote("BTC/USD@SIMA")
        assert q is not None
        self.px = q.bid - 20
        self.h = self.limit("BTC/USD@SIMA", "BUY", "0.01", self.px)

    def move(self) -> None:
        assert self.h.replace(price=self.px - 1) is None

    def drop(self) -> None:
        assert self.h.cancel() is None


def test_replace_moves_the_handle_and_cancel_closes_it() -> None:
    r = backtest(Replacer, seconds=5)
    s = r.strategies[0]
    assert isinstance(s, Replacer)
    assert s.h.ids == ["Replacer-1", "Replacer-2"] and s.h.id == "Replacer-2"
    assert s.h.price == s.px - 1
    assert s.h.status.value == "CANCELED" and not s.h.is_open


class Boom(Strategy):
    name = "boom"
    account = "BOOM"

    def on_start(self) -> None:
        self.subscribe("BTC/USD@SIMA")
        self.n = 0

    def on_quote(self, quote: Quote) -> None:
        self.n += 1
        if self.n == 1:
            q = self.quote("BTC/USD@SIMA")
            assert q is not None
            self.resting = self.limit("BTC/USD@SIMA", "BUY", "0.01", q.bid - 30)
        if self.n == 5:
            raise ZeroDivisionError("bad maths")


class Steady(Strategy):
    name = "steady"

    def on_start(self) -> None:
        self.subscribe("BTC/USD@SIMA")
        self.quotes = 0
        self.every(1, lambda: self.buy("BTC/USD@SMART", "0.001"))

    def on_quote(self, quote: Quote) -> None:
        self.quotes += 1


def test_a_strategy_that_raises_is_stopped_with_an_alert_and_the_rest_go_on() -> None:
    system = build_system(load_config())
    seen: list[StrategyAlert] = []
    system.engine.bus.subscribe(StrategyAlert, seen.append)
    boom, steady = Boom(), Steady()
    attach(system, [boom, steady])
    feed(system, system.market())
    assert boom.state == "FAILED" and boom.n == 5  # no callback after the failure
    assert "ZeroDivisionError: bad maths" in (boom.error or "")
    assert len(seen) == 1 and seen[0].strategy == "boom" and seen[0].kind == "FAILED"
    assert "on_quote" in seen[0].reason
    # its resting order was cancelled; the engine and the other strategy went on
    assert boom.resting.status.value == "CANCELED"
    assert steady.state == "RUNNING" and steady.quotes > 1000
    assert len(steady.orders) == 299  # one a second to the end of the 300 s of data
    late = [h for h in steady.orders if h.submitted_ns > seen[0].ts and h.filled > 0]
    assert len(late) > 100


class Floaty(Strategy):
    def on_start(self) -> None:
        self.buy("BTC/USD@SMART", 0.1)


def test_a_float_quantity_is_refused_naming_the_field() -> None:
    r = backtest(Floaty, seconds=1)
    assert r.strategies[0].state == "FAILED"
    assert "quantity: binary float 0.1 refused" in r.alerts[0].reason
    assert r.strategies[0].orders == []  # nothing half-created


class Reader(Strategy):
    def on_start(self) -> None:
        self.at(START + SEC, lambda: self.buy("ETH/USD@SIMA", "1"))
        self.at(START + 2 * SEC, self.read)

    def read(self) -> None:
        self.pos = self.position("ETH/USD")
        self.pf = self.portfolio
        self.rk = self.risk
        self.bk = self.book("ETH/USD@SMART", 3)
        self.inst = self.instrument_rules("ETH/USD@SIMA")


def test_read_only_views_of_positions_portfolio_books_and_risk() -> None:
    r = backtest(Reader, seconds=3)
    s = r.strategies[0]
    assert isinstance(s, Reader)
    assert s.pos.quantity == Decimal("1.000") and s.pos.currency == "USD"
    assert repr(s.pos).startswith("Position(STRAT ETH/USD 1.000 @ ")
    assert s.pf["account"] == "STRAT" and Decimal(s.pf["equity"]) > 0
    assert "kill_switches" in s.rk
    assert s.bk is not None and len(s.bk.bids) == 3 and s.bk.bids[0].price < s.bk.asks[0].price
    assert s.inst.tick_size == Decimal("0.01")


def test_position_repr_is_readable() -> None:
    # found: print(position) showed <tradecore.positions.position.Position object at 0x...>
    from tradecore.model.enums import Side
    from tradecore.model.values import Currency
    from tradecore.positions.position import Position

    p = Position("A", "BTC/USD", Currency("USD", 2))
    p.apply(Side.BUY, Decimal("0.5"), Decimal("60000.123"))
    text = repr(p)
    assert "object at" not in text and "BTC/USD" in text and "0.5" in text


class Books(Strategy):
    def on_start(self) -> None:
        self.subscribe("ETH/USD@SIMC", book=True)
        self.subscribe("ETH/USD@SMART", book=True)
        self.books: list[Any] = []

    def on_book(self, book: Any) -> None:
        self.books.append(book)


def test_book_subscriptions_deliver_depth_for_the_venue_and_merged() -> None:
    r = backtest(Books, seconds=2)
    s = r.strategies[0]
    assert isinstance(s, Books)
    ids = {str(b.instrument_id) for b in s.books}
    assert ids == {"ETH/USD@SIMC", "ETH/USD@SMART"}
    simc = [b for b in s.books if str(b.instrument_id) == "ETH/USD@SIMC"]
    smart = [b for b in s.books if str(b.instrument_id) == "ETH/USD@SMART"]
    assert all(len(b.bids) == 5 for b in simc)  # the venue's five depth levels
    # the merged book holds every venue's size at each price
    assert sum(lv.size for lv in smart[-1].bids) > sum(lv.size for lv in simc[-1].bids)


class Params(Strategy):
    size = Decimal("1")
    slices = 3
    label = "x"


def test_parameters_override_class_attributes_with_their_type() -> None:
    p = Params(size="0.25", slices="7", label="y", other="z", account="ACC")
    assert p.size == Decimal("0.25") and p.slices == 7 and p.label == "y"
    assert p.account == "ACC" and p.params["other"] == "z"
    import pytest

    from tradecore.errors import ValidationError

    with pytest.raises(ValidationError, match="slices"):
        Params(slices="many")


class Stopper(Strategy):
    def on_start(self) -> None:
        self.at(START + SEC + 50_000_000, self.go)

    def go(self) -> None:
        q = self.quote("BTC/USD@SIMA")
        assert q is not None
        self.stop_buy = self.buy("BTC/USD@SIMA", "0.01", trigger_price=q.ask + 5000)


def test_a_trigger_price_makes_a_resting_stop_with_the_default_table() -> None:
    r = backtest(Stopper, seconds=3)
    s = r.strategies[0]
    assert isinstance(s, Stopper)
    h = s.stop_buy
    assert (h.order_type, h.time_in_force) == ("STOP_MARKET", "GTC")
    assert h.denial is None and h.filled == 0  # far from the market: not triggered
