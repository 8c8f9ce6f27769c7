"""Live positions and the portfolio: fills and quotes from the engine bus, FX valuation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradecore.engine.bus import MessageBus
from tradecore.errors import FxRateMissing
from tradecore.model import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    LiquiditySide,
    Money,
    OrderFilled,
    Side,
    TradeId,
    VenueOrderId,
)
from tradecore.model.market import Quote
from tradecore.portfolio.fx import FxRates
from tradecore.portfolio.views import Portfolio
from tradecore.positions.keeper import PositionKeeper

D = Decimal


def fill(
    seq: int, iid: str, side: Side, qty: str, px: str, fee: str = "0", ccy: str = "USD"
) -> OrderFilled:
    return OrderFilled(
        seq, seq, ClientOrderId(f"c{seq}"), AccountId("A"), InstrumentId.parse(iid), VenueOrderId("v"),
        TradeId(f"t{seq}"), side, D(qty), D(px), Money.of(fee, ccy), LiquiditySide.TAKER, None,
    )  # fmt: skip


def quote(iid: str, bid: str, ask: str) -> Quote:
    return Quote(InstrumentId.parse(iid), D(bid), D(1), D(ask), D(1), 0)


def test_fills_on_two_venues_make_one_position_with_a_venue_split() -> None:
    bus = MessageBus()
    k = PositionKeeper(bus)
    bus.publish(fill(1, "BTC/USD@SIMA", Side.BUY, "1", "100"))
    bus.publish(fill(2, "BTC/USD@SIMB", Side.BUY, "3", "104"))
    p = k.position("A", "BTC/USD")
    assert p is not None and p.quantity == D(4) and p.avg_price == D(103)
    assert p.venue_qty == {"SIMA": D(1), "SIMB": D(3)}


def test_quotes_remark_incrementally_and_totals_match_a_full_recompute() -> None:
    bus = MessageBus()
    k = PositionKeeper(bus)
    bus.publish(fill(1, "BTC/USD@SIMA", Side.BUY, "2", "100"))
    bus.publish(fill(2, "ETH/USD@SIMA", Side.SELL, "5", "10"))
    for i in range(50):
        bus.publish(quote("BTC/USD@SIMB", str(100 + i), str(101 + i)))
        bus.publish(quote("ETH/USD@SIMC", str(9 + i % 3), str(10 + i % 3)))
        full = sum((p.unrealized() or D(0) for p in k.positions("A")), D(0))
        assert k.unrealized("A") == {"USD": full}
    assert k.unrealized("A")["USD"] == 2 * (D("149.5") - 100) + (-5) * (D("10.5") - 10)


def test_portfolio_values_foreign_positions_through_fx_and_never_assumes_one() -> None:
    bus = MessageBus()
    k = PositionKeeper(bus)
    fx = FxRates()
    pf = Portfolio(k, fx, base_currency="USD", cash={"USD": D(1000)})
    bus.publish(fill(1, "SAP/EUR@XETR", Side.BUY, "10", "100"))
    bus.publish(quote("SAP/EUR@XETR", "109", "111"))
    snap = pf.snapshot("A")
    assert snap["missing_fx"] == ["EUR/USD"] and snap["gross_exposure"] == "0"
    fx.on_quote(quote("EUR/USD@FX", "1.09", "1.11"))
    snap = pf.snapshot("A")
    assert snap["missing_fx"] == []
    assert D(snap["gross_exposure"]) == D(1100) * D("1.10")
    assert D(snap["unrealized_pnl"]) == D(100) * D("1.10")
    assert snap["allocation_pct"]["currency"] == {"EUR": "100.00"}


def test_fx_triangulates_through_the_pivot() -> None:
    fx = FxRates()
    fx.set("EUR", "USD", D("1.10"))
    fx.set("USD", "JPY", D(150))
    assert fx.rate("EUR", "JPY") == D("165.000")
    with pytest.raises(FxRateMissing):
        fx.rate("GBP", "JPY")


def test_fx_converts_over_the_shortest_chain_of_rates() -> None:

    fx = FxRates(pivot="USD")
    fx.set("GBP", "EUR", D("1.15"))
    fx.set("EUR", "USD", D("1.10"))
    assert fx.chain("GBP", "USD") == ("GBP", "EUR", "USD")
    assert fx.rate("GBP", "USD") == D("1.15") * D("1.10")  # GBP->EUR->USD, no pivot leg
    back = fx.convert(D(100), "USD", "GBP")  # inverses: quotients at 40 significant digits
    assert abs(back - D(100) / D("1.265")) < D("1e-30")
    fx.set("JPY", "GBP", D("0.0052"))
    assert fx.chain("JPY", "USD") == ("JPY", "GBP", "EUR", "USD")  # three hops
    fx.set("GBP", "USD", D("1.27"))  # a direct rate wins over the chain
    assert fx.rate("GBP", "USD") == D("1.27")
    assert fx.chain("JPY", "USD") == ("JPY", "GBP", "USD")  # the graph changed: re-searched
    with pytest.raises(FxRateMissing):
        fx.rate("CHF", "USD")


def test_cash_balances_per_currency_follow_fills_and_fees() -> None:
    bus = MessageBus()
    k = PositionKeeper(bus)
    pf = Portfolio(k, FxRates(), base_currency="USD", cash={"USD": D(1000)})
    bus.publish(fill(1, "SAP/EUR@XETR", Side.BUY, "10", "100", fee="1.5", ccy="EUR"))
    bus.publish(fill(2, "SAP/EUR@XETR", Side.SELL, "4", "110", fee="2", ccy="USD"))
    assert k.cash("A", {"USD": D(1000)}) == {"EUR": D(-1000) - D("1.5") + D(440), "USD": D(998)}
    assert pf.snapshot("A")["cash"] == {"EUR": "-561.5", "USD": "998"}
    # a snapshot round trip keeps them
    k2 = PositionKeeper(MessageBus())
    k2.import_state(k.export_state())
    assert k2.cash("A") == k.cash("A")


def test_live_position_method_is_configurable() -> None:
    from tradecore.bootstrap import build_system
    from tradecore.config import load_config
    from tradecore.positions.position import Method

    system = build_system(load_config(None, {"engine": {"position_method": "fifo"}}))
    assert system.positions.ledger.method is Method.FIFO
    assert build_system(load_config(None)).positions.ledger.method is Method.AVERAGE
