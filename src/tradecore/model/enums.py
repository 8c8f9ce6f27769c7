"""Enumerations of the order model and the machine-readable reason codes."""

from __future__ import annotations

from enum import StrEnum, unique


@unique
class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"

    @property
    def sign(self) -> int:
        return _SIGN[self]

    @property
    def opposite(self) -> Side:
        return _OPPOSITE[self]


# module dicts, not Side.X reads: on CPython 3.11 each Enum.MEMBER read goes through
# EnumType.__getattr__'s slow attribute hook (these two run on every order)
_SIGN: dict[Side, int] = {Side.BUY: 1, Side.SELL: -1}
_OPPOSITE: dict[Side, Side] = {Side.BUY: Side.SELL, Side.SELL: Side.BUY}


@unique
class OrderType(StrEnum):
    MARKET = "MARKET"
    LIMIT = "LIMIT"
    STOP_MARKET = "STOP_MARKET"  # a MARKET order once the venue's book reaches trigger_price
    STOP_LIMIT = "STOP_LIMIT"  # a LIMIT order at price once the book reaches trigger_price


@unique
class TimeInForce(StrEnum):
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"
    DAY = "DAY"  # expires at the instrument's session close (its calendar), else UTC midnight
    GTD = "GTD"  # good till the order's expire_ns


@unique
class StpMode(StrEnum):
    """Self-trade prevention at a venue, as Binance and Coinbase name the modes: what happens
    when an incoming order would trade with a resting order of the same account."""

    NONE = "NONE"  # they trade (both legs are reported)
    EXPIRE_TAKER = "EXPIRE_TAKER"  # the incoming order's remainder is expired
    EXPIRE_MAKER = "EXPIRE_MAKER"  # the resting order is expired; the incoming one goes on
    EXPIRE_BOTH = "EXPIRE_BOTH"  # both are expired


@unique
class LiquiditySide(StrEnum):
    MAKER = "MAKER"
    TAKER = "TAKER"


@unique
class AssetClass(StrEnum):
    CRYPTO = "CRYPTO"
    EQUITY = "EQUITY"
    FX = "FX"
    FUTURE = "FUTURE"


@unique
class OrderStatus(StrEnum):
    INITIALIZED = "INITIALIZED"
    DENIED = "DENIED"
    SUBMITTED = "SUBMITTED"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    PENDING_CANCEL = "PENDING_CANCEL"
    PENDING_REPLACE = "PENDING_REPLACE"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"
    REPLACED = "REPLACED"

    # plain attributes of each member, set below (read on every step of the order path:
    # an attribute read, not a property call)
    is_terminal: bool  # closed: no report can change it any more
    is_open: bool  # working at a venue (may still fill)


_TERMINAL = frozenset(
    {
        OrderStatus.DENIED,
        OrderStatus.REJECTED,
        OrderStatus.FILLED,
        OrderStatus.CANCELED,
        OrderStatus.EXPIRED,
        OrderStatus.REPLACED,
    }
)
TERMINAL = _TERMINAL  # for hot paths: a set lookup instead of a property call
_OPEN = frozenset(
    {
        OrderStatus.SUBMITTED,
        OrderStatus.ACCEPTED,
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.PENDING_CANCEL,
        OrderStatus.PENDING_REPLACE,
    }
)
for _s in OrderStatus:
    _s.is_terminal = _s in _TERMINAL
    _s.is_open = _s in _OPEN
del _s


@unique
class ReasonCode(StrEnum):
    """Why an order was refused (denied by us, or rejected by a venue). Machine-readable."""

    # validation
    INVALID_ORDER = "INVALID_ORDER"
    UNKNOWN_INSTRUMENT = "UNKNOWN_INSTRUMENT"
    UNKNOWN_VENUE = "UNKNOWN_VENUE"
    OFF_TICK_PRICE = "OFF_TICK_PRICE"
    OFF_LOT_QUANTITY = "OFF_LOT_QUANTITY"
    BELOW_MIN_QUANTITY = "BELOW_MIN_QUANTITY"
    ABOVE_MAX_QUANTITY = "ABOVE_MAX_QUANTITY"
    BELOW_MIN_NOTIONAL = "BELOW_MIN_NOTIONAL"
    DUPLICATE_CLIENT_ORDER_ID = "DUPLICATE_CLIENT_ORDER_ID"
    INVALID_EXPIRY = "INVALID_EXPIRY"  # GTD without an expire_ns in the future
    INVALID_COMBINATION = "INVALID_COMBINATION"  # e.g. post-only IOC, an iceberg that can't rest
    # pre-trade risk
    MAX_ORDER_QUANTITY = "MAX_ORDER_QUANTITY"
    MAX_ORDER_NOTIONAL = "MAX_ORDER_NOTIONAL"
    PRICE_BAND = "PRICE_BAND"
    NO_REFERENCE_PRICE = "NO_REFERENCE_PRICE"
    MAX_POSITION = "MAX_POSITION"
    GROSS_EXPOSURE = "GROSS_EXPOSURE"
    NET_EXPOSURE = "NET_EXPOSURE"
    CONCENTRATION = "CONCENTRATION"
    LEVERAGE = "LEVERAGE"
    ORDER_RATE = "ORDER_RATE"
    CANCEL_RATE = "CANCEL_RATE"
    DUPLICATE_ORDER = "DUPLICATE_ORDER"
    VAR_LIMIT = "VAR_LIMIT"
    CORRELATED_EXPOSURE = "CORRELATED_EXPOSURE"
    MARKET_CLOSED = "MARKET_CLOSED"
    SELF_TRADE = "SELF_TRADE"
    REDUCE_ONLY = "REDUCE_ONLY"
    TRADING_HALTED = "TRADING_HALTED"
    KILL_SWITCH = "KILL_SWITCH"
    # routing / venue
    NO_ROUTE = "NO_ROUTE"
    NO_LIQUIDITY = "NO_LIQUIDITY"
    VENUE_UNAVAILABLE = "VENUE_UNAVAILABLE"
    VENUE_REJECT = "VENUE_REJECT"
    POST_ONLY_WOULD_CROSS = "POST_ONLY_WOULD_CROSS"
    FOK_UNFILLABLE = "FOK_UNFILLABLE"
    TIMEOUT = "TIMEOUT"
    ORDER_NOT_OPEN = "ORDER_NOT_OPEN"
