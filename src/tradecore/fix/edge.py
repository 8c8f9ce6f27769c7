"""The one module that imports QuickFIX: an Application that hands every callback to a
:class:`Handler` as plain fields, message building, sending and the engines' lifecycle.

QuickFIX calls the application on its own threads. Nothing here touches tradecore state:
the handler decides what to do (the gateway and the adapter hand the message to the
engine's thread). A handler's exception is logged, never raised into QuickFIX (which
would drop the session). SWIG releases the GIL around every QuickFIX call, so sending
from the engine's thread while QuickFIX calls back in on its thread cannot deadlock.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

import quickfix as fix  # the optional extra: import this module only when FIX is in use

from tradecore.fix import tags as T
from tradecore.fix.qf import parse

log = logging.getLogger("tradecore.fix")
BEGIN = "FIX.4.4"
#: order entry messages we never let QuickFIX resend (it gap-fills them instead): a resend
#: request after a reconnect must not send an order twice; the status is asked instead
NEVER_RESEND = frozenset({T.NEW_ORDER_SINGLE, T.ORDER_CANCEL, T.ORDER_REPLACE, T.MASS_CANCEL})


class Refused(Exception):
    """Raised by a handler's ``logon`` to refuse a Logon (with the text the peer sees)."""


class Handler(Protocol):
    def logon(self, comp: str, fields: dict[int, str]) -> None:
        """A Logon from ``comp`` (acceptor: may raise :class:`Refused`)."""

    def on_logon(self, comp: str) -> None: ...

    def on_logout(self, comp: str) -> None: ...

    def on_app(self, comp: str, fields: dict[int, str], raw: str) -> None: ...

    def outgoing_logon(self, comp: str) -> dict[int, str]:
        """Fields to add to our own Logon (a password)."""
        ...


class Edge(fix.Application):  # type: ignore[misc]
    """QuickFIX's Application over a :class:`Handler`; ``resend_orders`` False drops
    PossDup order messages QuickFIX would resend (:data:`NEVER_RESEND`)."""

    def __init__(self, handler: Handler, *, resend_orders: bool = False) -> None:
        super().__init__()
        self.handler = handler
        self.resend_orders = resend_orders
        self.resends_dropped = 0
        self.admin_sent: list[str] = []  # admin message types we sent (2 resend request, 3 reject)
        self.admin_received: list[dict[int, str]] = []

    def onCreate(self, sid: Any) -> None:
        return None

    def onLogon(self, sid: Any) -> None:
        self._safe(self.handler.on_logon, _peer(sid))

    def onLogout(self, sid: Any) -> None:
        self._safe(self.handler.on_logout, _peer(sid))

    def toAdmin(self, msg: Any, sid: Any) -> None:
        kind = msg.getHeader().getField(T.MSG_TYPE)
        self.admin_sent.append(kind)
        if kind == "A":
            extra = self._safe(self.handler.outgoing_logon, _peer(sid)) or {}
            for tag, value in extra.items():
                msg.setField(tag, value)

    def fromAdmin(self, msg: Any, sid: Any) -> None:
        fields = parse(msg.toString())
        self.admin_received.append(fields)
        if fields.get(T.MSG_TYPE) != "A":
            return
        try:
            self.handler.logon(_peer(sid), fields)
        except Refused as e:
            raise fix.RejectLogon(str(e)) from None
        except Exception:
            log.exception("FIX logon check failed")
            raise fix.RejectLogon("logon check failed") from None

    def toApp(self, msg: Any, sid: Any) -> None:
        header = msg.getHeader()
        if self.resend_orders or not header.isSetField(T.POSS_DUP):
            return
        if header.getField(T.POSS_DUP) == "Y" and header.getField(T.MSG_TYPE) in NEVER_RESEND:
            self.resends_dropped += 1
            raise fix.DoNotSend()

    def fromApp(self, msg: Any, sid: Any) -> None:
        raw = msg.toString()
        self._safe(self.handler.on_app, _peer(sid), parse(raw), raw)

    @staticmethod
    def _safe(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except Exception:
            log.exception("FIX handler %s failed", getattr(fn, "__name__", fn))
            return None


def _peer(sid: Any) -> str:
    return str(sid.getTargetCompID().getValue())


def session(sender: str, target: str) -> Any:
    """QuickFIX's Session object (sequence numbers: ``getExpectedSenderNum``, ...)."""
    return fix.Session.lookupSession(fix.SessionID(BEGIN, sender, target))


#: one repeating group: (count tag, first tag of an entry, the entries' fields)
GroupSpec = tuple[int, int, list[list[tuple[int, str]]]]


def build(
    msg_type: str, fields: Iterable[tuple[int, str]], groups: Iterable[GroupSpec] = ()
) -> Any:
    msg = fix.Message()
    header = msg.getHeader()
    header.setField(fix.BeginString(BEGIN))
    header.setField(fix.MsgType(msg_type))
    for tag, value in fields:
        msg.setField(tag, value)
    for count_tag, first_tag, entries in groups:
        for entry in entries:
            g = fix.Group(count_tag, first_tag)
            for tag, value in entry:
                g.setField(tag, value)
            msg.addGroup(g)
    return msg


def send(
    sender: str, target: str, msg_type: str, fields: Iterable[tuple[int, str]],
    groups: Iterable[GroupSpec] = (),
) -> bool:  # fmt: skip
    """Send on the session ``sender`` -> ``target`` (stored and numbered even while the
    peer is away: a resend request after it logs on again delivers it, PossDup)."""
    try:
        return bool(fix.Session.sendToTarget(build(msg_type, fields, groups), fix.SessionID(
            BEGIN, sender, target)))  # fmt: skip
    except fix.SessionNotFound:
        log.warning("FIX session %s->%s not found", sender, target)
        return False


class Validator:
    """Validates messages against a data dictionary (FIX44.xml), as a peer would."""

    def __init__(self, path: Path) -> None:
        self.dd = fix.DataDictionary(str(path))

    def check(self, msg_type: str, fields: Iterable[tuple[int, str]]) -> str | None:
        """None if the message is valid, else QuickFIX's reason."""
        msg = build(msg_type, fields)
        h = msg.getHeader()
        for tag, value in ((49, "S"), (56, "T"), (34, "1"), (52, "20260101-00:00:00.000")):
            h.setField(tag, value)
        return self.check_raw(msg.toString())

    def check_raw(self, raw: str) -> str | None:
        """None if the message text (as sent or received) is valid, else the reason."""
        try:
            self.dd.validate(fix.Message(raw, self.dd))
        except Exception as e:
            return f"{type(e).__name__}: {e}"
        return None


class Engine:
    """A QuickFIX socket acceptor or initiator over settings text, started and stopped."""

    def __init__(self, app: Edge, settings_text: str, settings_path: Path, *, log_dir: bool):
        settings_path.parent.mkdir(parents=True, exist_ok=True)
        settings_path.write_text(settings_text)
        self.app = app
        self.settings = fix.SessionSettings(str(settings_path))
        self.store = fix.FileStoreFactory(self.settings)
        self.logs = fix.FileLogFactory(self.settings) if log_dir else None
        acceptor = "ConnectionType=acceptor" in settings_text
        kind = fix.SocketAcceptor if acceptor else fix.SocketInitiator
        self.socket = kind(app, self.store, self.settings, self.logs)
        self.running = False

    def start(self) -> None:
        self.socket.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.running = False
            self.socket.stop()
