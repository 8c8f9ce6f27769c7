"""A simulated venue with a recording sink, for tests that watch the venue's own reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from tradecore.engine import SimClock
from tradecore.model import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    LiquiditySide,
    Money,
    Order,
    OrderType,
    ReasonCode,
    Side,
    StpMode,
    TimeInForce,
    TradeId,
    VenueOrderId,
    spot,
)
from tradecore.model.instrument import Instrument
from tradecore.venues.model import FeeSchedule, VenueModel
from tradecore.venues.sim.client import SimVenueClient, SimVenueConfig

D = Decimal
IID = InstrumentId.parse("BTC/USD@SIMA")
INST = spot("BTC/USD", "SIMA", tick="0.5", lot="0.1")


@dataclass
class Recorder:
    """An ExecutionSink that keeps every report."""

    fills: dict[str, list[tuple[str, Decimal, Decimal, Decimal, LiquiditySide]]] = field(
        default_factory=dict
    )
    ends: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # coid -> (kind, msg)
    accepted: set[str] = field(default_factory=set)
    log: list[tuple[str, str]] = field(default_factory=list)  # (coid, report) in arrival order

    def on_accepted(self, coid: ClientOrderId, venue_order_id: VenueOrderId) -> None:
        self.accepted.add(coid)

    def on_rejected(self, coid: ClientOrderId, reason: ReasonCode, message: str) -> None:
        self.ends.setdefault(coid, []).append(("rejected", message))

    def on_filled(
        self,
        coid: ClientOrderId,
        trade_id: TradeId,
        quantity: Decimal,
        price: Decimal,
        fee: Money,
        liquidity: LiquiditySide,
    ) -> None:
        self.fills.setdefault(coid, []).append((trade_id, quantity, price, fee.amount, liquidity))
        self.log.append((coid, "fill"))

    def on_canceled(self, coid: ClientOrderId, message: str = "") -> None:
        self.ends.setdefault(coid, []).append(("canceled", message))
        self.log.append((coid, "canceled"))

    def on_cancel_rejected(self, coid: ClientOrderId, reason: ReasonCode, message: str) -> None:
        pass

    def on_replaced(self, coid: ClientOrderId, venue_order_id: VenueOrderId) -> None:
        self.ends.setdefault(coid, []).append(("replaced", ""))

    def on_replace_rejected(self, coid: ClientOrderId, reason: ReasonCode, message: str) -> None:
        pass

    def on_expired(self, coid: ClientOrderId) -> None:
        self.ends.setdefault(coid, []).append(("expired", ""))

    def filled(self, coid: str) -> Decimal:
        return sum((f[1] for f in self.fills.get(coid, [])), D(0))


def venue(
    stp: StpMode = StpMode.NONE,
    inst: Instrument = INST,
    start_ns: int = 1_000_000_000,
    fill_delay_us: int = 50,
) -> tuple[SimVenueClient, SimClock, Recorder]:
    clock = SimClock(start_ns)
    model = VenueModel(
        inst.venue, FeeSchedule(maker_bps=D("-1"), taker_bps=D("7.5")), {inst.id: inst}
    )
    v = SimVenueClient(
        model, clock, SimVenueConfig(ack_jitter_us=0, stp=stp, fill_delay_us=fill_delay_us)
    )
    rec = Recorder()
    v.bind(rec)
    v.on_market(inst.id, ((D(99), D(1)),), ((D(101), D(1)),))
    return v, clock, rec


def order(
    coid: str,
    account: str,
    side: Side,
    qty: str,
    px: str | None = None,
    *,
    order_type: OrderType | None = None,
    tif: TimeInForce = TimeInForce.GTC,
    stp: StpMode | None = None,
    trigger: str | None = None,
    expire_ns: int | None = None,
    display: str | None = None,
    iid: InstrumentId = IID,
) -> Order:
    if order_type is None:
        order_type = OrderType.MARKET if px is None else OrderType.LIMIT
    return Order(
        ClientOrderId(coid), AccountId(account), iid, side, order_type, D(qty),
        None if px is None else D(px), tif, stp=stp,
        trigger_price=None if trigger is None else D(trigger), expire_ns=expire_ns,
        display_qty=None if display is None else D(display),
    )  # fmt: skip


def send(v: SimVenueClient, clock: SimClock, *orders: Order) -> None:
    """Submit each order and let it arrive (and its reports be delivered) before the next."""
    for o in orders:
        v.submit(o)
        clock.run_all()
