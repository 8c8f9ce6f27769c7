"""Exposure and equity across currencies: a symbol quoted in a currency without an FX rate is
left out of gross exposure (the checks that need it deny on their own) until the rate
arrives, then counts at that rate; amounts in such a currency are left out of equity."""

from __future__ import annotations

from decimal import Decimal

from tests.fakes import ScriptedVenue
from tradecore.engine import Engine, InstrumentRegistry, SimClock
from tradecore.engine.execution import attach
from tradecore.model import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    OrderType,
    Side,
    SubmitOrder,
    spot,
)
from tradecore.model.market import Quote
from tradecore.portfolio.fx import FxRates
from tradecore.positions.keeper import PositionKeeper
from tradecore.risk import RiskConfig, build_risk
from tradecore.risk.context import RiskContext

D = Decimal
ACC = AccountId("acct")
BTC_USD = InstrumentId.parse("BTC/USD@FAKE")
BTC_EUR = InstrumentId.parse("BTC/EUR@FAKE")


def _desk() -> tuple[Engine, ScriptedVenue, RiskContext, FxRates]:
    clock = SimClock(1_767_607_200_000_000_000)
    insts = [
        spot("BTC/USD", "FAKE", tick="0.5", lot="0.001"),
        spot("BTC/EUR", "FAKE", tick="0.5", lot="0.001"),
    ]
    venue = ScriptedVenue("FAKE", auto_accept=True)
    eng = Engine(clock, InstrumentRegistry(insts))
    attach(eng, [venue])
    keeper = PositionKeeper(eng.bus, eng.instruments)
    fx = FxRates()
    pipeline, _ = build_risk(eng, keeper, fx, RiskConfig.from_dict({}), equity=D(1000))
    eng.risk = pipeline
    for iid, mid in ((BTC_USD, "100"), (BTC_EUR, "80")):
        eng.on_quote(Quote(iid, D(mid) - 1, D(10), D(mid) + 1, D(10), clock.now_ns()))
    return eng, venue, pipeline.ctx, fx


def _buy(eng: Engine, venue: ScriptedVenue, coid: str, iid: InstrumentId, price: str) -> None:
    res = eng.submit(
        SubmitOrder(
            client_order_id=ClientOrderId(coid), account=ACC, instrument_id=iid, side=Side.BUY,
            order_type=OrderType.MARKET, quantity=D(1),
        )
    )  # fmt: skip
    assert res.ok, res.denial
    venue.fill(coid, "1", price, fee="1", ccy=iid.symbol.split("/")[1])


def test_a_symbol_without_an_fx_rate_is_left_out_until_its_rate_arrives() -> None:
    eng, venue, ctx, fx = _desk()
    _buy(eng, venue, "u", BTC_USD, "100")
    _buy(eng, venue, "e", BTC_EUR, "80")
    assert ctx.measures("acct") == (D(100), D(100))  # BTC/EUR: no EUR rate, not counted
    assert set(ctx.exposures("acct")) == {"BTC/USD"}
    assert ctx.equity("acct") == D(1000) - 1  # the EUR fee has no rate: left out
    fx.set("EUR", "USD", D("1.25"))
    assert ctx.measures("acct") == (D(200), D(200))  # 80 EUR x 1.25
    assert ctx.exposures("acct")["BTC/EUR"] == D(100)
    assert ctx.equity("acct") == D(1000) - 1 - D("1.25")
