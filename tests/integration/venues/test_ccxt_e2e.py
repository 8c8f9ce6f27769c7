"""End to end: the engine trading through the real, unmodified ccxt ``binance`` and ``kucoin``
clients on two ``tradecore venue-server`` processes, one speaking the Binance dialect (BINA),
one the KuCoin dialect (KUCO), plus one simulated venue. SMART orders split across the two
servers, two different real APIs, by the consolidated book; fills carry the venues' own trade ids and fees into positions. One server
is cut off (maintenance for us, another trader still trading: a fill we cannot see), then
SIGKILLed and restarted on its state: the connector reconnects, reconciles through
``Execution.reconcile``, books the missed fill exactly once, and the breaker opens and closes
around the outage."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.venues.local import as_trader, plain_client
from tests.integration.venues.procs import VenueServer
from tradecore.journal import Journal, open_journal
from tradecore.model.commands import SubmitOrder
from tradecore.model.enums import OrderStatus, OrderType, ReasonCode, Side, TimeInForce
from tradecore.model.events import OrderFilled, OrderRejected
from tradecore.model.identifiers import AccountId, ClientOrderId, InstrumentId, Venue
from tradecore.model.instrument import spot
from tradecore.routing.config import BreakerConfig, RoutingConfig
from tradecore.routing.health import BreakerState
from tradecore.venues.ccxt.adapter import CcxtVenueClient, CcxtVenueConfig
from tradecore.venues.ccxt.wiring import LiveSystem, build_live
from tradecore.venues.dialects.server import DEMO_KEY, DEMO_SECRET
from tradecore.venues.model import FeeSchedule
from tradecore.venues.protocol import VenueHealth

pytestmark = pytest.mark.timeout(120)
ACCT = AccountId("desk")
OTHER_KEY, OTHER_SECRET = "other-trader", "other-secret"
FEES = FeeSchedule(Decimal(2), Decimal(5))  # what the venue servers charge (bps)
TAKER = Decimal(5) / Decimal(10_000)
MAKER = Decimal(2) / Decimal(10_000)
SMART = InstrumentId("BTC/USDT", "SMART")


def _venue(v: str) -> InstrumentId:
    return InstrumentId("BTC/USDT", v)


def _order(
    coid: str, iid: InstrumentId, side: Side, qty: str, px: str, tif: TimeInForce
) -> SubmitOrder:
    return SubmitOrder(
        client_order_id=ClientOrderId(coid), account=ACCT, instrument_id=iid, side=side,
        order_type=OrderType.LIMIT, quantity=Decimal(qty), price=Decimal(px), time_in_force=tif,
    )  # fmt: skip


def _venue_trades(dialect: str, url: str) -> list[dict[str, Any]]:
    """What the venue says we traded, asked through a separate, plain ccxt client."""
    got: list[dict[str, Any]] = as_trader(dialect, url, lambda ex: ex.fetch_my_trades("BTC/USDT"))
    return got


def _other_sells(url: str, qty: str, px: str, first: Callable[[], None]) -> dict[str, Any]:
    """Another trader (its own API key) sells; ``first`` runs after it loaded the markets."""

    async def go(ex: Any) -> Any:
        first()
        return await ex.create_order("BTC/USDT", "limit", "sell", qty, px)

    got: dict[str, Any] = as_trader("binance", url, go, OTHER_KEY, OTHER_SECRET)
    return got


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[VenueServer, VenueServer]]:
    keys = ("--key", f"{DEMO_KEY}:{DEMO_SECRET}", "--key", f"{OTHER_KEY}:{OTHER_SECRET}")
    a = VenueServer(tmp_path, "a", "--spread-ticks", "5", *keys).start()
    b = VenueServer(tmp_path, "b", "--spread-ticks", "6", *keys, dialect="kucoin").start()
    yield a, b
    a.stop()
    b.stop()


def _system(a: VenueServer, b: VenueServer, journal: Journal | None = None) -> LiveSystem:
    conns = []
    for name, srv in (("BINA", a), ("KUCO", b)):
        # KuCoin's partial book comes in 20 or 100 levels
        cfg = CcxtVenueConfig(poll_interval_s=0.1, book_interval_s=0.1, status_timeout_s=2.0,
                              book_levels=20 if srv.dialect == "kucoin" else 10)  # fmt: skip
        c = CcxtVenueClient(
            Venue(name),
            lambda srv=srv: plain_client(srv.dialect, srv.url),  # type: ignore[misc]
            cfg,
        )
        conns.append((c, c.start(), FEES))
    sim = [(Venue("SIM"), [spot("BTC/USDT", "SIM", tick="0.01", lot="0.0001")], FEES)]
    routing = RoutingConfig(
        ack_timeout_ms=1500, breaker=BreakerConfig(failure_threshold=2, open_ms=1500)
    )
    system = build_live(conns, sim, routing=routing, journal=journal)
    ladder = [(Decimal(50_000) - Decimal("0.01") * (30 + n), Decimal(1)) for n in range(10)]
    asks = [(Decimal(50_000) + Decimal("0.01") * (30 + n), Decimal(1)) for n in range(10)]
    system.sims[0].on_market(_venue("SIM"), tuple(ladder), tuple(asks))
    assert system.run_until(lambda: all(c.book(_venue(c.venue)) for c in system.connectors), 10)
    return system


def test_smart_orders_split_and_a_killed_venue_is_reconciled_exactly_once(
    servers: tuple[VenueServer, VenueServer], tmp_path: Path
) -> None:
    a, b = servers
    db = tmp_path / "e2e.db"
    system = _system(a, b, open_journal({"backend": "sqlite", "path": str(db)}))
    engine, execution = system.engine, system.execution
    fills: list[OrderFilled] = []
    rejects: list[OrderRejected] = []
    engine.bus.subscribe(OrderFilled, fills.append)
    engine.bus.subscribe(OrderRejected, rejects.append)
    try:
        # 1. a SMART buy sweeps the consolidated book: BINA's asks start 1 tick better than
        #    KUCO's, the simulator's far behind: 1.5 at BINA (0.5 + 1.0), 0.5 at KUCO
        assert engine.submit(_order("P1", SMART, Side.BUY, "2", "50000.06", TimeInForce.IOC)).ok
        assert system.run_until(
            lambda: engine.orders.get(ClientOrderId("P1")).status.is_terminal, 15
        )
        p1 = engine.orders.get(ClientOrderId("P1"))
        assert p1.status is OrderStatus.FILLED and p1.filled_qty == Decimal(2)
        by_venue = {
            c.instrument_id.venue: c.filled_qty for c in engine.orders.children(p1.client_order_id)
        }
        assert by_venue == {Venue("BINA"): Decimal("1.5"), Venue("KUCO"): Decimal("0.5")}

        # 2. a resting buy at BINA, best bid (inside the market makers' spread)
        assert engine.submit(
            _order("R1", _venue("BINA"), Side.BUY, "0.3", "49999.99", TimeInForce.GTC)
        ).ok
        assert system.run_until(
            lambda: engine.orders.get(ClientOrderId("R1")).status is OrderStatus.ACCEPTED, 10
        )

        # 3. BINA goes dark for us (maintenance answers), another trader still trades there
        #    and fills our resting order: a fill we cannot see. Then BINA is SIGKILLed.
        bina = system.connectors[0]

        def go_dark() -> None:
            fault = {"fault": "maintenance", "spare": OTHER_KEY}
            httpx.post(a.url + "/_control/fault", params=fault)
            assert system.run_until(lambda: bina.health() is VenueHealth.DOWN, 10)

        taken = _other_sells(a.url, "0.3", "49999.99", go_dark)
        assert taken["status"] == "closed"
        a.kill()

        # 4. meanwhile: direct orders to BINA fail (venue unavailable / unknown, no ack) and
        #    open its breaker; a SMART order routes around it
        assert engine.submit(
            _order("D1", _venue("BINA"), Side.BUY, "0.01", "49000", TimeInForce.GTC)
        ).ok
        assert engine.submit(
            _order("D2", _venue("BINA"), Side.BUY, "0.01", "49000", TimeInForce.GTC)
        ).ok
        breaker = execution.breakers[Venue("BINA")]
        assert system.run_until(lambda: breaker.state is BreakerState.OPEN, 15)
        assert engine.submit(_order("P2", SMART, Side.BUY, "0.2", "50000.06", TimeInForce.IOC)).ok
        assert system.run_until(
            lambda: engine.orders.get(ClientOrderId("P2")).status.is_terminal, 15
        )
        p2_venues = {c.instrument_id.venue for c in engine.orders.children(ClientOrderId("P2"))}
        assert Venue("BINA") not in p2_venues
        r1 = engine.orders.get(ClientOrderId("R1"))
        assert r1.filled_qty == 0  # not seen yet

        # 5. BINA restarts on its state: the connector reconnects and reconciles
        a.start()
        assert system.run_until(
            lambda: engine.orders.get(ClientOrderId("R1")).status is OrderStatus.FILLED, 20
        )
        assert bina.reconnects >= 1
        # the breaker closes on the next successful order there (its half-open probe)
        assert system.run_until(lambda: breaker.state is BreakerState.HALF_OPEN, 10)
        assert engine.submit(
            _order("D3", _venue("BINA"), Side.BUY, "0.01", "49000", TimeInForce.GTC)
        ).ok
        assert system.run_until(lambda: breaker.state is BreakerState.CLOSED, 10)
        states = [s for _, s in breaker.transitions]
        assert states[:3] == [BreakerState.OPEN, BreakerState.HALF_OPEN, BreakerState.CLOSED]
        system.run_until(lambda: False, 1.0)  # a few more polls: nothing may be booked twice
    finally:
        system.stop()
        if system.engine.journal is not None:
            system.engine.journal.close()  # type: ignore[attr-defined]

    # the journal holds every fill and no credential (the adapter keeps them to itself)
    journaled = b"".join(f.read_bytes() for f in tmp_path.glob("e2e.db*"))
    assert b"OrderFilled" in journaled
    for secret in (DEMO_KEY, DEMO_SECRET):
        assert secret.encode() not in journaled

    # every trade booked exactly once, with the venues' own ids, prices and fees
    ours = [f for f in fills if f.instrument_id.venue in (Venue("BINA"), Venue("KUCO"))]
    counts = Counter((f.instrument_id.venue, f.trade_id) for f in ours)
    assert all(n == 1 for n in counts.values()), counts
    for srv, venue in ((a, Venue("BINA")), (b, Venue("KUCO"))):
        truth = {str(t["id"]): t for t in _venue_trades(srv.dialect, srv.url)}
        booked = {str(f.trade_id): f for f in ours if f.instrument_id.venue == venue}
        assert set(booked) == set(truth)
        for tid, f in booked.items():
            t = truth[tid]
            assert f.price == Decimal(t["price"]) and f.quantity == Decimal(t["amount"])
            assert f.fee.amount == Decimal(t["fee"]["cost"])
            rate = MAKER if t["takerOrMaker"] == "maker" else TAKER
            assert f.fee.amount == (f.quantity * f.price * rate).quantize(Decimal("1e-8"))
    r1_fills = [f for f in ours if f.client_order_id == ClientOrderId("R1")]
    assert len(r1_fills) == 1 and r1_fills[0].liquidity.value == "MAKER"
    # positions: everything bought, fees included, across both servers and the simulator
    pos = system.positions.position(str(ACCT), "BTC/USDT")
    assert pos is not None
    assert pos.quantity == sum((f.quantity for f in fills), Decimal(0))
    assert pos.quantity == Decimal("2") + Decimal("0.3") + Decimal("0.2")  # D3 rests unfilled
    assert pos.fees == {"USDT": sum((f.fee.amount for f in fills), Decimal(0))}
    assert {r.client_order_id for r in rejects} >= {ClientOrderId("D1"), ClientOrderId("D2")}
    assert all(r.reason in (ReasonCode.VENUE_UNAVAILABLE, ReasonCode.TIMEOUT) for r in rejects)
