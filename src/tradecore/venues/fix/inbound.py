"""What a FIX venue sends us, as the execution sink's calls (pure: fields in, reports out).

:func:`reports_of` maps one ExecutionReport (8) or OrderCancelReject (9) to the sink calls it
stands for, by ExecType (:data:`BY_EXEC_TYPE`); a resent report (PossDupFlag) maps the same
way, and the sink books a trade once by its id (the venue's ExecID), so a report that comes
twice is never booked twice. :func:`book_of` reads a MarketDataSnapshotFullRefresh (W).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from tradecore.fix import tags as T
from tradecore.fix.qf import groups
from tradecore.model.enums import LiquiditySide, ReasonCode
from tradecore.model.identifiers import ClientOrderId, InstrumentId
from tradecore.model.market import BookLevel, BookSnapshot
from tradecore.venues.protocol import VenueOrderStatus, VenueTrade

#: one report for the sink: (method name, arguments)
Call = tuple[str, tuple[Any, ...]]
LIQUIDITY = {"1": LiquiditySide.MAKER, "2": LiquiditySide.TAKER}
OPEN_STATUS = frozenset({"0", "1", "6", "A", "E"})


def decimal(f: dict[int, str], tag: int, default: str = "0") -> Decimal:
    try:
        return Decimal(f.get(tag, default) or default)
    except InvalidOperation:
        return Decimal(default)


def _order_id(f: dict[int, str], cancels: dict[str, ClientOrderId]) -> ClientOrderId:
    """The order a report is about: a cancel's answer names the cancel request's ClOrdID."""
    cl = f.get(T.CL_ORD_ID, "")
    if cl in cancels:
        return cancels[cl]
    return ClientOrderId(cl)


def _new(f: dict[int, str], cancels: dict[str, ClientOrderId]) -> list[Call]:
    return [("on_accepted", (_order_id(f, cancels), f.get(T.ORDER_ID, "")))]


def _trade(f: dict[int, str], cancels: dict[str, ClientOrderId]) -> list[Call]:
    trade = VenueTrade(
        f.get(T.EXEC_ID, ""), decimal(f, T.LAST_QTY), decimal(f, T.LAST_PX),
        decimal(f, T.COMMISSION), LIQUIDITY.get(f.get(T.LAST_LIQUIDITY_IND, ""),
                                                LiquiditySide.TAKER),
    )  # fmt: skip
    return [("fill", (_order_id(f, cancels), trade))]


def _canceled(f: dict[int, str], cancels: dict[str, ClientOrderId]) -> list[Call]:
    cl = f.get(T.CL_ORD_ID, "")
    coid = cancels.get(cl) or ClientOrderId(f.get(T.ORIG_CL_ORD_ID) or cl)
    return [("on_canceled", (coid, f.get(T.TEXT, "canceled by the venue")))]


def _replaced(f: dict[int, str], cancels: dict[str, ClientOrderId]) -> list[Call]:
    return [("on_replaced", (ClientOrderId(f.get(T.ORIG_CL_ORD_ID, "")), f.get(T.ORDER_ID, "")))]


def _rejected(f: dict[int, str], cancels: dict[str, ClientOrderId]) -> list[Call]:
    return [("on_rejected", (_order_id(f, cancels), ReasonCode.VENUE_REJECT,
                             f.get(T.TEXT, "rejected by the venue")))]  # fmt: skip


def _expired(f: dict[int, str], cancels: dict[str, ClientOrderId]) -> list[Call]:
    return [("on_expired", (_order_id(f, cancels),))]


def _nothing(f: dict[int, str], cancels: dict[str, ClientOrderId]) -> list[Call]:
    return []  # pending cancel / replace / new: the final answer follows


BY_EXEC_TYPE: dict[str, Callable[[dict[int, str], dict[str, ClientOrderId]], list[Call]]] = {
    T.EXEC_NEW: _new, T.EXEC_TRADE: _trade, T.EXEC_CANCELED: _canceled,
    T.EXEC_REPLACED: _replaced, T.EXEC_REJECTED: _rejected, T.EXEC_EXPIRED: _expired,
    T.EXEC_PENDING_CANCEL: _nothing, T.EXEC_PENDING_REPLACE: _nothing, "A": _nothing,
}  # fmt: skip


def reports_of(f: dict[int, str], cancels: dict[str, ClientOrderId]) -> list[Call]:
    """The sink calls one message from the venue stands for (none for a status answer)."""
    kind = f.get(T.MSG_TYPE)
    if kind == T.CANCEL_REJECT:
        cl = f.get(T.CL_ORD_ID, "")
        text = f.get(T.TEXT, "refused by the venue")
        if f.get(T.CXL_REJ_RESPONSE_TO) == "2":
            return [("on_replace_rejected", (ClientOrderId(f.get(T.ORIG_CL_ORD_ID, "")),
                                             ReasonCode.VENUE_REJECT, text))]  # fmt: skip
        coid = cancels.get(cl) or ClientOrderId(f.get(T.ORIG_CL_ORD_ID, ""))
        reason = ReasonCode.ORDER_NOT_OPEN if f.get(T.CXL_REJ_REASON) in ("0", "1") else (
            ReasonCode.VENUE_REJECT)  # fmt: skip
        return [("on_cancel_rejected", (coid, reason, text))]
    if kind != T.EXECUTION_REPORT:
        return []
    handler = BY_EXEC_TYPE.get(f.get(T.EXEC_TYPE, ""))
    return [] if handler is None else handler(f, cancels)


def status_of(f: dict[int, str], coid: ClientOrderId, trades: tuple[VenueTrade, ...]) -> (
    VenueOrderStatus
):  # fmt: skip
    """An ExecutionReport answering our OrderStatusRequest: OrdStatus 8 with no OrderID is
    an order the venue does not know. ``trades``: the venue's trades we have seen (the FIX
    session delivers every one, in sequence, resent after a gap)."""
    known = not (f.get(T.ORD_STATUS) == "8" and f.get(T.ORDER_ID, "NONE") == "NONE")
    avg = decimal(f, T.AVG_PX)
    return VenueOrderStatus(
        coid, f.get(T.ORDER_ID) if known else None, known,  # type: ignore[arg-type]
        f.get(T.ORD_STATUS) in OPEN_STATUS, decimal(f, T.CUM_QTY), avg if avg else None, trades,
    )  # fmt: skip


def book_of(f: dict[int, str], raw: str, venue: str, ts: int, version: int) -> BookSnapshot:
    """A MarketDataSnapshotFullRefresh: bids (269=0) best first, offers (269=1) best first."""
    bids: list[BookLevel] = []
    asks: list[BookLevel] = []
    for e in groups(raw, T.NO_MD_ENTRIES, T.MD_ENTRY_TYPE):
        lv = BookLevel(decimal(e, T.MD_ENTRY_PX), decimal(e, T.MD_ENTRY_SIZE))
        (bids if e.get(T.MD_ENTRY_TYPE) == "0" else asks).append(lv)
    bids.sort(key=lambda lv: -lv.price)
    asks.sort(key=lambda lv: lv.price)
    iid = InstrumentId.of(f.get(T.SYMBOL, ""), venue)
    return BookSnapshot(iid, tuple(bids), tuple(asks), ts, version)
