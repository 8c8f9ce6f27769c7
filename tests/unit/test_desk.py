"""The dashboard's helpers: sessions, origins, venue latency, the alert log, the fill count."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tradecore.engine.clock import SimClock
from tradecore.model.enums import OrderType, Side, TimeInForce
from tradecore.model.events import OrderAccepted, OrderInitialized
from tradecore.model.identifiers import AccountId, ClientOrderId, InstrumentId, Venue, VenueOrderId
from tradecore.risk.emergency import TradingState, TradingStateChanged
from tradecore.risk.events import KillSwitchChanged, RiskAlert
from tradecore.service.auth import Principal
from tradecore.service.desk import AlertLog, FillCount, VenueLatency
from tradecore.service.session import SessionStore, same_origin
from tradecore.venues.model import FeeSchedule, VenueModel
from tradecore.venues.sim.client import SimVenueClient


class Bus:
    def __init__(self) -> None:
        self.handlers: dict[type[Any], list[Any]] = {}

    def subscribe(self, kind: type[Any], fn: Any) -> None:
        self.handlers.setdefault(kind, []).append(fn)

    def publish(self, m: Any) -> None:
        for fn in self.handlers.get(type(m), []):
            fn(m)


P = Principal("desk", frozenset({"DEMO"}), frozenset({"read"}))


def test_a_session_expires_after_its_ttl_and_ends_when_closed() -> None:
    s = SessionStore(ttl_s=10)
    tok = s.open(P, now=0)
    assert s.get(tok, now=9.9) == P
    assert s.get(tok, now=10) is None and len(s) == 0
    tok = s.open(P, now=0)
    assert s.close(tok) and not s.close(tok) and s.get(tok, now=1) is None
    assert s.get(None) is None and s.get("forged") is None


def test_the_oldest_session_is_forgotten_past_the_bound() -> None:
    s = SessionStore(max_sessions=2)
    a, b, c = (s.open(P, now=0) for _ in range(3))
    assert s.get(a, now=1) is None and s.get(b, now=1) == P and s.get(c, now=1) == P


def test_a_websocket_origin_must_be_the_service_itself() -> None:
    assert same_origin("http://127.0.0.1:8000", "127.0.0.1:8000")
    assert same_origin("https://desk.example:443", "desk.example:443")
    assert same_origin(None, "127.0.0.1:8000")  # not a browser: no cookie to forge with
    assert not same_origin("http://evil.example", "127.0.0.1:8000")
    assert not same_origin("http://127.0.0.1:8000.evil.example", "127.0.0.1:8000")
    assert not same_origin("null", "127.0.0.1:8000")
    assert not same_origin("http://127.0.0.1:8000", None)


def _sim() -> Any:
    # only its type matters here; a real (empty) one, as __new__ alone would not do in the
    # compiled build (mypyc's constructor runs __init__)
    return SimVenueClient(
        VenueModel(Venue("SIMA"), FeeSchedule(Decimal(0), Decimal(0))), SimClock(0)
    )


def test_a_simulated_venue_shows_its_configured_latency_a_live_one_its_measured_ack() -> None:
    bus, now = Bus(), [0]
    lat = VenueLatency(
        {Venue("SIMA"): _sim(), Venue("LIVE"): object()}, {"SIMA": 250, "LIVE": 999},
        bus.subscribe, clock_ns=lambda: now[0],
    )  # fmt: skip
    assert lat.of("SIMA", 100_000) == (250, "configured")
    assert lat.of("LIVE", 100_000) == (100_000, "engine")  # no ack measured yet
    for i, wall_us in enumerate((1_000, 3_000)):
        coid = ClientOrderId(f"c{i}")
        bus.publish(
            OrderInitialized(
                1, 1, coid, AccountId("A"), InstrumentId.parse("BTC/USD@LIVE"), Side.BUY,
                OrderType.MARKET, Decimal(1), None, TimeInForce.IOC, False, False, None, "",
                submitted=True,
            )
        )  # fmt: skip
        now[0] += wall_us * 1000
        bus.publish(OrderAccepted(2, 2, coid, AccountId("A"), VenueOrderId("v")))
    assert lat.of("LIVE", 100_000) == (2_000, "measured")
    bus.publish(OrderAccepted(3, 3, ClientOrderId("unknown"), AccountId("A"), VenueOrderId("v")))
    assert lat.of("LIVE", 100_000) == (2_000, "measured")


def _alert(account: str) -> RiskAlert:
    d = Decimal(1)
    return RiskAlert(1, account, "WARN", "max_position:BTC/USD", d, d, d)


def test_alerts_follow_the_streams_rules() -> None:
    bus = Bus()
    log = AlertLog(bus.subscribe, owner_of=lambda coid: None)
    bus.publish(_alert("DEMO"))
    bus.publish(_alert("OTHER"))
    bus.publish(KillSwitchChanged(2, "*", True, "ops", "global stop"))
    bus.publish(TradingStateChanged(3, 3, "*", TradingState.HALTED, TradingState.ACTIVE,
                                    "ops", "global stop", "kill_switch"))  # fmt: skip
    mine = log.for_account("DEMO", frozenset({"DEMO"}), 50)
    assert [m["account"] for m in mine] == ["DEMO"]  # not OTHER's, not the firm-wide ones
    firm = log.for_account("DEMO", frozenset({"*"}), 50)
    assert [m["type"] for m in firm] == ["TradingStateChanged", "KillSwitchChanged", "RiskAlert"]
    assert len(log.for_account("DEMO", frozenset({"*"}), 2)) == 2


class Store:
    def __init__(self) -> None:
        self.rows: list[tuple[int, str]] = []
        self.reads = 0

    def account_page(self, account: str, types: list[str], *, cursor: int, limit: int,
                     newest_first: bool) -> list[tuple[int, bytes]]:  # fmt: skip
        assert types == ["OrderFilled"] and not newest_first
        self.reads += 1
        got = [(s, b"{}") for s, a in self.rows if a == account and s > cursor]
        return got[:limit]


@given(st.lists(st.sampled_from(["A", "B"]), max_size=40), st.integers(1, 7))
def test_the_fill_count_counts_every_fill_reading_only_new_rows(
    accts: list[str], chunk: int
) -> None:
    store = Store()
    count = FillCount(lambda: store, lambda a: -1)
    count.CHUNK = chunk
    for i, a in enumerate(accts):
        store.rows.append((i + 1, a))
        if i % 3 == 0:
            assert count("A") == accts[: i + 1].count("A")
    assert count("A") == accts.count("A") and count("B") == accts.count("B")


def test_without_a_journal_the_fill_count_is_the_fills_in_memory() -> None:
    assert FillCount(lambda: None, lambda a: 7)("A") == 7
