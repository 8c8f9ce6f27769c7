"""What the simulated venue keeps per order: its configuration, the order tickets, and the
stop orders that wait for their trigger.

Stop trigger rule: a BUY stop triggers when the best ask reaches its trigger price (ask >=
trigger), a SELL stop when the best bid does (bid <= trigger): the side of the book the
order would trade against, checked after every change of that book (market-maker quotes and
our own trades). Last-trade prices are not used. A stop whose condition already holds when it
arrives triggers at once. Once triggered, a STOP_MARKET executes as a MARKET order and a
STOP_LIMIT as a LIMIT order at its price, with the order's time in force.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import msgspec

from tradecore.model.enums import OrderType, Side, StpMode, TimeInForce
from tradecore.model.identifiers import ClientOrderId, InstrumentId, VenueOrderId
from tradecore.venues.protocol import VenueTrade

#: order types that carry a limit price once they execute
LIMIT_TYPES = frozenset({OrderType.LIMIT, OrderType.STOP_LIMIT})


@dataclass(frozen=True, slots=True)
class SimVenueConfig:
    """Latency (µs, uniform mean ± jitter), fault injection and self-trade prevention of one
    simulated venue."""

    ack_latency_us: int = 300
    ack_jitter_us: int = 100
    fill_delay_us: int = 50
    reject_rate: float = 0.0
    timeout_rate: float = 0.0
    seed: int = 0
    fill_jitter_us: int = 0  # fill delay is uniform in [fill_delay_us, + fill_jitter_us]
    retain_closed: int = 100_000  # closed orders the venue still answers order_status for
    stp: StpMode = StpMode.NONE  # for orders that do not name their own mode


class Ticket(msgspec.Struct):
    coid: ClientOrderId
    instrument_id: InstrumentId
    side: Side
    order_type: OrderType
    qty: Decimal
    price: Decimal | None
    tif: TimeInForce
    post_only: bool
    vid: VenueOrderId | None = None
    filled: Decimal = Decimal(0)
    notional: Decimal = Decimal(0)
    open: bool = False
    silent: bool = False
    closed: bool = False
    trades: tuple[VenueTrade, ...] = ()  # a tuple: most tickets fill once (a list was 88 B)
    account: str = ""
    stp: StpMode = StpMode.NONE
    trigger: Decimal | None = None  # a stop not yet triggered while this is set
    expire_ns: int | None = None
    display: Decimal | None = None
    report_at: int = 0  # when its latest report is delivered (reports keep their order)

    @property
    def limit(self) -> Decimal | None:
        return self.price if self.order_type in LIMIT_TYPES else None


class PendingStops:
    """Untriggered stop orders of one instrument, in arrival order."""

    __slots__ = ("tickets",)

    def __init__(self) -> None:
        self.tickets: list[Ticket] = []

    def pop_triggered(self, bid: Decimal | None, ask: Decimal | None) -> Ticket | None:
        """The oldest stop the book now triggers (removed from the list), or None."""
        for i, t in enumerate(self.tickets):
            trig = t.trigger
            assert trig is not None
            if (
                (ask is not None and ask >= trig)
                if t.side is Side.BUY
                else (bid is not None and bid <= trig)
            ):
                del self.tickets[i]
                t.trigger = None
                return t
        return None

    def discard(self, t: Ticket) -> None:
        self.tickets[:] = [x for x in self.tickets if x is not t]
