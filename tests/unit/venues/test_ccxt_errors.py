"""CCXT's exception tree at the connector's boundary: every exception class ccxt defines maps
to a tradecore outcome (none falls through), and what the connector then does for each
outcome, with a scripted exchange raising the real ccxt exception classes."""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import ccxt
import pytest

from tradecore.model.enums import OrderType, ReasonCode, Side, TimeInForce
from tradecore.model.identifiers import AccountId, ClientOrderId, InstrumentId, Venue
from tradecore.model.orders import Order
from tradecore.venues.ccxt.adapter import CcxtVenueClient, CcxtVenueConfig
from tradecore.venues.ccxt.errors import FALLBACK, TABLE, Outcome, classify
from tradecore.venues.protocol import VenueHealth

Oc, R = Outcome, ReasonCode
#: the contract (docs/venues.md "Error mapping"): each class the connector can meet
EXPECTED: dict[type[BaseException], tuple[Outcome, ReasonCode]] = {
    ccxt.NetworkError: (Oc.TRANSIENT, R.VENUE_UNAVAILABLE),
    ccxt.RequestTimeout: (Oc.TRANSIENT, R.TIMEOUT),
    ccxt.InvalidNonce: (Oc.TRANSIENT, R.TIMEOUT),
    ccxt.ChecksumError: (Oc.TRANSIENT, R.TIMEOUT),
    ccxt.RateLimitExceeded: (Oc.BACKOFF, R.VENUE_UNAVAILABLE),
    ccxt.DDoSProtection: (Oc.BACKOFF, R.VENUE_UNAVAILABLE),
    ccxt.ExchangeNotAvailable: (Oc.DOWN, R.VENUE_UNAVAILABLE),
    ccxt.OnMaintenance: (Oc.MAINTENANCE, R.VENUE_UNAVAILABLE),
    ccxt.ExchangeClosedByUser: (Oc.DOWN, R.VENUE_UNAVAILABLE),
    ccxt.InsufficientFunds: (Oc.REJECT, R.VENUE_REJECT),
    ccxt.InvalidOrder: (Oc.REJECT, R.INVALID_ORDER),
    ccxt.OrderImmediatelyFillable: (Oc.REJECT, R.POST_ONLY_WOULD_CROSS),
    ccxt.OrderNotFillable: (Oc.REJECT, R.FOK_UNFILLABLE),
    ccxt.DuplicateOrderId: (Oc.REJECT, R.DUPLICATE_CLIENT_ORDER_ID),
    ccxt.ContractUnavailable: (Oc.REJECT, R.INVALID_ORDER),
    ccxt.OrderNotCached: (Oc.REJECT, R.INVALID_ORDER),
    ccxt.OrderNotFound: (Oc.NOT_FOUND, R.ORDER_NOT_OPEN),
    ccxt.BadSymbol: (Oc.REJECT, R.UNKNOWN_INSTRUMENT),
    ccxt.BadRequest: (Oc.REJECT, R.INVALID_ORDER),
    ccxt.NotSupported: (Oc.REJECT, R.INVALID_ORDER),
    ccxt.ArgumentsRequired: (Oc.REJECT, R.INVALID_ORDER),
    ccxt.MarketClosed: (Oc.REJECT, R.MARKET_CLOSED),
    ccxt.AuthenticationError: (Oc.AUTH, R.VENUE_REJECT),
    ccxt.PermissionDenied: (Oc.AUTH, R.VENUE_REJECT),
    ccxt.AccountNotEnabled: (Oc.AUTH, R.VENUE_REJECT),
    ccxt.AccountSuspended: (Oc.AUTH, R.VENUE_REJECT),
    ccxt.BadResponse: (Oc.TRANSIENT, R.VENUE_UNAVAILABLE),
    ccxt.NullResponse: (Oc.TRANSIENT, R.VENUE_UNAVAILABLE),
    ccxt.CancelPending: (Oc.TRANSIENT, R.VENUE_UNAVAILABLE),
    ccxt.OperationFailed: (Oc.TRANSIENT, R.VENUE_UNAVAILABLE),
    ccxt.ExchangeError: (Oc.REJECT, R.VENUE_REJECT),
    ccxt.OperationRejected: (Oc.REJECT, R.VENUE_REJECT),
    ccxt.RestrictedLocation: (Oc.REJECT, R.VENUE_REJECT),
    ccxt.ManualInteractionNeeded: (Oc.REJECT, R.VENUE_REJECT),
    ccxt.NoChange: (Oc.REJECT, R.VENUE_REJECT),
    ccxt.MarginModeAlreadySet: (Oc.REJECT, R.VENUE_REJECT),
    ccxt.InvalidAddress: (Oc.REJECT, R.VENUE_REJECT),
    ccxt.AddressPending: (Oc.REJECT, R.VENUE_REJECT),
    ccxt.InvalidProxySettings: (Oc.REJECT, R.VENUE_REJECT),
    ccxt.BaseError: (Oc.TRANSIENT, R.VENUE_UNAVAILABLE),
}


def _ccxt_classes() -> list[type[BaseException]]:
    return sorted(
        (c for _, c in inspect.getmembers(ccxt, inspect.isclass) if issubclass(c, ccxt.BaseError)),
        key=lambda c: c.__name__,
    )


@pytest.mark.parametrize("cls", _ccxt_classes(), ids=lambda c: c.__name__)
def test_every_ccxt_exception_class_maps_to_its_outcome(cls: type[BaseException]) -> None:
    if cls is ccxt.UnsubscribeError:  # WebSocket unsubscription only: not used by the connector
        assert classify(cls("x")).outcome is Oc.TRANSIENT
        return
    assert cls in EXPECTED, f"{cls.__name__}: no outcome decided for it"
    got = classify(cls("binance something failed"))
    assert (got.outcome, got.reason) == EXPECTED[cls]


def test_the_table_has_no_class_the_contract_does_not_name() -> None:
    assert set(TABLE) <= set(EXPECTED)


def test_an_exception_outside_ccxt_is_transient_and_messages_hide_signatures() -> None:
    assert classify(OSError("connection reset")).outcome is FALLBACK[0]
    m = classify(ccxt.ExchangeNotAvailable("GET http://x/api?timestamp=1&signature=abcdef 503"))
    assert "abcdef" not in m.message and "signature=<redacted>" in m.message


# ---------------------------------------------------------------------- what the client does
class Script:
    """A ccxt-like async exchange whose answers are scripted per method."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.create: list[Any] = []  # exceptions or responses, in order
        self.fetch_order_answers: list[Any] = []
        self.cancel_answers: list[Any] = []

    async def load_markets(self) -> dict[str, Any]:
        return {"BTC/USDT": {
            "spot": True, "active": True, "base": "BTC", "quote": "USDT",
            "precision": {"price": "0.01", "amount": "0.0001"},
            "limits": {"amount": {"min": "0.0001", "max": "9000"}, "cost": {"min": "5"}},
        }}  # fmt: skip

    def _next(self, name: str, answers: list[Any], args: tuple[Any, ...]) -> Any:
        self.calls.append((name, args))
        a = answers.pop(0) if answers else ccxt.OrderNotFound("no such order")
        if isinstance(a, BaseException):
            raise a
        return a

    async def create_order(self, *args: Any) -> Any:
        return self._next("create_order", self.create, args)

    async def fetch_order(self, *args: Any) -> Any:
        return self._next("fetch_order", self.fetch_order_answers, args)

    async def cancel_order(self, *args: Any) -> Any:
        return self._next("cancel_order", self.cancel_answers, args)

    async def fetch_my_trades(self, *args: Any) -> list[Any]:
        return []

    async def fetch_open_orders(self, *args: Any) -> list[Any]:
        return []

    async def fetch_order_book(self, *args: Any) -> dict[str, Any]:
        return {"bids": [[49999.0, 1.0]], "asks": [[50001.0, 1.0]]}

    async def fetch_time(self) -> int:
        return 0

    async def close(self) -> None:
        return None


class Sink:
    def __init__(self) -> None:
        self.reports: list[tuple[Any, ...]] = []

    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda *a: self.reports.append((name, *a))


def _order(coid: str = "C1") -> Order:
    return Order(
        ClientOrderId(coid), AccountId("a"), InstrumentId("BTC/USDT", "X"), Side.BUY,
        OrderType.LIMIT, Decimal("0.1"), Decimal(50_000), TimeInForce.GTC,
    )  # fmt: skip


def _run(script: Script, *, coid: str = "C1") -> tuple[CcxtVenueClient, Sink]:
    cfg = CcxtVenueConfig(poll_interval_s=60, book_interval_s=60, backoff_base_s=0.01)
    client = CcxtVenueClient(Venue("X"), lambda: script, cfg)
    client.start()
    sink = Sink()
    client.bind(sink)  # type: ignore[arg-type]
    client.submit(_order(coid))
    end = time.monotonic() + 5
    while time.monotonic() < end:
        client.drain()
        if sink.reports:
            time.sleep(0.05)  # let any follow-up report in
            client.drain()
            break
        time.sleep(0.01)
    return client, sink


ACK = {"id": "77", "status": "open"}


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (ccxt.InsufficientFunds("no money"), R.VENUE_REJECT),
        (ccxt.InvalidOrder("Filter failure: PRICE_FILTER"), R.INVALID_ORDER),
        (ccxt.BadSymbol("no such market"), R.UNKNOWN_INSTRUMENT),
        (ccxt.OrderImmediatelyFillable("would take"), R.POST_ONLY_WOULD_CROSS),
        (ccxt.OnMaintenance("System is under maintenance."), R.VENUE_UNAVAILABLE),
        (ccxt.AuthenticationError("bad key"), R.VENUE_REJECT),
    ],
    ids=lambda x: type(x).__name__ if isinstance(x, BaseException) else str(x),
)
def test_a_refusal_rejects_the_order_with_its_reason_and_nothing_is_resent(
    exc: BaseException, reason: ReasonCode
) -> None:
    s = Script()
    s.create = [exc]
    client, sink = _run(s)
    try:
        assert sink.reports[0][:3] == ("on_rejected", ClientOrderId("C1"), reason)
        assert [c for c, _ in s.calls].count("create_order") == 1
        down = isinstance(exc, (ccxt.OnMaintenance, ccxt.AuthenticationError))
        assert (client.health() is VenueHealth.DOWN) == down
    finally:
        client.stop()


@pytest.mark.parametrize("exc", [ccxt.RequestTimeout("t"), ccxt.NetworkError("n"),
                                 ccxt.ExchangeNotAvailable("reset")], ids=lambda e: type(e).__name__)  # fmt: skip
def test_a_transient_failure_asks_the_status_and_adopts_an_order_that_arrived(
    exc: BaseException,
) -> None:
    s = Script()
    s.create = [exc]
    s.fetch_order_answers = [{"id": "77", "status": "open", "filled": "0"}]
    client, sink = _run(s)
    try:
        assert sink.reports[0] == ("on_accepted", ClientOrderId("C1"), "77")
        names = [c for c, _ in s.calls]
        assert names.count("create_order") == 1 and "fetch_order" in names  # never resent
        assert s.calls[-1][1][2] == {"clientOrderId": "C1"}  # asked by our client order id
    finally:
        client.stop()


def test_a_transient_failure_for_an_order_that_never_arrived_rejects_it() -> None:
    s = Script()
    s.create = [ccxt.RequestTimeout("t")]
    s.fetch_order_answers = [ccxt.OrderNotFound("Order does not exist.")]
    client, sink = _run(s)
    try:
        assert sink.reports == [("on_rejected", ClientOrderId("C1"), R.TIMEOUT, sink.reports[0][3])]
        assert [c for c, _ in s.calls].count("create_order") == 1
    finally:
        client.stop()


def test_a_transient_failure_with_the_venue_unreachable_leaves_it_to_the_ack_timeout() -> None:
    s = Script()
    s.create = [ccxt.RequestTimeout("t")]
    s.fetch_order_answers = [ccxt.ExchangeNotAvailable("refused")]
    client, sink = _run(s)
    try:
        assert sink.reports == []  # in doubt: no ack, no reject; the engine's ack timer asks
        st = client.order_status(ClientOrderId("C1"))  # ...and the venue still cannot say
        assert not st.known
    finally:
        client.stop()


def test_rate_limits_back_off_and_retry_the_same_client_order_id() -> None:
    s = Script()
    s.create = [ccxt.RateLimitExceeded("429"), ccxt.DDoSProtection("418"), ACK]
    client, sink = _run(s)
    try:
        assert sink.reports[0] == ("on_accepted", ClientOrderId("C1"), "77")
        creates = [a for c, a in s.calls if c == "create_order"]
        assert len(creates) == 3 and {a[5]["clientOrderId"] for a in creates} == {"C1"}
    finally:
        client.stop()


def test_rate_limits_beyond_the_retries_reject_the_order() -> None:
    s = Script()
    s.create = [ccxt.RateLimitExceeded("429")] * 4
    client, sink = _run(s)
    try:
        assert sink.reports[0][:3] == ("on_rejected", ClientOrderId("C1"), R.VENUE_UNAVAILABLE)
    finally:
        client.stop()


def test_no_ccxt_exception_escapes_status_and_cancel() -> None:
    s = Script()
    s.create = [ACK]
    client, sink = _run(s)
    try:
        s.fetch_order_answers = [ccxt.NetworkError("down")]
        st = client.order_status(ClientOrderId("C1"))  # what we saw: acknowledged, open
        assert st.known and st.open and st.venue_order_id == "77"
        s.cancel_answers = [ccxt.ExchangeNotAvailable("down")]
        client.cancel(_order())
        end = time.monotonic() + 5
        while time.monotonic() < end and len(sink.reports) < 2:
            client.drain()
            time.sleep(0.01)
        assert sink.reports[1][:3] == (
            "on_cancel_rejected",
            ClientOrderId("C1"),
            R.VENUE_UNAVAILABLE,
        )
    finally:
        client.stop()


def test_a_time_in_force_the_venue_does_not_offer_is_denied_before_sending() -> None:
    s = Script()
    cfg = CcxtVenueConfig(poll_interval_s=60, book_interval_s=60)
    client = CcxtVenueClient(Venue("X"), lambda: s, cfg)
    client.start()
    sink = Sink()
    client.bind(sink)  # type: ignore[arg-type]
    day = Order(
        ClientOrderId("D1"), AccountId("a"), InstrumentId("BTC/USDT", "X"), Side.BUY,
        OrderType.LIMIT, Decimal("0.1"), Decimal(50_000), TimeInForce.DAY,
    )  # fmt: skip
    try:
        client.submit(day)
        end = time.monotonic() + 5
        while time.monotonic() < end and not sink.reports:
            client.drain()
            time.sleep(0.01)
        assert sink.reports[0][:3] == ("on_rejected", ClientOrderId("D1"), R.INVALID_ORDER)
        assert "DAY" in sink.reports[0][3]
        assert not [c for c, _ in s.calls if c == "create_order"]
    finally:
        client.stop()
