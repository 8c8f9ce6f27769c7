"""CCXT's exception tree mapped, at the adapter boundary, into tradecore outcomes.

No ccxt exception leaves the adapter: every ``ccxt.BaseError`` (and any other exception from
the network stack) becomes one :class:`Mapped` outcome, looked up in :data:`TABLE` by walking
the exception's class hierarchy, most specific class first (``OnMaintenance`` is an
``ExchangeNotAvailable`` is a ``NetworkError``; ``OrderNotFound`` is an ``InvalidOrder``).
The table is documented in docs/venues.md and tested class by class.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

import ccxt

from tradecore.model.enums import ReasonCode


class Outcome(StrEnum):
    #: the request may or may not have reached the venue: ask for the order's status before
    #: anything is resent (never resend blindly)
    TRANSIENT = "TRANSIENT"
    #: the venue refused the request for load: wait (exponential backoff), then retry the
    #: same request (same client order id, so a retry cannot create a second order)
    BACKOFF = "BACKOFF"
    #: the venue cannot be reached (connection refused or dropped): health DOWN (the router
    #: stops routing there, the breaker opens on the failures); as the request may have
    #: arrived, the order's status is asked before anything else
    DOWN = "DOWN"
    #: the venue *answered* that it is in maintenance: health DOWN, and the order is rejected
    #: (the venue did not take it)
    MAINTENANCE = "MAINTENANCE"
    #: a business refusal: the order is rejected with the reason code
    REJECT = "REJECT"
    #: the venue does not know the order (a status answer, not a failure)
    NOT_FOUND = "NOT_FOUND"
    #: credentials refused: health DOWN, the order rejected (no retry can help)
    AUTH = "AUTH"


class Mapped(NamedTuple):
    outcome: Outcome
    reason: ReasonCode
    message: str


TABLE: dict[type[BaseException], tuple[Outcome, ReasonCode]] = {
    # order refusals, most specific first by class (the lookup walks the MRO)
    ccxt.InsufficientFunds: (Outcome.REJECT, ReasonCode.VENUE_REJECT),
    ccxt.OrderImmediatelyFillable: (Outcome.REJECT, ReasonCode.POST_ONLY_WOULD_CROSS),
    ccxt.OrderNotFillable: (Outcome.REJECT, ReasonCode.FOK_UNFILLABLE),
    ccxt.DuplicateOrderId: (Outcome.REJECT, ReasonCode.DUPLICATE_CLIENT_ORDER_ID),
    ccxt.InvalidOrder: (Outcome.REJECT, ReasonCode.INVALID_ORDER),
    ccxt.OrderNotFound: (Outcome.NOT_FOUND, ReasonCode.ORDER_NOT_OPEN),
    ccxt.BadSymbol: (Outcome.REJECT, ReasonCode.UNKNOWN_INSTRUMENT),
    ccxt.BadRequest: (Outcome.REJECT, ReasonCode.INVALID_ORDER),
    ccxt.NotSupported: (Outcome.REJECT, ReasonCode.INVALID_ORDER),
    ccxt.ArgumentsRequired: (Outcome.REJECT, ReasonCode.INVALID_ORDER),
    ccxt.MarketClosed: (Outcome.REJECT, ReasonCode.MARKET_CLOSED),
    ccxt.ExchangeClosedByUser: (Outcome.DOWN, ReasonCode.VENUE_UNAVAILABLE),
    ccxt.AuthenticationError: (Outcome.AUTH, ReasonCode.VENUE_REJECT),
    ccxt.PermissionDenied: (Outcome.AUTH, ReasonCode.VENUE_REJECT),
    ccxt.AccountSuspended: (Outcome.AUTH, ReasonCode.VENUE_REJECT),
    # the network family
    ccxt.OnMaintenance: (Outcome.MAINTENANCE, ReasonCode.VENUE_UNAVAILABLE),
    ccxt.ExchangeNotAvailable: (Outcome.DOWN, ReasonCode.VENUE_UNAVAILABLE),
    ccxt.RateLimitExceeded: (Outcome.BACKOFF, ReasonCode.VENUE_UNAVAILABLE),
    ccxt.DDoSProtection: (Outcome.BACKOFF, ReasonCode.VENUE_UNAVAILABLE),
    ccxt.RequestTimeout: (Outcome.TRANSIENT, ReasonCode.TIMEOUT),
    ccxt.InvalidNonce: (Outcome.TRANSIENT, ReasonCode.TIMEOUT),
    ccxt.NetworkError: (Outcome.TRANSIENT, ReasonCode.VENUE_UNAVAILABLE),
    # an answer we cannot read, a cancel still pending: ask again before acting
    ccxt.BadResponse: (Outcome.TRANSIENT, ReasonCode.VENUE_UNAVAILABLE),
    ccxt.CancelPending: (Outcome.TRANSIENT, ReasonCode.VENUE_UNAVAILABLE),
    ccxt.OperationFailed: (Outcome.TRANSIENT, ReasonCode.VENUE_UNAVAILABLE),
    # the rest of the tree: the venue refused for a reason ccxt does not name
    ccxt.ExchangeError: (Outcome.REJECT, ReasonCode.VENUE_REJECT),
    ccxt.BaseError: (Outcome.TRANSIENT, ReasonCode.VENUE_UNAVAILABLE),
}
#: anything outside ccxt's tree (an aiohttp or OS error that slipped through): transient
FALLBACK = (Outcome.TRANSIENT, ReasonCode.VENUE_UNAVAILABLE)


def classify(exc: BaseException) -> Mapped:
    """The outcome for ``exc``: the entry of its most specific class in :data:`TABLE`."""
    for cls in type(exc).__mro__:
        hit = TABLE.get(cls)
        if hit is not None:
            return Mapped(hit[0], hit[1], _message(exc))
    return Mapped(FALLBACK[0], FALLBACK[1], _message(exc))


def _message(exc: BaseException) -> str:
    """One line, bounded, no request details (URLs carry signatures, never API secrets)."""
    text = f"{type(exc).__name__}: {exc}".replace("\n", " ")
    cut = text.find("signature=")
    if cut >= 0:
        text = text[:cut] + "signature=<redacted>"
    return text[:300]
