"""The engine's static checks of an order's shape: its type, prices, time in force, expiry,
display quantity. Pure: ``check_shape(order, instrument, now_ns)`` -> a denial or None.

Each message starts with the field it is about. Reason codes: OFF_TICK_PRICE and
OFF_LOT_QUANTITY for values off the instrument's grid, INVALID_EXPIRY for a GTD order without
a future ``expire_ns``, INVALID_COMBINATION for fields that exclude each other (post-only with
IOC/FOK or a stop, an iceberg that cannot rest), INVALID_ORDER for everything else.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Final

from tradecore.model.denial import Denial
from tradecore.model.enums import OrderType, ReasonCode, TimeInForce
from tradecore.model.identifiers import SMART
from tradecore.model.instrument import Instrument
from tradecore.model.orders import Order

# enum members read on the hot path, bound once (on CPython 3.11 each Enum.MEMBER read
# goes through EnumType.__getattr__'s slow attribute hook)
_GTD: Final = TimeInForce.GTD
_LIMIT: Final = OrderType.LIMIT
_MARKET: Final = OrderType.MARKET
_STOP_LIMIT: Final = OrderType.STOP_LIMIT
_STOP_MARKET: Final = OrderType.STOP_MARKET


R = ReasonCode
_NOT_RESTING = (TimeInForce.IOC, TimeInForce.FOK)


def _off(value: Decimal, step: Decimal) -> bool:
    """``value`` is not a whole number of ``step`` (or too large to tell)."""
    try:
        return value % step != 0
    except InvalidOperation:
        return True


def _price(o: Order, inst: Instrument) -> Denial | None:
    if o.price is None:
        return Denial(R.INVALID_ORDER, f"price: a {o.order_type.value} order needs a price")
    if o.price <= 0:
        return Denial(R.INVALID_ORDER, f"price: {o.price} must be > 0")
    if _off(o.price, inst.tick_size):
        return Denial(R.OFF_TICK_PRICE, f"price {o.price} not a multiple of tick {inst.tick_size}")
    if inst.min_notional and o.quantity * o.price * inst.multiplier < inst.min_notional:
        return Denial(
            R.BELOW_MIN_NOTIONAL,
            f"notional {o.quantity * o.price} below minimum {inst.min_notional}",
        )
    return None


def _no_price(o: Order, inst: Instrument) -> Denial | None:
    if o.price is not None:
        return Denial(R.INVALID_ORDER, f"price: a {o.order_type.value} order takes no price")
    return None


def _trigger(o: Order, inst: Instrument) -> Denial | None:
    t = o.trigger_price
    if t is None:
        return Denial(R.INVALID_ORDER, f"trigger_price: a {o.order_type.value} order needs one")
    if t <= 0:
        return Denial(R.INVALID_ORDER, f"trigger_price: {t} must be > 0")
    if _off(t, inst.tick_size):
        return Denial(
            R.OFF_TICK_PRICE, f"trigger_price {t} not a multiple of tick {inst.tick_size}"
        )
    return None


def _no_trigger(o: Order, inst: Instrument) -> Denial | None:
    if o.trigger_price is not None:
        return Denial(
            R.INVALID_ORDER, f"trigger_price: a {o.order_type.value} order takes no trigger"
        )
    return None


_Check = Callable[[Order, Instrument], Denial | None]
#: per order type: its price checks, then its trigger checks
_BY_TYPE: dict[OrderType, tuple[_Check, _Check]] = {
    _LIMIT: (_price, _no_trigger),
    _MARKET: (_no_price, _no_trigger),
    _STOP_LIMIT: (_price, _trigger),
    _STOP_MARKET: (_no_price, _trigger),
}
_RESTS = frozenset({OrderType.LIMIT, OrderType.STOP_LIMIT})  # may rest on a book


def _combination(o: Order) -> Denial | None:
    if o.post_only:
        if o.order_type is not _LIMIT:
            return Denial(
                R.INVALID_COMBINATION,
                f"post_only: a {o.order_type.value} order cannot be post-only",
            )
        if o.time_in_force in _NOT_RESTING:
            return Denial(R.INVALID_COMBINATION, f"post_only: cannot be {o.time_in_force.value}")
    return None


def _expiry(o: Order, now_ns: int) -> Denial | None:
    if o.time_in_force is _GTD:
        if o.expire_ns is None:
            return Denial(R.INVALID_EXPIRY, "expire_ns: a GTD order needs an expiry time")
        if o.expire_ns <= now_ns:
            return Denial(R.INVALID_EXPIRY, f"expire_ns: {o.expire_ns} is not after now ({now_ns})")
    elif o.expire_ns is not None:
        return Denial(R.INVALID_COMBINATION, "expire_ns: only a GTD order takes an expiry time")
    return None


def _display(o: Order, inst: Instrument) -> Denial | None:
    d: Decimal | None = o.display_qty
    if d is None:
        return None
    if o.order_type not in _RESTS or o.time_in_force in _NOT_RESTING:
        return Denial(
            R.INVALID_COMBINATION,
            f"display_qty: an iceberg must be able to rest (not {o.order_type.value} "
            f"{o.time_in_force.value})",
        )
    if d <= 0 or d > o.quantity:
        return Denial(R.INVALID_ORDER, f"display_qty: {d} must be > 0 and <= quantity {o.quantity}")
    if _off(d, inst.lot_size):
        return Denial(R.OFF_LOT_QUANTITY, f"display_qty {d} not a multiple of lot {inst.lot_size}")
    return None


def check_shape(o: Order, inst: Instrument, now_ns: int) -> Denial | None:
    """The order-type checks of one order (quantity rules are the engine's own)."""
    if (  # the common shape (no trigger, iceberg, expiry or post-only): its price rule only
        o.trigger_price is None
        and o.display_qty is None
        and o.expire_ns is None
        and not o.post_only
        and o.time_in_force is not _GTD
    ):
        kind = o.order_type
        if kind is _MARKET:
            return None if o.price is None else _no_price(o, inst)
        if kind is _LIMIT:
            return _price(o, inst)
    by_type = _BY_TYPE.get(o.order_type)
    if by_type is None:
        return Denial(R.INVALID_ORDER, f"order_type: {o.order_type} is not supported")
    for check in by_type:
        d = check(o, inst)
        if d is not None:
            return d
    d = _combination(o) or _expiry(o, now_ns) or _display(o, inst)
    if d is not None:
        return d
    if o.instrument_id.venue == SMART and (o.display_qty is not None or o.expire_ns is not None):
        # SMART stops are held by the engine (engine/stops.py) and routed when triggered
        return Denial(
            R.INVALID_ORDER,
            "time_in_force: GTD and iceberg orders go to one venue; SMART routing of them is "
            "not supported",
        )
    return None
