"""The execution sink: every venue report, in every order state, has a defined outcome.

Venues send late, duplicate, out-of-order and unknown reports every day. Each report is looked
up in :data:`TABLE` by (report, the order's status) and gets one of the :class:`Outcome` s:
applied as an event, adopted (the venue acknowledged an order we had given up on), or, when it
cannot be applied as it stands, journaled as a :class:`~tradecore.model.events.ReportAnomaly`
with its reason and counted. A report handler never raises. docs/execution.md prints the table.

Some outcomes need venue I/O afterwards (cancel an adopted child whose parent is done, ask the
venue for the status of an order it contradicted itself about): the sink tells its
:class:`FollowUp` (the execution module), after the report's events are applied.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Final, Protocol

from tradecore.model.enums import LiquiditySide, OrderStatus, ReasonCode
from tradecore.model.events import (
    Event,
    OrderAccepted,
    OrderAdopted,
    OrderCanceled,
    OrderCancelRejected,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
    OrderReplaceRejected,
    ReportAnomaly,
)
from tradecore.model.identifiers import AccountId, ClientOrderId, TradeId, VenueOrderId
from tradecore.model.orders import Order
from tradecore.model.values import Money

if TYPE_CHECKING:
    from tradecore.engine.core import Engine

S = OrderStatus
_SUBMITTED: Final = S.SUBMITTED  # read on every ack (an Enum.MEMBER read is slow on 3.11)


class Report(StrEnum):
    ACK = "ACK"
    REJECT = "REJECT"
    FILL = "FILL"
    CANCELED = "CANCELED"
    CANCEL_REJECT = "CANCEL_REJECT"
    REPLACED = "REPLACED"
    REPLACE_REJECT = "REPLACE_REJECT"
    EXPIRED = "EXPIRED"


class Outcome(StrEnum):
    APPLY = "APPLY"  # the report's event is emitted and applied
    ADOPT = "ADOPT"  # a late ack/fill of an order we gave up on: live again, then applied
    LATE = "LATE"  # about an order already closed: nothing to change (journaled)
    DUPLICATE = "DUPLICATE"  # said before (same trade id, second ack): ignored (journaled)
    CONTRADICTION = "CONTRADICTION"  # contradicts what the venue said: ignored, status asked
    UNEXPECTED = "UNEXPECTED"  # about an order never sent to a venue: ignored (journaled)


A, L, U, C, D = (
    Outcome.APPLY,
    Outcome.LATE,
    Outcome.UNEXPECTED,
    Outcome.CONTRADICTION,
    Outcome.DUPLICATE,
)
_COLUMNS = (S.INITIALIZED, S.DENIED, S.SUBMITTED, S.ACCEPTED, S.PARTIALLY_FILLED,
            S.PENDING_CANCEL, S.PENDING_REPLACE, S.FILLED, S.CANCELED, S.EXPIRED,
            S.REJECTED, S.REPLACED)  # fmt: skip
# One row per report, one cell per status in _COLUMNS order. Special cases decided before the
# table (see ReportSink): an unknown order id; a fill whose trade id was booked already; a fill
# larger than the order's leaves; a fill or ack for an order we rejected after a timeout
# (adopted); a fill for a REPLACED order (booked on its replacement); an ack that repeats.
_ROWS: dict[Report, tuple[Outcome, ...]] = {
    #                     INIT DENIED SUBM ACC PART PCXL PRPL FILLED CXLD EXP REJ REPL
    Report.ACK:            (U, U, A, D, A, A, A, L, L, L, C, L),
    Report.REJECT:         (U, U, A, C, C, A, C, L, L, L, D, L),
    Report.FILL:           (U, U, A, A, A, A, A, C, A, A, C, A),
    Report.CANCELED:       (U, U, A, A, A, A, A, L, D, L, L, L),
    Report.CANCEL_REJECT:  (U, U, L, L, L, A, L, L, L, L, L, L),
    Report.REPLACED:       (U, U, C, C, C, C, A, C, L, L, L, D),
    Report.REPLACE_REJECT: (U, U, L, L, L, L, A, L, L, L, L, L),
    Report.EXPIRED:        (U, U, A, A, A, A, A, L, L, D, L, L),
}  # fmt: skip
TABLE: dict[tuple[Report, OrderStatus], Outcome] = {
    (r, s): cells[i] for r, cells in _ROWS.items() for i, s in enumerate(_COLUMNS)
}


#: statuses in which a fill of a top-level order is applied with no special case
_FILL_PLAIN = frozenset({S.SUBMITTED, S.ACCEPTED, S.PARTIALLY_FILLED})
assert all(TABLE[(Report.FILL, s)] is Outcome.APPLY for s in _FILL_PLAIN)


class FollowUp(Protocol):
    """What the execution module does after a report that needs venue I/O."""

    def adopted(self, order: Order) -> None: ...

    def doubt(self, order: Order) -> None: ...

    def orphan_replacement(self, order: Order, new_id: ClientOrderId) -> None: ...


class ReportSink:
    """The engine's :class:`~tradecore.venues.protocol.ExecutionSink`."""

    def __init__(self, engine: Engine) -> None:
        self._e = engine
        self._by_id = engine.state._by_id
        self.followup: FollowUp | None = None

    # ------------------------------------------------------------------ ExecutionSink
    def on_accepted(self, coid: ClientOrderId, venue_order_id: VenueOrderId) -> None:
        self._e._report(self._accepted, coid, venue_order_id)

    def on_rejected(self, coid: ClientOrderId, reason: ReasonCode, message: str) -> None:
        self._e._report(self._rejected, coid, reason, message)

    def on_filled(
        self, coid: ClientOrderId, trade_id: TradeId, quantity: Decimal, price: Decimal,
        fee: Money, liquidity: LiquiditySide,
    ) -> None:  # fmt: skip
        self._e._report(self._filled, coid, trade_id, quantity, price, fee, liquidity)

    def on_canceled(self, coid: ClientOrderId, message: str = "") -> None:
        self._e._report(self._simple, Report.CANCELED, coid, None, message)

    def on_cancel_rejected(self, coid: ClientOrderId, reason: ReasonCode, message: str) -> None:
        self._e._report(self._simple, Report.CANCEL_REJECT, coid, reason, message)

    def on_replaced(self, coid: ClientOrderId, venue_order_id: VenueOrderId) -> None:
        self._e._report(self._replaced, coid, venue_order_id)

    def on_replace_rejected(self, coid: ClientOrderId, reason: ReasonCode, message: str) -> None:
        self._e._report(self._simple, Report.REPLACE_REJECT, coid, reason, message)

    def on_expired(self, coid: ClientOrderId) -> None:
        self._e._report(self._simple, Report.EXPIRED, coid, None, "")

    # ------------------------------------------------------------------ outcomes
    def _anomaly(
        self, coid: ClientOrderId, account: str, report: Report, status: str, kind: str,
        outcome: str, detail: str = "",
    ) -> None:  # fmt: skip
        seq, ts = self._e._next()
        self._e._emit(
            ReportAnomaly(seq, ts, coid, AccountId(account), report.value, status, kind,
                          outcome, detail)
        )  # fmt: skip

    def _unknown(self, report: Report, coid: ClientOrderId, detail: str) -> None:
        self._anomaly(coid, "", report, "", "UNKNOWN_ORDER", "ignored", detail)

    def _ignored(self, o: Order, report: Report, outcome: Outcome, detail: str) -> None:
        self._anomaly(
            o.client_order_id, o.account, report, o.status.value, outcome.value, "ignored", detail
        )
        if outcome is Outcome.CONTRADICTION:
            self._follow("doubt", o)

    def _follow(self, what: str, o: Order, *args: object) -> None:
        f = self.followup
        if f is not None and not self._e.replaying:
            self._e.defer(getattr(f, what), o, *args)

    def _adopt(self, o: Order, vid: VenueOrderId | None, report: Report) -> None:
        seq, ts = self._e._next()
        vid = vid or o.venue_order_id or VenueOrderId("")
        self._e._emit(OrderAdopted(seq, ts, o.client_order_id, o.account, vid))
        self._follow("adopted", o)

    def _accepted(self, coid: ClientOrderId, vid: VenueOrderId) -> None:
        o = self._by_id.get(coid)
        if o is not None and o.status is _SUBMITTED:  # the common case: TABLE says APPLY
            e = self._e
            e.seq = seq = e.seq + 1
            e._emit(OrderAccepted(seq, e.clock.now_ns(), coid, o.account, vid))
            return
        if o is None:
            self._unknown(Report.ACK, coid, f"venue order id {vid}")
            return
        if o.status is S.REJECTED and o.timed_out:
            self._adopt(o, vid, Report.ACK)
            return
        outcome = TABLE[(Report.ACK, o.status)]
        if outcome is Outcome.APPLY and o.venue_order_id is not None:
            outcome = Outcome.DUPLICATE  # fill before ack, then the ack: nothing new
        if outcome is not Outcome.APPLY:
            self._ignored(o, Report.ACK, outcome, f"venue order id {vid}")
            return
        seq, ts = self._e._next()
        self._e._emit(OrderAccepted(seq, ts, coid, o.account, vid))

    def _rejected(self, coid: ClientOrderId, reason: ReasonCode, message: str) -> None:
        o = self._by_id.get(coid)
        if o is None:
            self._unknown(Report.REJECT, coid, f"{reason.value}: {message}")
            return
        outcome = TABLE[(Report.REJECT, o.status)]
        if outcome is Outcome.APPLY and o.status is S.PENDING_CANCEL and o.venue_order_id:
            outcome = Outcome.CONTRADICTION  # acknowledged before, rejected now
        if outcome is not Outcome.APPLY:
            self._ignored(o, Report.REJECT, outcome, f"{reason.value}: {message}")
            return
        seq, ts = self._e._next()
        self._e._emit(OrderRejected(seq, ts, coid, o.account, reason, message))

    def _filled(
        self, coid: ClientOrderId, trade_id: TradeId, qty: Decimal, price: Decimal, fee: Money,
        liquidity: LiquiditySide,
    ) -> None:  # fmt: skip
        o = self._by_id.get(coid)
        if (  # the common case (TABLE says APPLY, nothing special): book it
            o is not None
            and o.status in _FILL_PLAIN
            and trade_id not in o.trade_ids
            and qty > 0
            and price > 0
            and qty <= o.quantity - o.filled_qty
            and (o.parent_id is None or self._parent_has_room(o.parent_id, qty))
        ):
            e = self._e
            e.seq = seq = e.seq + 1
            ts = e.clock.now_ns()
            e._emit(
                OrderFilled(
                    seq, ts, coid, o.account, o.instrument_id, o.venue_order_id or VenueOrderId(""),
                    trade_id, o.side, qty, price, fee, liquidity, o.parent_id,
                )
            )  # fmt: skip
            return
        if o is None:
            self._unknown(Report.FILL, coid, _trade(trade_id, qty, price))
            return
        while o.status is S.REPLACED and o.replaced_by is not None:
            nxt = self._by_id.get(o.replaced_by)  # the fill belongs to the live replacement
            if nxt is None:
                break
            o = nxt
        if trade_id in o.trade_ids:
            self._ignored(o, Report.FILL, Outcome.DUPLICATE, _trade(trade_id, qty, price))
            return
        if not (qty > 0 and price > 0):
            detail = f"{_trade(trade_id, qty, price)}: not positive"
            self._ignored(o, Report.FILL, Outcome.CONTRADICTION, detail)
            return
        if o.status is S.REJECTED and o.timed_out:
            self._adopt(o, None, Report.FILL)
        outcome = TABLE[(Report.FILL, o.status)]
        if outcome is not Outcome.APPLY:
            self._ignored(o, Report.FILL, outcome, _trade(trade_id, qty, price))
            return
        if qty > o.quantity - o.filled_qty:
            detail = f"{_trade(trade_id, qty, price)}: more than the {o.leaves_qty} left"
            self._anomaly(o.client_order_id, o.account, Report.FILL, o.status.value,
                          "OVERFILL", "ignored", detail)  # fmt: skip
            self._follow("doubt", o)
            return
        pid = o.parent_id
        if pid is not None:
            parent = self._by_id.get(pid)
            if parent is not None and qty > parent.quantity - parent.filled_qty:
                detail = (
                    f"{_trade(trade_id, qty, price)} on child {o.client_order_id}: the venue "
                    f"executed more than the parent's {parent.leaves_qty} left"
                )
                self._anomaly(pid, parent.account, Report.FILL, parent.status.value,
                              "OVERFILL", "booked", detail)  # fmt: skip
        seq, ts = self._e._next()
        self._e._emit(
            OrderFilled(
                seq, ts, o.client_order_id, o.account, o.instrument_id,
                o.venue_order_id or VenueOrderId(""), trade_id, o.side, qty, price, fee,
                liquidity, pid,
            )
        )  # fmt: skip

    def _parent_has_room(self, pid: ClientOrderId, qty: Decimal) -> bool:
        parent = self._by_id.get(pid)
        return parent is not None and qty <= parent.quantity - parent.filled_qty

    def _replaced(self, coid: ClientOrderId, vid: VenueOrderId) -> None:
        o = self._by_id.get(coid)
        if o is None:
            self._unknown(Report.REPLACED, coid, f"venue order id {vid}")
            return
        outcome = TABLE[(Report.REPLACED, o.status)]
        p = self._e.state.pending_replace.get(coid)
        if outcome is Outcome.APPLY and p is not None:
            seq, ts = self._e._next()
            self._e._emit(
                OrderReplaced(seq, ts, coid, p.new_client_order_id, o.account, vid, p.quantity,
                              p.price)
            )  # fmt: skip
            return
        self._ignored(o, Report.REPLACED, outcome, f"venue order id {vid}")
        if o.status is S.FILLED and p is not None:
            # a replace acknowledged after the order filled: nothing may stay live unseen
            self._follow("orphan_replacement", o, p.new_client_order_id)

    def _simple(
        self, report: Report, coid: ClientOrderId, reason: ReasonCode | None, message: str
    ) -> None:
        detail = message if reason is None else f"{reason.value}: {message}"
        o = self._by_id.get(coid)
        if o is None:
            self._unknown(report, coid, detail)
            return
        outcome = TABLE[(report, o.status)]
        if outcome is not Outcome.APPLY:
            self._ignored(o, report, outcome, detail)
            return
        seq, ts = self._e._next()
        self._e._emit(_SIMPLE_EVENTS[report](seq, ts, o, reason, message))


def _trade(trade_id: str, qty: Decimal, price: Decimal) -> str:
    return f"trade {trade_id}: {qty} @ {price}"


_SIMPLE_EVENTS: dict[Report, Callable[[int, int, Order, ReasonCode | None, str], Event]] = {
    Report.CANCELED: lambda q, t, o, r, m: OrderCanceled(q, t, o.client_order_id, o.account, m),
    Report.EXPIRED: lambda q, t, o, r, m: OrderExpired(q, t, o.client_order_id, o.account),
    Report.CANCEL_REJECT: lambda q, t, o, r, m: OrderCancelRejected(
        q, t, o.client_order_id, o.account, r or ReasonCode.ORDER_NOT_OPEN, m
    ),
    Report.REPLACE_REJECT: lambda q, t, o, r, m: OrderReplaceRejected(
        q, t, o.client_order_id, o.account, r or ReasonCode.ORDER_NOT_OPEN, m
    ),
}


def table_markdown() -> str:
    """:data:`TABLE` as the markdown table docs/execution.md prints (a test compares them)."""
    head = "| report | " + " | ".join(s.value for s in _COLUMNS) + " |"
    rule = "|---" * (len(_COLUMNS) + 1) + "|"
    rows = [
        f"| {r.value} | " + " | ".join(TABLE[(r, s)].value for s in _COLUMNS) + " |" for r in Report
    ]
    return "\n".join([head, rule, *rows])
