"""One exception tree for tradecore.

A business "no" (a risk denial, a venue reject) is *data*: a
:class:`~tradecore.model.enums.ReasonCode` with a human message, carried by events such as
``OrderDenied``. Exceptions are for broken invariants and bad input only::

    TradecoreError
    ├── ValidationError            bad input; names the field and the reason
    │   ├── FloatNotAllowed        a binary float offered where exact money is required
    │   ├── OffTickPrice           price not on the instrument's tick grid
    │   ├── OffLotQuantity         quantity not on the lot grid, or outside min/max
    │   ├── InvalidIdentifier      malformed id (e.g. InstrumentId without "@venue")
    │   └── ConfigError            invalid configuration file or value
    ├── CurrencyMismatch           arithmetic across two currencies
    ├── OrderError
    │   ├── InvalidOrderTransition an event that is illegal in the order's current state
    │   ├── OverfillError          a fill larger than the order's remaining quantity
    │   └── UnknownOrder           a command or report for an order the engine does not know
    ├── FxRateMissing              a valuation needs an FX rate nobody published
    ├── VenueError                 a venue client failed (transport, timeout, protocol)
    └── JournalError               the journal cannot append or replay
"""

from __future__ import annotations


class TradecoreError(Exception):
    """Root of every exception raised by tradecore."""


class ValidationError(TradecoreError, ValueError):
    """Bad input. ``field`` names what was wrong, ``reason`` says why."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class FloatNotAllowed(ValidationError):
    """A binary float was offered where an exact decimal is required."""


class OffTickPrice(ValidationError):
    """A price that is not a whole multiple of the instrument's tick size."""


class OffLotQuantity(ValidationError):
    """A quantity off the lot grid, or outside the instrument's min/max."""


class InvalidIdentifier(ValidationError):
    """A malformed identifier."""


class ConfigError(ValidationError):
    """An invalid configuration value; ``field`` is the dotted config key."""


class CurrencyMismatch(TradecoreError):
    """Arithmetic or comparison between amounts in two different currencies."""

    def __init__(self, left: str, right: str) -> None:
        self.left = left
        self.right = right
        super().__init__(f"currency mismatch: {left} vs {right}")


class OrderError(TradecoreError):
    """Base for order-lifecycle invariant violations."""


class InvalidOrderTransition(OrderError):
    """An event that the order's lifecycle table does not allow in its current state."""

    def __init__(self, client_order_id: str, state: str, event: str) -> None:
        self.client_order_id = client_order_id
        self.state = state
        self.event = event
        super().__init__(f"order {client_order_id}: illegal transition from {state} on {event}")


class OverfillError(OrderError):
    """A fill for more than the order's remaining (leaves) quantity."""

    def __init__(self, client_order_id: str, leaves: object, fill: object) -> None:
        self.client_order_id = client_order_id
        super().__init__(f"order {client_order_id}: fill {fill} exceeds leaves {leaves}")


class UnknownOrder(OrderError):
    """A command or execution report naming an order the engine does not hold."""

    def __init__(self, client_order_id: str) -> None:
        self.client_order_id = client_order_id
        super().__init__(f"unknown order {client_order_id}")


class FxRateMissing(TradecoreError):
    """No FX rate (direct, inverse or through the pivot) for a needed conversion."""

    def __init__(self, from_ccy: str, to_ccy: str) -> None:
        self.from_ccy = from_ccy
        self.to_ccy = to_ccy
        super().__init__(f"no FX rate for {from_ccy}/{to_ccy}")


class VenueError(TradecoreError):
    """A venue client failed: transport, timeout or protocol error."""

    def __init__(self, venue: str, message: str, *, transient: bool = False) -> None:
        self.venue = venue
        self.transient = transient
        super().__init__(f"venue {venue}: {message}")


class JournalError(TradecoreError):
    """The journal could not append, read or replay."""
