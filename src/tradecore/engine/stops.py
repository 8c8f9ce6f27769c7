"""Stop orders the engine holds itself: every SMART stop, and a direct stop for a venue client
that does not take stop orders (``supports_stops = False``).

The trigger rule is the simulated venue's: a BUY stop triggers when the best ask reaches its
trigger price (ask >= trigger), a SELL stop when the best bid does (bid <= trigger). For a
SMART stop the best ask and bid are consolidated over the venues that quote the symbol (the
lowest ask, the highest bid), so it triggers only once no venue offers a better price than the
trigger; a direct stop watches its own venue's quotes. Several stops triggered by one quote go
oldest first. Held stops are ACCEPTED with a venue order id ``ENGINE-STOP-<id>``, so a restart
finds them again in the open orders.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from tradecore.model.enums import OrderType, Side
from tradecore.model.identifiers import SMART, ClientOrderId, InstrumentId, Venue, VenueOrderId
from tradecore.model.market import Quote
from tradecore.model.orders import Order

HELD_PREFIX = "ENGINE-STOP-"
STOP_TYPES = frozenset({OrderType.STOP_MARKET, OrderType.STOP_LIMIT})


def held_id(coid: ClientOrderId) -> VenueOrderId:
    return VenueOrderId(f"{HELD_PREFIX}{coid}")


def is_held(order: Order) -> bool:
    vid = order.venue_order_id
    return vid is not None and vid.startswith(HELD_PREFIX)


def triggers(side: Side, trigger: Decimal, bid: Decimal | None, ask: Decimal | None) -> bool:
    if side is Side.BUY:
        return ask is not None and ask >= trigger
    return bid is not None and bid <= trigger


class StopBook:
    """Held stops per symbol, in arrival order, and the best quotes they watch."""

    def __init__(self) -> None:
        self._by_symbol: dict[str, dict[ClientOrderId, Order]] = {}
        self._quotes: dict[str, dict[Venue, Quote]] = {}

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_symbol.values())

    def __contains__(self, coid: object) -> bool:
        return any(coid in held for held in self._by_symbol.values())

    def hold(self, order: Order) -> None:
        self._by_symbol.setdefault(order.instrument_id.symbol, {})[order.client_order_id] = order

    def release(self, order: Order) -> bool:
        held = self._by_symbol.get(order.instrument_id.symbol)
        if held is None or held.pop(order.client_order_id, None) is None:
            return False
        if not held:
            del self._by_symbol[order.instrument_id.symbol]
        return True

    def rebuild(self, orders: Iterable[Order]) -> None:
        self._by_symbol.clear()
        for o in sorted(orders, key=lambda x: (x.created_ns, x.client_order_id)):
            if is_held(o):
                self.hold(o)

    def _best(self, iid: InstrumentId) -> tuple[Decimal | None, Decimal | None]:
        quotes = self._quotes.get(iid.symbol, {})
        if iid.venue != SMART:
            q = quotes.get(iid.venue)
            return (None, None) if q is None else (q.bid, q.ask)
        if not quotes:
            return None, None
        return max(q.bid for q in quotes.values()), min(q.ask for q in quotes.values())

    def on_quote(self, quote: Quote) -> list[Order]:
        """The stops this quote triggers (removed from the book), oldest first."""
        symbol = quote.instrument_id.symbol
        self._quotes.setdefault(symbol, {})[quote.instrument_id.venue] = quote
        held = self._by_symbol.get(symbol)
        if not held:
            return []
        fired = []
        for o in held.values():
            iid = o.instrument_id
            if iid.venue != SMART and iid.venue != quote.instrument_id.venue:
                continue
            bid, ask = self._best(iid)
            assert o.trigger_price is not None
            if triggers(o.side, o.trigger_price, bid, ask):
                fired.append(o)
        for o in fired:
            self.release(o)
        return fired
