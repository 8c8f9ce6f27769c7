"""QuickFIX's Application (:class:`Edge`) as QuickFIX calls it, with real QuickFIX messages
and session ids but no socket: what reaches the handler, what goes into our Logon, which
resends are refused, that a handler's failure never reaches QuickFIX; message building with
repeating groups, sending on an unknown session, validation; and :class:`Peer` (the tests'
QuickFIX endpoint) as the handler."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("quickfix", reason="the fix extra (QuickFIX) is not installed")

import quickfix as fix

from tests.integration.fix.harness import client
from tradecore.fix import tags as T
from tradecore.fix.edge import (
    BEGIN,
    Edge,
    Refused,
    Validator,
    build,
    send,
    session,
)
from tradecore.fix.peer import Peer
from tradecore.fix.qf import groups, parse
from tradecore.model.identifiers import Venue
from tradecore.venues.fix.client import FixVenueClient
from tradecore.venues.fix.config import FixVenueConfig

DICTIONARY = Path(sys.prefix) / "share" / "quickfix" / "FIX44.xml"
HEADER = ((49, "US"), (56, "THEM"), (34, "7"), (52, "20260101-00:00:00.000"))


class Recorder:
    """A Handler that records every call; ``fail`` names the callbacks that raise."""

    def __init__(self, fail: frozenset[str] = frozenset(), refuse: str | None = None) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.fail = fail
        self.refuse = refuse

    def _record(self, name: str, *args: Any) -> None:
        self.calls.append((name, args))
        if name in self.fail:
            raise RuntimeError(f"{name} broke")

    def logon(self, comp: str, fields: dict[int, str]) -> None:
        self._record("logon", comp, fields)
        if self.refuse is not None:
            raise Refused(self.refuse)

    def on_logon(self, comp: str) -> None:
        self._record("on_logon", comp)

    def on_logout(self, comp: str) -> None:
        self._record("on_logout", comp)

    def on_app(self, comp: str, fields: dict[int, str], raw: str) -> None:
        self._record("on_app", comp, fields, raw)

    def outgoing_logon(self, comp: str) -> dict[int, str]:
        self._record("outgoing_logon", comp)
        return {T.PASSWORD: "s3cret"}


def sid() -> Any:
    return fix.SessionID(BEGIN, "US", "THEM")


def message(msg_type: str, fields: Iterable[tuple[int, str]] = (), **header: str) -> Any:
    msg = build(msg_type, fields)
    h = msg.getHeader()
    for tag, value in HEADER:
        h.setField(tag, value)
    for k, v in header.items():
        h.setField(int(k[1:]), v)
    return msg


def names(r: Recorder) -> list[str]:
    return [n for n, _ in r.calls]


# ---------------------------------------------------------------------- session events
def test_logon_and_logout_reach_the_handler_with_the_peers_comp_id() -> None:
    r = Recorder()
    edge = Edge(r)
    edge.onCreate(sid())
    edge.onLogon(sid())
    edge.onLogout(sid())
    assert r.calls == [("on_logon", ("THEM",)), ("on_logout", ("THEM",))]


def test_a_failing_handler_is_logged_never_raised_into_quickfix(
    caplog: pytest.LogCaptureFixture,
) -> None:
    r = Recorder(fail=frozenset({"on_logon", "on_logout", "on_app"}))
    edge = Edge(r)
    with caplog.at_level(logging.ERROR, logger="tradecore.fix"):
        edge.onLogon(sid())
        edge.onLogout(sid())
        edge.fromApp(message("8", [(11, "A1")]), sid())
    assert names(r) == ["on_logon", "on_logout", "on_app"]
    logged = [rec.getMessage() for rec in caplog.records]
    assert logged == ["FIX handler on_logon failed", "FIX handler on_logout failed",
                      "FIX handler on_app failed"]  # fmt: skip


# ---------------------------------------------------------------------- admin out / in
def test_our_logon_carries_the_handlers_fields_other_admin_messages_do_not() -> None:
    r = Recorder()
    edge = Edge(r)
    logon = message("A", [(98, "0"), (108, "30")])
    edge.toAdmin(logon, sid())
    assert logon.getField(T.PASSWORD) == "s3cret"
    beat = message("0")
    edge.toAdmin(beat, sid())
    assert not beat.isSetField(T.PASSWORD)
    assert edge.admin_sent == ["A", "0"]
    assert r.calls == [("outgoing_logon", ("THEM",))]  # asked once: for the Logon only


def test_a_failing_outgoing_logon_still_logs_on_without_extra_fields() -> None:
    edge = Edge(Recorder(fail=frozenset({"outgoing_logon"})))
    logon = message("A", [(98, "0"), (108, "30")])
    edge.toAdmin(logon, sid())
    assert not logon.isSetField(T.PASSWORD)
    assert edge.admin_sent == ["A"]


def test_only_a_logon_from_the_peer_is_checked_by_the_handler() -> None:
    r = Recorder()
    edge = Edge(r)
    edge.fromAdmin(message("0"), sid())
    edge.fromAdmin(message("A", [(98, "0"), (108, "30"), (554, "pw")]), sid())
    assert [f[35] for f in edge.admin_received] == ["0", "A"]
    ((name, (comp, fields)),) = r.calls
    assert (name, comp, fields[554], fields[49]) == ("logon", "THEM", "pw", "US")


def test_a_refused_logon_is_rejected_with_the_handlers_text() -> None:
    edge = Edge(Recorder(refuse="unknown SenderCompID THEM"))
    with pytest.raises(fix.RejectLogon) as e:
        edge.fromAdmin(message("A", [(98, "0"), (108, "30")]), sid())
    assert e.value.args == ("unknown SenderCompID THEM",)


def test_a_logon_check_that_crashes_rejects_the_logon_without_its_details(
    caplog: pytest.LogCaptureFixture,
) -> None:
    edge = Edge(Recorder(fail=frozenset({"logon"})))
    with (
        caplog.at_level(logging.ERROR, logger="tradecore.fix"),
        pytest.raises(fix.RejectLogon) as e,
    ):
        edge.fromAdmin(message("A", [(98, "0"), (108, "30")]), sid())
    assert e.value.args == ("logon check failed",)  # not "logon broke": nothing internal leaks
    assert [rec.getMessage() for rec in caplog.records] == ["FIX logon check failed"]


# ---------------------------------------------------------------------- app out / in
@pytest.mark.parametrize("kind", ["D", "F", "G", "q"])  # new, cancel, replace, mass cancel
def test_a_resent_order_message_is_never_sent_again(kind: str) -> None:
    edge = Edge(Recorder())
    with pytest.raises(fix.DoNotSend):
        edge.toApp(message(kind, t43="Y"), sid())
    assert edge.resends_dropped == 1


@pytest.mark.parametrize(
    ("kind", "header"),
    [("D", {}), ("D", {"t43": "N"}), ("8", {"t43": "Y"}), ("H", {"t43": "Y"})],
)
def test_first_sends_and_resent_reports_go_out(kind: str, header: dict[str, str]) -> None:
    edge = Edge(Recorder())
    edge.toApp(message(kind, [], **header), sid())  # no DoNotSend
    assert edge.resends_dropped == 0


def test_an_endpoint_that_resends_orders_lets_quickfix_resend_them() -> None:
    edge = Edge(Recorder(), resend_orders=True)
    edge.toApp(message("D", t43="Y"), sid())
    assert edge.resends_dropped == 0


def test_an_application_message_reaches_the_handler_as_fields_and_text() -> None:
    r = Recorder()
    msg = message("8", [(11, "A1"), (150, "F"), (32, "0.25")], t43="Y")
    Edge(r).fromApp(msg, sid())
    ((name, (comp, fields, raw)),) = r.calls
    assert (name, comp) == ("on_app", "THEM")
    assert raw == msg.toString()
    assert (fields[35], fields[11], fields[150], fields[32], fields[43]) == (
        "8", "A1", "F", "0.25", "Y")  # fmt: skip


# ---------------------------------------------------------------------- build, send, validate
def test_a_message_with_a_repeating_group_is_built_entry_by_entry() -> None:
    entries = [[(269, "0"), (270, "59999"), (271, "2")], [(269, "1"), (270, "60001"), (271, "1")]]
    msg = build("W", [(55, "BTC/USD"), (262, "R1")], [(268, 269, entries)])
    raw = msg.toString()
    assert parse(raw)[268] == "2"
    assert groups(raw, 268, 269) == [{269: "0", 270: "59999", 271: "2"},
                                     {269: "1", 270: "60001", 271: "1"}]  # fmt: skip
    for tag, value in HEADER:
        msg.getHeader().setField(tag, value)
    assert Validator(DICTIONARY).check_raw(msg.toString()) is None


def test_sending_on_a_session_that_does_not_exist_returns_false(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="tradecore.fix"):
        assert send("NOBODY", "NOWHERE", "D", [(11, "A1")]) is False
    assert [rec.getMessage() for rec in caplog.records] == [
        "FIX session NOBODY->NOWHERE not found"]  # fmt: skip


def test_the_validator_names_what_is_wrong() -> None:
    v = Validator(DICTIONARY)
    nos = [(11, "A1"), (55, "BTC/USD"), (54, "1"), (60, "20260101-00:00:00"), (38, "1")]
    assert v.check("D", [*nos, (40, "1")]) is None
    assert v.check("D", nos) == "RequiredTagMissing: Required tag missing: 40"
    garbage = v.check_raw("not a FIX message")
    assert garbage is not None and garbage.startswith("InvalidMessage: ")
    bad_sum = message("D", [*nos, (40, "1")]).toString().replace("10=", "10=9")
    checked = v.check_raw(bad_sum)
    assert checked is not None and "CheckSum" in checked


# ---------------------------------------------------------------------- Peer as the handler
def peer(tmp: Path, password: str | None = None, settings: str = "") -> Peer:
    return Peer(settings, tmp, "US", "THEM", password=password)


def test_a_peer_sends_its_password_in_its_logon_only_when_it_has_one(tmp_path: Path) -> None:
    with_pw, without = peer(tmp_path, "pw1"), peer(tmp_path)
    assert with_pw.edge.resend_orders is True  # the tests' peers resend what they sent
    a, b = message("A", [(98, "0")]), message("A", [(98, "0")])
    with_pw.edge.toAdmin(a, sid())
    without.edge.toAdmin(b, sid())
    assert a.getField(T.PASSWORD) == "pw1"
    assert not b.isSetField(T.PASSWORD)
    with_pw.edge.fromAdmin(message("A", [(98, "0"), (108, "30")]), sid())  # accepts any logon


def test_a_peer_tracks_its_logons(tmp_path: Path) -> None:
    p = peer(tmp_path)
    p.edge.onLogon(sid())
    assert p.logged_on.is_set() and p.logons == 1
    p.edge.onLogout(sid())
    assert not p.logged_on.is_set()
    p.edge.onLogon(sid())
    assert p.logons == 2


def test_a_peer_keeps_every_message_in_order_and_wakes_a_waiter(tmp_path: Path) -> None:
    p = peer(tmp_path)
    seen: list[tuple[str, str]] = []
    p.on_message = lambda f, raw: seen.append((f[11], raw))
    msgs = [message("8", [(11, f"A{i}"), (150, "0")]) for i in range(3)]

    def quickfix_thread() -> None:
        for m in msgs:
            p.edge.fromApp(m, sid())

    t = threading.Thread(target=quickfix_thread)
    t.start()  # QuickFIX's thread
    got = p.wait(lambda f: f.get(11) == "A2", timeout_s=5)
    t.join()
    assert got is not None and got[150] == "0"
    assert [f[11] for f in p.inbox] == ["A0", "A1", "A2"]
    assert p.raw == [m.toString() for m in msgs]
    assert seen == [(f"A{i}", m.toString()) for i, m in enumerate(msgs)]
    assert [f[11] for f in p.where(lambda f: f[11] != "A1")] == ["A0", "A2"]
    assert p.wait(lambda f: f[11] == "A1", timeout_s=0.05, start=2) is None  # before start


def test_a_peer_has_no_session_before_it_starts(tmp_path: Path) -> None:
    p = client(tmp_path, 1, sender="EDGECLI", target="EDGEACC")
    assert p.session() is None
    p.stop()  # never started: nothing to stop
    assert p.engine is None and not p.logged_on.is_set()


def test_a_message_sent_while_the_peer_is_away_is_numbered_and_stored(tmp_path: Path) -> None:
    # an initiator built but not started: its session exists and is not logged on
    conf = FixVenueConfig(port=1, sender_comp_id="EDGEOUT", target_comp_id="EDGEIN",
                          store=tmp_path / "store")  # fmt: skip
    venue = FixVenueClient(Venue("EDGEV"), conf, [], dictionary=DICTIONARY)
    venue.prepare()
    try:
        s: Any = session("EDGEOUT", "EDGEIN")
        assert s is not None and not s.isLoggedOn()
        assert s.getExpectedSenderNum() == 1
        assert send("EDGEOUT", "EDGEIN", "H", [(11, "A1"), (54, "1"), (55, "BTC/USD")]) is True
        assert s.getExpectedSenderNum() == 2  # a resend request after the logon delivers it
        body = (tmp_path / "store" / "FIX.4.4-EDGEOUT-EDGEIN.body").read_text()
        assert "\x0135=H\x0134=1\x01" in body and "\x0111=A1\x01" in body
    finally:
        venue.stop()
    assert session("EDGEOUT", "EDGEIN") is None
