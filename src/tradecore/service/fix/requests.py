"""FIX order entry messages -> the REST request models (the same validation, the same
refusals): NewOrderSingle -> :class:`~tradecore.service.models.OrderRequest`,
OrderCancelReplaceRequest -> :class:`~tradecore.service.models.ReplaceRequest`.

A field the model refuses is named by its FIX tag (``OrderQty(38): ...``), the REST field in
brackets, so a client reading either API's answers sees the same rule broken.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from tradecore.fix import tags as T
from tradecore.service.models import OrderRequest, ReplaceRequest

#: the REST field each FIX tag fills, and back (for error messages)
NOS_FIELDS: dict[int, str] = {
    T.CL_ORD_ID: "client_order_id", T.ACCOUNT: "account", T.SYMBOL: "symbol",
    T.EX_DESTINATION: "venue", T.SIDE: "side", T.ORD_TYPE: "type", T.ORDER_QTY: "quantity",
    T.PRICE: "price", T.TIME_IN_FORCE: "time_in_force", T.STOP_PX: "trigger_price",
    T.EXPIRE_TIME: "expire_ns", T.MAX_FLOOR: "display_qty", T.EXEC_INST: "post_only",
}  # fmt: skip
TAG_OF_FIELD = {v: k for k, v in NOS_FIELDS.items()}
TAG_NAMES = {
    T.CL_ORD_ID: "ClOrdID", T.ACCOUNT: "Account", T.SYMBOL: "Symbol",
    T.EX_DESTINATION: "ExDestination", T.SIDE: "Side", T.ORD_TYPE: "OrdType",
    T.ORDER_QTY: "OrderQty", T.PRICE: "Price", T.TIME_IN_FORCE: "TimeInForce",
    T.STOP_PX: "StopPx", T.EXPIRE_TIME: "ExpireTime", T.MAX_FLOOR: "MaxFloor",
    T.EXEC_INST: "ExecInst", T.ORIG_CL_ORD_ID: "OrigClOrdID",
}  # fmt: skip


class FixRefusal(Exception):
    """A message refused before it reaches the engine: reason code, text, the tag at fault."""

    def __init__(self, code: str, text: str, tag: int | None = None) -> None:
        super().__init__(text)
        self.code = code
        self.text = text
        self.tag = tag

    @property
    def message(self) -> str:
        return f"{self.code}: {self.text}"


def tag_label(tag: int) -> str:
    return f"{TAG_NAMES.get(tag, 'Tag')}({tag})"


def _code(table: dict[str, Any], tag: int, raw: str | None) -> Any:
    if raw is None:
        return None
    got = table.get(raw)
    if got is None:
        raise FixRefusal(T.VALIDATION_ERROR, f"{tag_label(tag)}: unsupported value {raw!r}", tag)
    return got


def expire_ns(raw: str | None) -> int | None:
    """ExpireTime (126), a UTCTimestamp ``YYYYMMDD-HH:MM:SS[.sss...]``, as int ns."""
    if raw is None:
        return None
    head, _, frac = raw.partition(".")
    try:
        dt = datetime.strptime(head, "%Y%m%d-%H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        raise FixRefusal(
            T.VALIDATION_ERROR, f"{tag_label(T.EXPIRE_TIME)}: not a UTCTimestamp", T.EXPIRE_TIME
        ) from None
    if frac and not (frac.isascii() and frac.isdigit()):  # '¹' is a digit to isdigit()
        raise FixRefusal(T.VALIDATION_ERROR, "ExpireTime(126): bad fraction", T.EXPIRE_TIME)
    return int(dt.timestamp()) * 1_000_000_000 + int((frac + "000000000")[:9] or 0)


def _refusal(e: ValidationError) -> FixRefusal:
    err = e.errors()[0]
    loc = str(err["loc"][0]) if err["loc"] else ""
    tag = TAG_OF_FIELD.get(loc)
    where = f"{tag_label(tag)} [{loc}]" if tag is not None else loc or "message"
    return FixRefusal(T.VALIDATION_ERROR, f"{where}: {err['msg']}", tag)


def order_request(f: dict[int, str], account: str) -> OrderRequest:
    """A NewOrderSingle as the REST order request (``account``: the session's, when the
    message names none). Raises :class:`FixRefusal` naming the tag."""
    body: dict[str, Any] = {
        "client_order_id": f.get(T.CL_ORD_ID, ""),
        "account": account,
        "symbol": f.get(T.SYMBOL, ""),
        "side": _code(T.SIDES, T.SIDE, f.get(T.SIDE)),
        "quantity": f.get(T.ORDER_QTY, ""),
    }
    optional: dict[str, Any] = {
        "venue": f.get(T.EX_DESTINATION),
        "type": _code(T.ORD_TYPES, T.ORD_TYPE, f.get(T.ORD_TYPE)),
        "price": f.get(T.PRICE),
        "time_in_force": _code(T.TIFS, T.TIME_IN_FORCE, f.get(T.TIME_IN_FORCE)),
        "trigger_price": f.get(T.STOP_PX),
        "expire_ns": expire_ns(f.get(T.EXPIRE_TIME)),
        "display_qty": f.get(T.MAX_FLOOR),
    }
    body.update({k: v for k, v in optional.items() if v is not None})
    if T.POST_ONLY_INST in f.get(T.EXEC_INST, "").split():
        body["post_only"] = True
    try:
        return OrderRequest.model_validate(body)
    except ValidationError as e:
        raise _refusal(e) from None


def replace_request(f: dict[int, str], account: str) -> ReplaceRequest:
    """An OrderCancelReplaceRequest: the new ClOrdID, quantity and price."""
    body: dict[str, Any] = {"account": account, "new_client_order_id": f.get(T.CL_ORD_ID, "")}
    if T.ORDER_QTY in f:
        body["quantity"] = f[T.ORDER_QTY]
    if T.PRICE in f:
        body["price"] = f[T.PRICE]
    try:
        return ReplaceRequest.model_validate(body)
    except ValidationError as e:
        err = e.errors()[0]
        loc = str(err["loc"][0]) if err["loc"] else ""
        tag = {"new_client_order_id": T.CL_ORD_ID, "quantity": T.ORDER_QTY,
               "price": T.PRICE}.get(loc)  # fmt: skip
        where = f"{tag_label(tag)} [{loc}]" if tag is not None else loc
        raise FixRefusal(T.VALIDATION_ERROR, f"{where}: {err['msg']}", tag) from None
