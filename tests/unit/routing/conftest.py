from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from tradecore.engine import Engine, InstrumentRegistry, SimClock
from tradecore.engine.execution import Execution, attach
from tradecore.model import (
    AccountId,
    ClientOrderId,
    Instrument,
    InstrumentId,
    OrderFilled,
    OrderType,
    Side,
    SubmitOrder,
    TimeInForce,
    Venue,
    spot,
)
from tradecore.routing.config import RoutingConfig
from tradecore.routing.decisions import RoutingDecision
from tradecore.routing.fees import ModelFees
from tradecore.venues.model import FeeSchedule, VenueModel
from tradecore.venues.sim.client import SimVenueClient, SimVenueConfig

D = Decimal
ACC = AccountId("desk")
SYMBOL = "BTC/USD"
Levels = tuple[tuple[Decimal, Decimal], ...]

# The demo market of the routing tests: three venues, different depth and fees.
TAKER_BPS = {"SIMA": D(10), "SIMB": D(20), "SIMC": D(5)}
BIDS: dict[str, Levels] = {
    "SIMA": ((D("99.90"), D(1)), (D("99.50"), D(2))),
    "SIMB": ((D("99.95"), D(1)), (D("99.70"), D(1))),
    "SIMC": ((D("99.80"), D(1)), (D("99.00"), D(5))),
}
ASKS: dict[str, Levels] = {
    "SIMA": ((D("100.00"), D(1)), (D("100.50"), D(2))),
    "SIMB": ((D("100.00"), D(1)), (D("100.25"), D(1))),
    "SIMC": ((D("100.10"), D(1)), (D("101.00"), D(5))),
}


@dataclass
class Market:
    engine: Engine
    clock: SimClock
    router: Execution
    venues: dict[str, SimVenueClient]
    fills: list[OrderFilled]
    decisions: list[RoutingDecision]

    def submit(self, coid: str, side: Side, qty: str, price: str | None = None,
               tif: TimeInForce = TimeInForce.IOC) -> SubmitOrder:  # fmt: skip
        cmd = SubmitOrder(
            client_order_id=ClientOrderId(coid), account=ACC,
            instrument_id=InstrumentId(SYMBOL, Venue("SMART")), side=side,
            order_type=OrderType.MARKET if price is None else OrderType.LIMIT,
            quantity=D(qty), price=None if price is None else D(price), time_in_force=tif,
        )  # fmt: skip
        self.engine.submit(cmd)
        return cmd

    def reset_books(self) -> None:
        for name, v in self.venues.items():
            v.on_market(InstrumentId(SYMBOL, Venue(name)), BIDS[name], ASKS[name])

    def all_in_cost(self, parent: str) -> Decimal:
        """Cash paid including fees for a buy parent (exact)."""
        own = [f for f in self.fills if f.parent_id == parent]
        return sum((f.quantity * f.price + f.fee.amount for f in own), D(0))


def build_market(
    config: RoutingConfig | None = None,
    sim: Callable[[str], SimVenueConfig] | None = None,
    maker_bps: dict[str, Decimal] | None = None,
) -> Market:
    clock = SimClock(1_000_000_000)
    instruments: list[Instrument] = []
    models: dict[Venue, VenueModel] = {}
    for name in ("SIMA", "SIMB", "SIMC"):
        inst = spot(SYMBOL, name, tick="0.05", lot="0.001")
        instruments.append(inst)
        models[Venue(name)] = VenueModel(
            Venue(name),
            FeeSchedule((maker_bps or {}).get(name, D(0)), TAKER_BPS[name]),
            {inst.id: inst},
        )
    engine = Engine(clock, InstrumentRegistry(instruments))
    venues = {
        name: SimVenueClient(
            models[Venue(name)], clock, (sim or (lambda n: SimVenueConfig(ack_jitter_us=0)))(name)
        )
        for name in ("SIMA", "SIMB", "SIMC")
    }
    cfg = config or RoutingConfig(latency_penalty_bps_per_ms=D(0))
    router = attach(engine, venues.values(), ModelFees(models), cfg, seed=1)
    fills: list[OrderFilled] = []
    decisions: list[RoutingDecision] = []
    engine.bus.subscribe(OrderFilled, fills.append)
    engine.bus.subscribe(RoutingDecision, decisions.append)
    m = Market(engine, clock, router, venues, fills, decisions)
    m.reset_books()
    return m
