"""What the gateway writes: ExecutionReport (8), OrderCancelReject (9), OrderMassCancelReport
(r), as ``(msg type, fields)`` built from an order's state, pure (no QuickFIX here).

Decimals are written as they are (``str(Decimal)``, never through a float): FIX's Qty, Price
and Amt types are decimal strings, so exact values go out exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tradecore.fix import tags as T
from tradecore.model.enums import ReasonCode
from tradecore.model.orders import Order

Outgoing = tuple[str, list[tuple[int, str]]]
ZERO = Decimal(0)


def dec(v: Decimal) -> str:
    """A decimal as FIX writes it: no exponent, no binary float on the way."""
    s = format(v, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s or "0"


def utc(ts_ns: int) -> str:
    """A UTCTimestamp with milliseconds (FIX 4.4)."""
    dt = datetime.fromtimestamp(ts_ns // 1_000_000_000, tz=UTC)
    return f"{dt:%Y%m%d-%H:%M:%S}.{(ts_ns // 1_000_000) % 1000:03d}"


def order_fields(order: Order, ts_ns: int) -> list[tuple[int, str]]:
    """The order's side of every ExecutionReport: identity, instrument, quantities."""
    out = [
        (T.ORDER_ID, str(order.client_order_id)),
        (T.CL_ORD_ID, str(order.client_order_id)),
        (T.ACCOUNT, str(order.account)),
        (T.SYMBOL, order.instrument_id.symbol),
        (T.SIDE, T.SIDE_CODES[order.side]),
        (T.ORDER_QTY, dec(order.quantity)),
        (T.ORD_TYPE, T.ORD_TYPE_CODES[order.order_type]),
    ]
    if order.price is not None:
        out.append((T.PRICE, dec(order.price)))
    out += [
        (T.ORD_STATUS, T.STATUS_CODE[order.status]),
        (T.LEAVES_QTY, dec(order.leaves_qty if order.is_open else ZERO)),
        (T.CUM_QTY, dec(order.filled_qty)),
        (T.AVG_PX, dec(order.avg_px if order.avg_px is not None else ZERO)),
        (T.TRANSACT_TIME, utc(ts_ns)),
    ]
    return out


def execution_report(
    order: Order,
    exec_type: str,
    exec_id: str,
    ts_ns: int,
    *,
    orig: str | None = None,
    last: tuple[Decimal, Decimal] | None = None,
    reason: ReasonCode | str | None = None,
    text: str = "",
) -> Outgoing:
    """One ExecutionReport about ``order``. ``last``: (LastQty, LastPx) of a trade;
    ``reason``: a rejection's reason code (OrdRejReason from it, the code first in Text)."""
    f = [(T.EXEC_ID, exec_id), (T.EXEC_TYPE, exec_type), *order_fields(order, ts_ns)]
    if orig is not None:
        f.append((T.ORIG_CL_ORD_ID, orig))
    if last is not None:
        f += [(T.LAST_QTY, dec(last[0])), (T.LAST_PX, dec(last[1]))]
    if reason is not None:
        rej = T.REJ_REASON_OF.get(reason, T.OTHER) if isinstance(reason, ReasonCode) else T.OTHER
        f.append((T.ORD_REJ_REASON, rej))
        text = f"{reason}: {text}" if text else str(reason)
    if text:
        f.append((T.TEXT, text[:500]))
    return T.EXECUTION_REPORT, f


def bare_reject(
    req: dict[int, str], exec_id: str, ts_ns: int, reason: str, text: str, account: str
) -> Outgoing:
    """A rejected NewOrderSingle that never became an order (refused before the engine, or
    by its validation): echoes what the message said."""
    f = [
        (T.ORDER_ID, "NONE"), (T.EXEC_ID, exec_id), (T.EXEC_TYPE, T.EXEC_REJECTED),
        (T.ORD_STATUS, "8"), (T.CL_ORD_ID, req.get(T.CL_ORD_ID, "") or "NONE"),
        (T.ACCOUNT, account), (T.SYMBOL, req.get(T.SYMBOL, "") or "NONE"),
        (T.SIDE, req.get(T.SIDE, "1") if req.get(T.SIDE) in T.SIDES else "1"),
        (T.LEAVES_QTY, "0"), (T.CUM_QTY, "0"), (T.AVG_PX, "0"), (T.TRANSACT_TIME, utc(ts_ns)),
        (T.ORD_REJ_REASON, _rej_reason(reason)), (T.TEXT, f"{reason}: {text}"[:500]),
    ]  # fmt: skip
    return T.EXECUTION_REPORT, [(t, v) for t, v in f if v]  # no empty Account(1)


def _rej_reason(reason: str) -> str:
    try:
        return T.REJ_REASON_OF.get(ReasonCode(reason), T.OTHER)
    except ValueError:
        return {T.NOT_FOUND: "5", T.ACCOUNT_FORBIDDEN: "15", T.DUPLICATE_ID: "6"}.get(
            reason, T.OTHER
        )


def cancel_reject(
    req: dict[int, str], order: Order | None, response_to: str, reason: str, text: str
) -> Outgoing:
    """OrderCancelReject for a cancel (``response_to`` "1") or replace ("2") request."""
    try:
        code = T.CXL_REASON_OF.get(ReasonCode(reason), T.OTHER)
    except ValueError:
        code = T.CXL_UNKNOWN if reason == T.NOT_FOUND else T.OTHER
    f = [
        (T.ORDER_ID, "NONE" if order is None else str(order.client_order_id)),
        (T.CL_ORD_ID, req.get(T.CL_ORD_ID, "") or "NONE"),
        (T.ORIG_CL_ORD_ID, req.get(T.ORIG_CL_ORD_ID, "") or "NONE"),
        (T.ORD_STATUS, "8" if order is None else T.STATUS_CODE[order.status]),
        (T.CXL_REJ_RESPONSE_TO, response_to),
        (T.CXL_REJ_REASON, code),
        (T.TEXT, f"{reason}: {text}"[:500]),
    ]
    if order is not None:
        f.insert(3, (T.ACCOUNT, str(order.account)))
    return T.CANCEL_REJECT, f


def mass_cancel_report(req: dict[int, str], response: str, affected: int, text: str) -> Outgoing:
    f = [
        (T.CL_ORD_ID, req.get(T.CL_ORD_ID, "")),
        (T.ORDER_ID, req.get(T.CL_ORD_ID, "") or "NONE"),
        (T.MASS_CANCEL_REQUEST_TYPE, req.get(T.MASS_CANCEL_REQUEST_TYPE, "7")),
        (T.MASS_CANCEL_RESPONSE, response),
        (T.TOTAL_AFFECTED, str(affected)),
    ]
    if text:
        f.append((T.TEXT, text[:500]))
    return T.MASS_CANCEL_REPORT, f
