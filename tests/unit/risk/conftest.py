from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tests.fakes import ScriptedVenue
from tradecore.engine import Engine, InstrumentRegistry, SimClock
from tradecore.engine.execution import attach
from tradecore.model import (
    AccountId,
    AssetClass,
    ClientOrderId,
    InstrumentId,
    OrderType,
    Side,
    SubmitOrder,
    TimeInForce,
    Venue,
    spot,
)
from tradecore.model.market import Quote
from tradecore.portfolio.fx import FxRates
from tradecore.positions.keeper import PositionKeeper
from tradecore.risk import RiskConfig, build_risk
from tradecore.risk.monitor import RiskMonitor
from tradecore.risk.pipeline import RiskPipeline

D = Decimal
ACC = AccountId("acct")
BTC = InstrumentId.parse("BTC/USD@FAKE")
ETH = InstrumentId.parse("ETH/USD@FAKE")
SAP = InstrumentId.parse("SAP@FAKE")
START = 1_767_607_200_000_000_000  # 2026-01-05 10:00 UTC, a Monday


@dataclass
class Desk:
    engine: Engine
    clock: SimClock
    venue: ScriptedVenue
    pipeline: RiskPipeline
    monitor: RiskMonitor
    positions: PositionKeeper
    n: int = 0

    def quote(self, iid: InstrumentId, mid: str, half: str = "0.5") -> None:
        m, h = D(mid), D(half)
        self.engine.on_quote(Quote(iid, m - h, D(10), m + h, D(10), self.clock.now_ns()))

    def order(
        self, side: Side, qty: str, price: str | None = None, iid: InstrumentId = BTC, **kw: Any
    ) -> SubmitOrder:
        self.n += 1
        return SubmitOrder(
            client_order_id=ClientOrderId(f"o{self.n}"),
            account=ACC,
            instrument_id=iid,
            side=side,
            order_type=OrderType.LIMIT if price else OrderType.MARKET,
            quantity=D(qty),
            price=D(price) if price else None,
            time_in_force=kw.pop("tif", TimeInForce.GTC),
            **kw,
        )

    def submit(
        self, side: Side, qty: str, price: str | None = None, iid: InstrumentId = BTC, **kw: Any
    ):  # type: ignore[no-untyped-def]
        return self.engine.submit(self.order(side, qty, price, iid, **kw))

    def fill_all(self, price: str) -> None:
        for o in list(self.venue.submitted):
            if o.is_open and o.leaves_qty > 0:
                self.venue.fill(o.client_order_id, str(o.leaves_qty), price)


def desk(limits: dict[str, Any] | None = None, **cfg: Any) -> Desk:
    clock = SimClock(START)
    insts = [
        spot("BTC/USD", "FAKE", tick="0.5", lot="0.001"),
        spot("ETH/USD", "FAKE", tick="0.01", lot="0.01"),
        spot("SAP", "FAKE", tick="0.01", lot="1", quote="USD", asset_class=AssetClass.EQUITY),
    ]
    venue = ScriptedVenue("FAKE", auto_accept=True)
    eng = Engine(clock, InstrumentRegistry(insts))
    execution = attach(eng, [venue])
    keeper = PositionKeeper(eng.bus, eng.instruments)
    cfg.setdefault("calendars", {"SAP": "XETR"})  # an equity must name its calendar
    config = RiskConfig.from_dict({"defaults": limits or {}, **cfg})
    pipeline, monitor = build_risk(
        eng, keeper, FxRates(), config, equity=D(100_000), flatten_venue=Venue("FAKE")
    )
    eng.risk = pipeline
    pipeline.ctx.self_trade_probe = execution.self_trade_at
    d = Desk(eng, clock, venue, pipeline, monitor, keeper)
    d.quote(BTC, "100")
    d.quote(ETH, "10")
    d.quote(SAP, "50")
    return d
