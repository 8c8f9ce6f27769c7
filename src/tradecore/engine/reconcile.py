"""The one reconciliation, and what the execution module does after a report the sink could
not apply as it stood (:class:`~tradecore.engine.reports.FollowUp`).

:meth:`Reconciler.reconcile` applies what a venue's truthful ``order_status`` says and the
engine missed: the ack, each of the venue's trades by trade id with the venue's own price and
fee (exactly once), the close. Used by ack timeouts, status checks after a contradiction, and
recovery after a restart (docs/execution.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from tradecore.engine.port import ExecutionPort
from tradecore.engine.state import replacement
from tradecore.model.enums import LiquiditySide, OrderStatus, ReasonCode
from tradecore.model.identifiers import ClientOrderId, TradeId, Venue
from tradecore.model.orders import Order
from tradecore.model.values import Currency, Money
from tradecore.venues.protocol import VenueClient, VenueOrderStatus

S = OrderStatus


class Reconciler:
    def __init__(self, port: ExecutionPort, clients: Mapping[Venue, VenueClient]) -> None:
        self.port = port
        self.clients = clients
        self._doubts: dict[ClientOrderId, int] = {}

    def adopted(self, order: Order) -> None:
        """A venue acknowledged an order we had given up on. A direct order lives on (its
        owner sees it ACCEPTED); a child is cancelled unless its parent still needs it."""
        if order.parent_id is None or not order.is_open:
            return
        parent = self.port.orders.get(order.parent_id)
        needed = Decimal(0) if parent is None or parent.status.is_terminal else parent.leaves_qty
        if parent is not None and parent.status is S.PENDING_CANCEL:
            needed = Decimal(0)
        working = sum(
            (c.leaves_qty for c in self.port.orders.children(order.parent_id) if c.is_open),
            Decimal(0),
        )
        if working > needed and order.status is not S.PENDING_CANCEL:
            self.port.cancel(order)

    def doubt(self, order: Order) -> None:
        """The venue contradicted itself about ``order``: ask it, and apply what it says."""
        n = self._doubts.get(order.client_order_id, 0)
        if n >= 3:
            return  # asked three times already: the anomalies are in the journal
        self._doubts[order.client_order_id] = n + 1
        client = self.clients.get(order.instrument_id.venue)
        if client is not None:
            self.reconcile(order, client.order_status(order.client_order_id))

    def orphan_replacement(self, order: Order, new_id: ClientOrderId) -> None:
        """The venue replaced an order after it had filled: cancel what it may hold."""
        client = self.clients.get(order.instrument_id.venue)
        if client is not None:
            client.cancel(replacement(order, new_id, order.quantity, order.price))

    # ------------------------------------------------------------------ reconciliation
    def reconcile(self, order: Order, st: VenueOrderStatus) -> tuple[int, int, int]:
        """Apply what the venue says about ``order`` and we missed, exactly once: its ack,
        each of its trades (by trade id, with the venue's price and fee), its close.
        Returns (acks, fills, closes) applied. An order the venue does not know and never
        acknowledged is rejected (TIMEOUT) after a cancel is sent, so a late arrival cannot
        trade unseen; if it does arrive, its ack adopts it back (docs/execution.md)."""
        sink = self.port.sink
        coid = order.client_order_id
        client = self.clients[order.instrument_id.venue]
        if not st.known:
            if order.is_open and order.venue_order_id is None:
                client.cancel(order)
                sink.on_rejected(
                    coid, ReasonCode.TIMEOUT, "no ack and the venue does not know the order"
                )
            return 0, 0, 0
        acks = fills = closes = 0
        if order.venue_order_id is None and st.venue_order_id is not None:
            sink.on_accepted(coid, st.venue_order_id)
            acks = 1
        ccy = self._currency(order)
        if st.trades:
            for t in st.trades:
                if t.trade_id not in order.trade_ids:
                    fee = Money(t.fee, ccy)
                    sink.on_filled(coid, TradeId(t.trade_id), t.quantity, t.price, fee, t.liquidity)
                    fills += 1
        elif st.filled_qty > order.filled_qty and st.avg_px is not None:
            # the venue gave no trade list: one fill for the difference, at the price that
            # makes our notional equal the venue's, with an id naming what it covers
            missed = st.filled_qty - order.filled_qty
            px = (st.filled_qty * st.avg_px - order.notional) / missed
            tid = TradeId(f"{coid}-recon-{st.filled_qty}")
            sink.on_filled(coid, tid, missed, px, Money.zero(ccy), LiquiditySide.TAKER)  # unknown
            fills = 1
        if not st.open and st.filled_qty < order.quantity and (order.is_open or acks):
            sink.on_canceled(coid, "reconciled: not open at the venue")
            closes = 1
        return acks, fills, closes

    def _currency(self, order: Order) -> Currency:
        inst = self.port.instruments.get(order.instrument_id)
        return inst.quote if inst is not None else Currency.of("USD")
