"""Book streams: the real, unmodified ``ccxt.pro`` ``binance`` class's ``watch_order_book``
on the local Binance dialect's diff depth stream (update ids ``U``/``u`` numbered from the
REST snapshot), through the CCXT connector. A change reaches the connector's book by the
stream alone; a forced gap (the server drops one event) is noticed at the next event, the
stream resubscribes and takes a new snapshot, and the book is right again; with the stream
down the REST poller takes the book over, and the stream comes back when the server does."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.integration.venues.local import as_trader, local_venue
from tradecore.model.commands import SubmitOrder
from tradecore.model.enums import OrderStatus, OrderType, Side, TimeInForce
from tradecore.model.events import OrderFilled
from tradecore.model.identifiers import AccountId, ClientOrderId, InstrumentId, Venue
from tradecore.venues.ccxt.adapter import CcxtVenueClient, CcxtVenueConfig
from tradecore.venues.ccxt.connect import make_exchange
from tradecore.venues.ccxt.wiring import build_live
from tradecore.venues.dialects.server import DEMO_KEY, DEMO_SECRET
from tradecore.venues.model import FeeSchedule
from tradecore.venues.protocol import VenueHealth

pytestmark = pytest.mark.timeout(60)
OTHER = ("other-trader", "other-secret")
IID = InstrumentId("BTC/USDT", "BINWS")


def _wait(cond: Callable[[], bool], timeout_s: float = 10.0) -> bool:
    import time

    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


class Other:
    """Another trader on the venue, through a plain ccxt client (its book changes ours)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def bid(self, qty: str, px: str) -> str:
        got = as_trader("binance", self.url,
                        lambda ex: ex.create_order("BTC/USDT", "limit", "buy", qty, px), *OTHER)  # fmt: skip
        return str(got["id"])


@pytest.fixture
def venue() -> Iterator[tuple[str, CcxtVenueClient]]:
    keys = ((DEMO_KEY, DEMO_SECRET), OTHER)
    with local_venue(None, keys=keys) as (url, _, _):
        # REST polls a book only while its stream is not fresh (stale_after_s / 2 = 10 s)
        cfg = CcxtVenueConfig(stream_books=True, book_interval_s=0.1, poll_interval_s=0.2,
                              stale_after_s=20.0, stream_retry_s=0.1)  # fmt: skip
        client = CcxtVenueClient(
            Venue("BINWS"),
            lambda: make_exchange(
                "binance", api_key=DEMO_KEY, secret=DEMO_SECRET, base_url=url, streams=True
            ),
            cfg,
        )
        client.start()
        try:
            yield url, client
        finally:
            client.stop()


def _status(url: str, action: str = "status") -> dict[str, Any]:
    got: dict[str, Any] = httpx.post(url + "/_control/stream", params={"action": action}).json()
    return got


def _best_bid(client: CcxtVenueClient) -> tuple[Decimal, Decimal] | None:
    book = client.book(IID)
    if book is None or not book.bids:
        return None
    return book.bids[0].price, book.bids[0].size


def test_changes_come_by_the_stream_a_gap_resnapshots_and_rest_covers_an_outage(
    venue: tuple[str, CcxtVenueClient],
) -> None:
    url, client = venue
    other = Other(url)
    assert _wait(lambda: client.stream_fresh(IID) and _best_bid(client) is not None)
    assert _best_bid(client) == (Decimal("49999.95"), Decimal("0.5"))  # the market makers
    snaps = _status(url)["snapshots"]

    # 1. another trader's bid inside the spread reaches our book by the stream alone
    seen = client.stream_updates
    other.bid("0.7", "49999.99")
    assert _wait(lambda: _best_bid(client) == (Decimal("49999.99"), Decimal("0.7")))
    assert client.stream_updates > seen and _status(url)["snapshots"] == snaps
    assert client.health() is VenueHealth.UP

    # 2. a gap: the server drops the event of the next change (0.2 @ .98);
    #    the change after it (0.3 more @ .99) shows the gap: resubscribe, new snapshot
    _status(url, "gap")
    other.bid("0.2", "49999.98")
    assert _wait(lambda: _status(url)["dropped"] == 1)
    assert client.stream_gaps == 0 and _best_bid(client) == (Decimal("49999.99"), Decimal("0.7"))
    other.bid("0.3", "49999.99")
    assert _wait(lambda: client.stream_gaps == 1)
    assert _wait(lambda: _best_bid(client) == (Decimal("49999.99"), Decimal("1.0")))
    book = client.book(IID)
    assert book is not None and (book.bids[1].price, book.bids[1].size) == (
        Decimal("49999.98"), Decimal("0.2"),
    )  # fmt: skip
    # a new snapshot (ccxt.pro's; the REST poller may also cover the book meanwhile), and
    # the resubscribed stream delivers again
    assert _status(url)["snapshots"] >= snaps + 1
    assert _wait(lambda: client.stream_fresh(IID))

    # 3. the stream goes down: REST polling takes the book over, health stays UP
    _status(url, "down")
    assert _wait(lambda: not client.stream_fresh(IID))
    other.bid("0.4", "49999.97")
    assert _wait(lambda: any(lv.price == Decimal("49999.97") for lv in client.book(IID).bids))
    assert _status(url)["snapshots"] > snaps + 1 and client.health() is VenueHealth.UP

    # 4. back up: the stream reconnects, subscribes and delivers again
    _status(url, "up")
    assert _wait(lambda: client.stream_fresh(IID), 15)
    seen = client.stream_updates
    other.bid("0.1", "49999.96")
    assert _wait(lambda: client.stream_updates > seen)
    assert _wait(lambda: any(lv.price == Decimal("49999.96") for lv in client.book(IID).bids))


def test_our_fills_come_by_the_user_data_stream_with_the_venues_trade_ids() -> None:
    keys = ((DEMO_KEY, DEMO_SECRET), OTHER)
    with local_venue(None, keys=keys) as (url, _, _):
        # the REST execution poller would first look after 30 s: only the stream can be quick
        cfg = CcxtVenueConfig(stream_executions=True, poll_interval_s=30.0, book_interval_s=0.2)
        client = CcxtVenueClient(
            Venue("BINWS"),
            lambda: make_exchange(
                "binance", api_key=DEMO_KEY, secret=DEMO_SECRET, base_url=url, streams=True
            ),
            cfg,
        )
        system = build_live([(client, client.start(), FeeSchedule(Decimal(2), Decimal(5)))])
        fills: list[OrderFilled] = []
        system.engine.bus.subscribe(OrderFilled, fills.append)
        try:
            cmd = SubmitOrder(
                client_order_id=ClientOrderId("U1"), account=AccountId("desk"),
                instrument_id=IID, side=Side.BUY, order_type=OrderType.LIMIT,
                quantity=Decimal("0.3"), price=Decimal("49999.99"),
                time_in_force=TimeInForce.GTC,
            )  # fmt: skip
            assert system.engine.submit(cmd).ok
            order = system.engine.orders.get(ClientOrderId("U1"))
            assert system.run_until(lambda: order.status is OrderStatus.ACCEPTED, 10)
            as_trader("binance", url,
                      lambda ex: ex.create_order("BTC/USDT", "limit", "sell", "0.3", "49999.99"),
                      *OTHER)  # fmt: skip
            assert system.run_until(lambda: order.status is OrderStatus.FILLED, 10)
            system.run_until(lambda: False, 0.5)
            assert client.stream_fills == 1  # booked from watch_my_trades, not by a REST sync
        finally:
            system.stop()
    assert [(f.quantity, f.price, f.liquidity.value) for f in fills] == [
        (Decimal("0.3"), Decimal("49999.99"), "MAKER")
    ]
    assert fills[0].fee.amount == Decimal("2.9999994")  # 0.3 x 49999.99 x 2 bps, the venue's
