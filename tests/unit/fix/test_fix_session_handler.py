"""The gateway's QuickFIX side without a socket: the Logon check (known SenderCompID, its
password), the sessions it tracks, and the hand-over of application messages to the
engine's thread (``post``), through QuickFIX's Application (:class:`Edge`) as QuickFIX
calls it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip("quickfix", reason="the fix extra (QuickFIX) is not installed")

import quickfix as fix

from tests.unit.fix.test_gateway import CFG, Desk
from tradecore.fix.edge import BEGIN, Edge, Refused, build
from tradecore.model.identifiers import ClientOrderId
from tradecore.service.auth import hash_secret
from tradecore.service.fix.acceptor import SessionHandler
from tradecore.service.fix.config import FixConfig

SECRET = "desk-password"
LOCKED = FixConfig.model_validate(
    {"clients": {"DESK1": {"accounts": ["DEMO"], "password_hash": hash_secret(SECRET)},
                 "OPEN": {"accounts": ["DEMO"]}}}
)  # fmt: skip


class Posted:
    """The event loop's ``call_soon_threadsafe``: keeps what is handed over, runs it later."""

    def __init__(self) -> None:
        self.calls: list[Callable[[], None]] = []

    def __call__(self, fn: Callable[[], None]) -> None:
        self.calls.append(fn)

    def run(self) -> None:
        calls, self.calls = self.calls, []
        for fn in calls:
            fn()


def sid(client: str) -> Any:
    return fix.SessionID(BEGIN, "TRADECORE", client)


def logon_msg(**tags: str) -> Any:
    msg = build("A", [(98, "0"), (108, "30"), *((int(k[1:]), v) for k, v in tags.items())])
    for tag, value in ((49, "X"), (56, "TRADECORE"), (34, "1"), (52, "20260101-00:00:00.000")):
        msg.getHeader().setField(tag, value)
    return msg


def test_a_logon_from_an_unknown_sender_comp_id_is_refused_naming_it() -> None:
    h = SessionHandler(LOCKED, Posted())
    with pytest.raises(Refused, match="unknown SenderCompID STRANGER"):
        h.logon("STRANGER", {})


@pytest.mark.parametrize("password", [None, "", "wrong", SECRET + " "])
def test_a_logon_without_the_right_password_is_refused(password: str | None) -> None:
    h = SessionHandler(LOCKED, Posted())
    fields = {} if password is None else {554: password}
    with pytest.raises(Refused, match="bad password"):
        h.logon("DESK1", fields)


def test_the_right_password_or_none_configured_logs_on() -> None:
    h = SessionHandler(LOCKED, Posted())
    h.logon("DESK1", {554: SECRET})  # no Refused
    h.logon("OPEN", {})
    h.logon("OPEN", {554: "anything"})


def test_quickfix_rejects_the_logon_with_the_handlers_reason() -> None:
    edge = Edge(SessionHandler(LOCKED, Posted()))
    with pytest.raises(fix.RejectLogon, match="unknown SenderCompID STRANGER"):
        edge.fromAdmin(logon_msg(), sid("STRANGER"))
    with pytest.raises(fix.RejectLogon, match="bad password"):
        edge.fromAdmin(logon_msg(t554="wrong"), sid("DESK1"))
    edge.fromAdmin(logon_msg(t554=SECRET), sid("DESK1"))  # accepted: no RejectLogon
    assert [f[554] for f in edge.admin_received if 554 in f] == ["wrong", SECRET]


def test_the_gateway_adds_nothing_to_its_own_logon() -> None:
    h = SessionHandler(LOCKED, Posted())
    assert h.outgoing_logon("DESK1") == {}
    msg = logon_msg()
    Edge(h).toAdmin(msg, sid("DESK1"))
    assert not msg.isSetField(554)


def test_sessions_logged_on_are_tracked_until_they_log_out() -> None:
    h = SessionHandler(LOCKED, Posted())
    edge = Edge(h)
    edge.onLogon(sid("DESK1"))
    edge.onLogon(sid("OPEN"))
    assert h.logged_on == {"DESK1", "OPEN"}
    edge.onLogout(sid("DESK1"))
    h.on_logout("NEVER")  # a session that never logged on: nothing to forget
    assert h.logged_on == {"OPEN"}


def test_an_application_message_is_handed_to_the_engine_thread_not_handled_inline() -> None:
    desk = Desk()
    posted = Posted()
    h = SessionHandler(CFG, posted)
    h.gateway = desk.gw
    h.on_app("DESK1", {35: "D", 11: "H1", 55: "BTC/USD", 54: "1", 38: "0.01", 40: "2",
                       44: "59900"}, "raw")  # fmt: skip
    assert len(posted.calls) == 1
    assert desk.gw.engine.orders.get(ClientOrderId("H1")) is None  # not yet: on the engine's thread
    posted.run()
    order = desk.gw.engine.orders.get(ClientOrderId("H1"))
    assert order is not None and order.tag == "fix:DESK1"
    desk.step()
    assert [r[150] for r in desk.reports("H1")] == ["0"]


def test_an_application_message_before_the_gateway_exists_is_dropped() -> None:
    posted = Posted()
    h = SessionHandler(CFG, posted)
    h.on_app("DESK1", {35: "D", 11: "H1"}, "raw")
    assert posted.calls == []
