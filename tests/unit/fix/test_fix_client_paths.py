"""The FIX venue adapter (:class:`FixVenueClient`) without a venue: what it does while the
session is down, what it writes, how QuickFIX's callbacks (through :class:`Edge`, as
QuickFIX calls them) become health, books, quotes and the sink's reports, handed over only
in ``drain``; and the status request answered from QuickFIX's thread."""

from __future__ import annotations

import sys
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("quickfix", reason="the fix extra (QuickFIX) is not installed")

import quickfix as fix

from tradecore.fix import edge as edge_module
from tradecore.fix.edge import BEGIN, build
from tradecore.model.enums import LiquiditySide, OrderType, ReasonCode, Side, TimeInForce
from tradecore.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    TradeId,
    Venue,
    VenueOrderId,
)
from tradecore.model.instrument import spot
from tradecore.model.market import Quote
from tradecore.model.orders import Order
from tradecore.model.values import Currency, Money
from tradecore.venues.fix.client import FixVenueClient
from tradecore.venues.fix.config import FixVenueConfig
from tradecore.venues.protocol import VenueHealth

DICTIONARY = Path(sys.prefix) / "share" / "quickfix" / "FIX44.xml"
D = Decimal
IID = InstrumentId.of("ETH/EUR", "FIXV")


class Sink:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def on_accepted(self, coid: ClientOrderId, venue_order_id: VenueOrderId) -> None:
        self.calls.append(("on_accepted", (coid, venue_order_id)))

    def on_rejected(self, coid: ClientOrderId, reason: ReasonCode, message: str) -> None:
        self.calls.append(("on_rejected", (coid, reason, message)))

    def on_filled(self, coid: ClientOrderId, trade_id: TradeId, quantity: Decimal,
                  price: Decimal, fee: Money, liquidity: LiquiditySide) -> None:  # fmt: skip
        self.calls.append(("on_filled", (coid, trade_id, quantity, price, fee, liquidity)))

    def on_canceled(self, coid: ClientOrderId, message: str = "") -> None:
        self.calls.append(("on_canceled", (coid, message)))

    def on_cancel_rejected(self, coid: ClientOrderId, reason: ReasonCode, message: str) -> None:
        self.calls.append(("on_cancel_rejected", (coid, reason, message)))

    def on_replaced(self, coid: ClientOrderId, venue_order_id: VenueOrderId) -> None:
        self.calls.append(("on_replaced", (coid, venue_order_id)))

    def on_replace_rejected(self, coid: ClientOrderId, reason: ReasonCode, message: str) -> None:
        self.calls.append(("on_replace_rejected", (coid, reason, message)))

    def on_expired(self, coid: ClientOrderId) -> None:
        self.calls.append(("on_expired", (coid,)))


class Wakes:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> None:
        self.n += 1


def make(tmp: Path, *, wakes: Wakes | None = None, dictionary: Path | None = DICTIONARY,
         **cfg: Any) -> tuple[FixVenueClient, Sink]:  # fmt: skip
    conf = FixVenueConfig.model_validate(
        {"port": 1, "target_comp_id": "XVENUE", "store": tmp, "status_timeout_s": 0.05, **cfg}
    )
    inst = spot("ETH/EUR", "FIXV", tick="0.01", lot="0.001")
    client = FixVenueClient(Venue("FIXV"), conf, [inst], notify=wakes, dictionary=dictionary)
    sink = Sink()
    client.bind(sink)
    return client, sink


def order(coid: str, qty: str = "0.5", price: str | None = "3000") -> Order:
    return Order(ClientOrderId(coid), AccountId("ACC"), IID, Side.SELL,
                 OrderType.LIMIT if price else OrderType.MARKET, D(qty),
                 D(price) if price else None, TimeInForce.GTC)  # fmt: skip


def sid() -> Any:
    return fix.SessionID(BEGIN, "TRADECORE", "XVENUE")


def incoming(msg_type: str, fields: list[tuple[int, str]], groups: Any = (), **hdr: str) -> Any:
    msg = build(msg_type, fields, groups)
    h = msg.getHeader()
    for tag, value in (
        (49, "XVENUE"),
        (56, "TRADECORE"),
        (34, "9"),
        (52, "20260101-00:00:00.000"),
        *((int(k[1:]), v) for k, v in hdr.items()),
    ):
        h.setField(tag, value)  # fmt: skip
    return msg


def snapshot(*levels: tuple[str, str, str]) -> Any:
    entries = [[(269, side), (270, px), (271, size)] for side, px, size in levels]
    return incoming("W", [(55, "ETH/EUR"), (262, "R1")], [(268, 269, entries)])


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str, dict[int, str]]]:
    """What the adapter hands QuickFIX to send (sender, target, type, fields)."""
    out: list[tuple[str, str, str, dict[int, str]]] = []

    def fake_send(sender: str, target: str, msg_type: str, fields: Any, groups: Any = ()) -> bool:
        out.append((sender, target, msg_type, dict(fields)))
        return True

    monkeypatch.setattr(edge_module, "send", fake_send)
    return out


# ---------------------------------------------------------------------- session down
def test_while_the_session_is_down_everything_is_refused_at_once_and_nothing_sent(
    tmp_path: Path, wire: list[tuple[str, str, str, dict[int, str]]]
) -> None:
    client, sink = make(tmp_path)
    assert client.health() is VenueHealth.DOWN
    o = order("A1")
    client.submit(o)
    client.cancel(o)
    client.replace(o, order("A2", qty="0.4"))
    assert wire == [] and client.sent == []
    assert sink.calls == []  # handed over on the engine's thread only
    assert client.drain() == 3
    why = "FIX session to FIXV is not logged on"
    assert sink.calls == [
        ("on_rejected", ("A1", ReasonCode.VENUE_UNAVAILABLE, why)),
        ("on_cancel_rejected", ("A1", ReasonCode.VENUE_UNAVAILABLE, why)),
        ("on_replace_rejected", ("A1", ReasonCode.VENUE_UNAVAILABLE, why)),
    ]


# ---------------------------------------------------------------------- out
def test_every_message_carries_the_configured_account_on_our_session(
    tmp_path: Path, wire: list[tuple[str, str, str, dict[int, str]]]
) -> None:
    client, _ = make(tmp_path, account="ACC1", sender_comp_id="TCX")
    client.logged_on.set()
    o = order("A1")
    client.submit(o)
    client.cancel(o)
    client.replace(o, order("A2", qty="0.4", price="3001"))
    assert [(s, t, k) for s, t, k, _ in wire] == [("TCX", "XVENUE", "D"), ("TCX", "XVENUE", "F"),
                                                  ("TCX", "XVENUE", "G")]  # fmt: skip
    assert client.sent == ["D", "F", "G"]
    assert [f.get(1) for *_, f in wire] == ["ACC1", "ACC1", "ACC1"]
    nos, cxl, rpl = (f for *_, f in wire)
    assert (nos[11], nos[54], nos[38], nos[40], nos[44], nos[59]) == (
        "A1", "2", "0.5", "2", "3000", "1")  # fmt: skip
    assert (cxl[11], cxl[41], cxl[55]) == ("A1~C1", "A1", "ETH/EUR") and 44 not in cxl
    assert (rpl[11], rpl[41], rpl[38], rpl[44]) == ("A2", "A1", "0.4", "3001")


def test_without_an_account_none_is_written(
    tmp_path: Path, wire: list[tuple[str, str, str, dict[int, str]]]
) -> None:
    client, _ = make(tmp_path)
    client.logged_on.set()
    client.submit(order("A1", price=None))
    ((*_, nos),) = wire
    assert 1 not in nos and 44 not in nos and nos[40] == "1"


# ---------------------------------------------------------------------- session events
def test_health_follows_the_session_and_each_change_wakes_the_engine(tmp_path: Path) -> None:
    wakes = Wakes()
    client, _ = make(tmp_path, wakes=wakes)
    client.edge.onLogon(sid())
    assert client.health() is VenueHealth.UP and client.logons == 1 and wakes.n == 1
    client.edge.onLogout(sid())
    assert client.health() is VenueHealth.DOWN and wakes.n == 2
    client.edge.onLogon(sid())
    assert client.logons == 2 and client.health() is VenueHealth.UP


@pytest.mark.parametrize("password", [None, "venue-pw"])
def test_our_logon_carries_the_configured_password_only(
    tmp_path: Path, password: str | None
) -> None:
    client, _ = make(tmp_path, password=password)
    logon = incoming("A", [(98, "0"), (108, "30")])
    client.edge.toAdmin(logon, sid())
    assert (logon.getField(554) if logon.isSetField(554) else None) == password
    client.edge.fromAdmin(incoming("A", [(98, "0"), (108, "30")]), sid())  # the venue's: taken


# ---------------------------------------------------------------------- in: books, quotes
def test_a_book_snapshot_becomes_the_book_and_a_quote_for_subscribers(tmp_path: Path) -> None:
    wakes = Wakes()
    client, sink = make(tmp_path, wakes=wakes)
    quotes: list[Quote] = []
    client.subscribe_quotes(IID, quotes.append)
    client.edge.fromApp(snapshot(("1", "3001", "1"), ("0", "2999", "2"), ("1", "3000.5", "0.3"),
                                 ("0", "2999.5", "0.1")), sid())  # fmt: skip
    assert wakes.n == 1
    assert client.book(IID) is None and quotes == []  # queued for the engine's thread
    assert client.drain() == 1
    book = client.book(IID)
    assert book is not None
    assert [(lv.price, lv.size) for lv in book.bids] == [(D("2999.5"), D("0.1")), (D("2999"), D(2))]
    assert [lv.price for lv in book.asks] == [D("3000.5"), D("3001")]
    (q,) = quotes
    assert (q.instrument_id, q.bid, q.bid_size, q.ask, q.ask_size) == (
        IID, D("2999.5"), D("0.1"), D("3000.5"), D("0.3"))  # fmt: skip
    assert q.ts == book.ts
    assert sink.calls == []
    client.edge.fromApp(snapshot(("0", "2998", "1"), ("1", "3002", "1")), sid())
    client.drain()
    later = client.book(IID)
    assert later is not None and later.version > book.version
    assert [q.bid for q in quotes] == [D("2999.5"), D("2998")]


def test_a_one_sided_book_is_kept_but_quotes_no_one(tmp_path: Path) -> None:
    client, _ = make(tmp_path)
    quotes: list[Quote] = []
    client.subscribe_quotes(IID, quotes.append)
    client.edge.fromApp(snapshot(("0", "2999", "2")), sid())
    client.drain()
    book = client.book(IID)
    assert book is not None and book.asks == () and len(book.bids) == 1
    assert quotes == []


# ---------------------------------------------------------------------- in: reports
def test_reports_reach_the_sink_in_order_on_drain_and_resends_are_counted(
    tmp_path: Path, wire: list[tuple[str, str, str, dict[int, str]]]
) -> None:
    client, sink = make(tmp_path)
    client.logged_on.set()
    client.submit(order("A1"))  # ETH/EUR: the fee is in EUR
    fill = [(37, "V1"), (11, "A1"), (17, "X1"), (150, "F"), (39, "1"), (55, "ETH/EUR"),
            (54, "2"), (151, "0.3"), (14, "0.2"), (6, "3000"), (32, "0.2"), (31, "3000"),
            (12, "0.6"), (851, "1")]  # fmt: skip
    client.edge.fromApp(incoming("8", [(37, "V1"), (11, "A1"), (17, "X0"), (150, "0"), (39, "0"),
                                       (55, "ETH/EUR"), (54, "2"), (151, "0.5"), (14, "0"),
                                       (6, "0")]), sid())  # fmt: skip
    client.edge.fromApp(incoming("8", fill), sid())
    client.edge.fromApp(incoming("8", fill, t43="Y", t97="Y"), sid())  # resent after a gap
    assert client.possdup_received == 1
    assert sink.calls == []
    assert client.drain() == 3
    filled = ("on_filled", (ClientOrderId("A1"), TradeId("X1"), D("0.2"), D("3000"),
                            Money(D("0.6"), Currency.of("EUR")), LiquiditySide.MAKER))  # fmt: skip
    # the sink sees the resend (its duplicate handling books it once); the adapter keeps it once
    assert sink.calls == [("on_accepted", ("A1", "V1")), filled, filled]
    status = client.order_status(ClientOrderId("A1"))  # unanswered: what the adapter has seen
    assert status.filled_qty == D("0.2") and [t.trade_id for t in status.trades] == ["X1"]


def test_reports_drained_before_a_sink_is_bound_are_not_delivered_to_it_later(
    tmp_path: Path,
) -> None:
    conf = FixVenueConfig(port=1, target_comp_id="XVENUE", store=tmp_path)
    client = FixVenueClient(Venue("FIXV"), conf, [], dictionary=DICTIONARY)
    client.edge.fromApp(incoming("8", [(37, "V1"), (11, "A1"), (17, "X0"), (150, "0"),
                                       (39, "0"), (55, "ETH/EUR"), (54, "2")]), sid())  # fmt: skip
    assert client.drain() == 1  # no sink: consumed without error
    sink = Sink()
    client.bind(sink)
    assert client.drain() == 0 and sink.calls == []


# ---------------------------------------------------------------------- status request
def status_answer(coid: str, ord_status: str, order_id: str, cum: str) -> Any:
    return incoming("8", [(37, order_id), (11, coid), (17, "S1"), (150, "I"), (39, ord_status),
                          (55, "ETH/EUR"), (54, "2"), (151, "0"), (14, cum), (6, "3000")])  # fmt: skip


def test_a_status_request_is_answered_from_quickfixs_thread(
    tmp_path: Path, wire: list[tuple[str, str, str, dict[int, str]]]
) -> None:
    client, sink = make(tmp_path, status_timeout_s=5)
    client.logged_on.set()
    client.submit(order("A1"))
    answers: list[threading.Thread] = []
    recorded = edge_module.send

    def venue(sender: str, target: str, msg_type: str, fields: Any, groups: Any = ()) -> bool:
        ok = recorded(sender, target, msg_type, fields, groups)
        if msg_type == "H":  # the venue answers on QuickFIX's thread, after the request
            t = threading.Thread(target=client.edge.fromApp,
                                 args=(status_answer("A1", "1", "V1", "0.2"), sid()))  # fmt: skip
            t.start()
            answers.append(t)
        return ok

    edge_module.send = venue  # type: ignore[assignment]
    try:
        st = client.order_status(ClientOrderId("A1"))
    finally:
        edge_module.send = recorded  # type: ignore[assignment]
    for t in answers:
        t.join()
    assert (st.known, st.open, st.venue_order_id, st.filled_qty) == (True, True, "V1", D("0.2"))
    h = wire[-1][3]
    assert (wire[-1][2], h[11], h[55]) == ("H", "A1", "ETH/EUR")
    assert client.drain() == 0 and sink.calls == []  # the answer is no report for the sink


def test_a_status_answer_nobody_waits_for_is_not_a_report(tmp_path: Path) -> None:
    client, sink = make(tmp_path)
    client.edge.fromApp(status_answer("LATE", "4", "V9", "0"), sid())
    assert client.drain() == 0 and sink.calls == []


def test_a_status_request_for_an_order_we_never_sent_names_a_known_symbol(
    tmp_path: Path, wire: list[tuple[str, str, str, dict[int, str]]]
) -> None:
    client, _ = make(tmp_path)
    client.logged_on.set()
    st = client.order_status(ClientOrderId("GHOST"))  # unanswered within 0.05 s
    assert wire[-1][3][55] == "ETH/EUR"
    assert (st.known, st.filled_qty, st.trades) == (False, D(0), ())


# ---------------------------------------------------------------------- QuickFIX settings
def test_the_default_data_dictionary_is_the_one_quickfix_installs(tmp_path: Path) -> None:
    client, _ = make(tmp_path, dictionary=None, sender_comp_id="TCDEFDICT",
                     target_comp_id="XDEFDICT")  # fmt: skip
    client.prepare()
    try:
        cfg = (tmp_path / "initiator.cfg").read_text()
        default = Path(sys.prefix) / "share" / "quickfix" / "FIX44.xml"
        assert f"DataDictionary={default}\n" in cfg
        assert default.is_file()
        assert "TargetCompID=XDEFDICT" in cfg
    finally:
        client.stop()
    assert client.engine is None and client.health() is VenueHealth.DOWN
