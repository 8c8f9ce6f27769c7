"""Validation of commands at the engine's boundary, before any event exists.

A command built in Python can carry anything: a float quantity, a 60-digit Decimal, ``NaN``, a
string where an enum belongs. Each of those would otherwise fail deep in the engine after
``OrderInitialized`` was emitted, leaving a ghost order. Here each field is checked for its
type, finiteness and size; the answer is a :class:`~tradecore.model.denial.Denial` naming the
field and the reason (``INVALID_ORDER``), or the command with exact ints turned into Decimals.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from tradecore.model.commands import CancelOrder, ReplaceOrder, SubmitOrder
from tradecore.model.denial import Denial
from tradecore.model.enums import OrderType, ReasonCode, Side, TimeInForce
from tradecore.model.identifiers import InstrumentId
from tradecore.model.instrument import Instrument
from tradecore.model.order_checks import check_shape
from tradecore.model.orders import Order

#: significant digits a quantity or price may have (the decimal context computes with 28)
MAX_DIGITS = 18
#: the largest magnitude accepted for a quantity or price
MAX_VALUE = Decimal(10) ** 15


def _deny(field: str, reason: str) -> Denial:
    return Denial(ReasonCode.INVALID_ORDER, f"{field}: {reason}", "validation")


def _exact(field: str, value: object, *, optional: bool = False) -> Decimal | Denial | None:
    """The value as an exact, finite, bounded Decimal (ints are exact), else a Denial."""
    if value is None:
        return None if optional else _deny(field, "is required")
    if isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except InvalidOperation:
            return _deny(field, f"is not a number: {value!r}")
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        kind = type(value).__name__
        hint = " (binary floats are not exact: pass a Decimal or a string)"
        return _deny(
            field, f"must be a Decimal, got {kind} {value!r}{hint if kind == 'float' else ''}"
        )
    d = value if isinstance(value, Decimal) else Decimal(value)
    if not d.is_finite():
        return _deny(field, f"must be finite, got {d}")
    if len(d.as_tuple().digits) > MAX_DIGITS:
        return _deny(field, f"has more than {MAX_DIGITS} significant digits")
    if abs(d) >= MAX_VALUE:
        return _deny(field, f"must be below {MAX_VALUE:,}")
    return d


def multiple_of(value: Decimal, step: Decimal) -> bool:
    """``value`` is a whole number of ``step`` (False when the quotient is out of range)."""
    try:
        return value % step == 0
    except InvalidOperation:
        return False


_ENUMS: tuple[tuple[str, type[Any]], ...] = (
    ("side", Side),
    ("order_type", OrderType),
    ("time_in_force", TimeInForce),
)


def _text(field: str, value: object, *, empty: bool = False) -> Denial | None:
    if not isinstance(value, str):
        return _deny(field, f"must be a string, got {type(value).__name__}")
    if not empty and not value.strip():
        return _deny(field, "must not be empty")
    return None


def _fine(d: Decimal) -> bool:
    """Surely finite, below MAX_VALUE and within MAX_DIGITS (cheap: ``as_tuple`` costs ~1 us);
    a value this cannot vouch for goes through the exact checks of the slow path."""
    return d.is_finite() and d.adjusted() < 15 and len(str(d)) <= MAX_DIGITS


#: the field types of a command the fast path takes as it is (anything else: the slow path)
_PLAIN_TYPES = frozenset(
    (q, p, Side, OrderType, TimeInForce, InstrumentId, str, str, str, bool, bool)
    for q in (Decimal,)
    for p in (Decimal, type(None))
)


def validate_submit(cmd: SubmitOrder) -> SubmitOrder | Denial:
    """The command with exact values, or why it is refused."""
    q, p = cmd.quantity, cmd.price
    try:
        if (  # the common case, in one expression (this runs on every order)
            (
                q.__class__, p.__class__, cmd.side.__class__, cmd.order_type.__class__,
                cmd.time_in_force.__class__, cmd.instrument_id.__class__,
                cmd.client_order_id.__class__, cmd.account.__class__, cmd.tag.__class__,
                cmd.post_only.__class__, cmd.reduce_only.__class__,
            ) in _PLAIN_TYPES
            and cmd.client_order_id.strip()
            and cmd.account.strip()
            and _fine(q)
            and (p is None or _fine(p))
        ):  # fmt: skip
            return cmd
    except TypeError:  # compiled (mypyc): reading a str/bool field that holds another type
        pass
    return _validate_submit(cmd)


def _validate_submit(cmd: SubmitOrder) -> SubmitOrder | Denial:
    for field in ("client_order_id", "account"):
        d = _text(field, getattr(cmd, field))
        if d is not None:
            return d
    if not isinstance(cmd.instrument_id, InstrumentId):
        return _deny("instrument_id", f"must be an InstrumentId, got {cmd.instrument_id!r}")
    for field, enum in _ENUMS:
        if not isinstance(getattr(cmd, field), enum):
            return _deny(field, f"must be a {enum.__name__}, got {getattr(cmd, field)!r}")
    for field in ("post_only", "reduce_only"):
        if not isinstance(getattr(cmd, field), bool):
            return _deny(field, "must be true or false")
    raw: Any = cmd  # untyped read: compiled code would check a str field's type as it reads it
    tag = _text("tag", raw.tag, empty=True)
    if tag is not None:
        return tag
    qty = _exact("quantity", cmd.quantity)
    if isinstance(qty, Denial):
        return qty
    price = _exact("price", cmd.price, optional=True)
    if isinstance(price, Denial):
        return price
    if qty is not cmd.quantity or price is not cmd.price:
        return msgspec.structs.replace(cmd, quantity=qty, price=price)
    return cmd


def validate_replace(cmd: ReplaceOrder) -> ReplaceOrder | Denial:
    for field in ("client_order_id", "new_client_order_id", "account"):
        d = _text(field, getattr(cmd, field))
        if d is not None:
            return d
    qty = _exact("quantity", cmd.quantity, optional=True)
    if isinstance(qty, Denial):
        return qty
    price = _exact("price", cmd.price, optional=True)
    if isinstance(price, Denial):
        return price
    if qty is None and price is None:
        return _deny("quantity", "a replace needs a new quantity or a new price")
    if qty is not cmd.quantity or price is not cmd.price:
        return msgspec.structs.replace(cmd, quantity=qty, price=price)
    return cmd


def validate_cancel(cmd: CancelOrder) -> Denial | None:
    """A cancel whose ids are not strings names no order: the answer the order lookup gives
    (``unknown order``), decided before it because compiled code (``make fast``) checks a
    ``str`` field's type as it reads it."""
    raw: Any = cmd
    if isinstance(raw.client_order_id, str) and isinstance(raw.account, str):
        return None
    return Denial(ReasonCode.INVALID_ORDER, f"unknown order {raw.client_order_id}")


def static_check(o: Order, inst: Instrument | None, now_ns: int) -> Denial | None:
    """The instrument's quantity rules, then the order's shape (:mod:`order_checks`)."""
    R = ReasonCode
    if inst is None:
        return Denial(R.UNKNOWN_INSTRUMENT, f"unknown instrument {o.instrument_id}")
    if o.quantity <= 0:
        return Denial(R.INVALID_ORDER, f"quantity {o.quantity} must be > 0")
    if not multiple_of(o.quantity, inst.lot_size):
        return Denial(
            R.OFF_LOT_QUANTITY, f"quantity {o.quantity} not a multiple of lot {inst.lot_size}"
        )
    if o.quantity < inst.min_quantity:
        return Denial(
            R.BELOW_MIN_QUANTITY, f"quantity {o.quantity} below minimum {inst.min_quantity}"
        )
    if inst.max_quantity is not None and o.quantity > inst.max_quantity:
        return Denial(
            R.ABOVE_MAX_QUANTITY, f"quantity {o.quantity} above maximum {inst.max_quantity}"
        )
    return check_shape(o, inst, now_ns)
