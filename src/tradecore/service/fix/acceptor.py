"""The gateway's QuickFIX side: the acceptor, its sessions, and the hand-over to the engine.

QuickFIX's threads call :class:`SessionHandler`; it checks the Logon (a known SenderCompID,
its password if one is configured) and hands every application message to the engine's
thread through ``post`` (in ``serve`` the event loop's ``call_soon_threadsafe``: the same
thread the REST handlers run on), where :class:`~tradecore.service.fix.gateway.FixGateway`
handles it. Reports go out from the engine's thread through QuickFIX's ``sendToTarget``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from tradecore.fix import tags as T
from tradecore.service.auth import verify_secret
from tradecore.service.fix.answers import Outgoing
from tradecore.service.fix.config import FixConfig, acceptor_settings
from tradecore.service.fix.gateway import FixGateway, OrderEntry

log = logging.getLogger("tradecore.fix.gateway")
Post = Callable[[Callable[[], None]], object]


class SessionHandler:
    def __init__(self, config: FixConfig, post: Post) -> None:
        self.config = config
        self.post = post
        self.gateway: FixGateway | None = None
        self.logged_on: set[str] = set()

    def logon(self, comp: str, fields: dict[int, str]) -> None:
        from tradecore.fix.edge import Refused

        client = self.config.clients.get(comp)
        if client is None:
            raise Refused(f"unknown SenderCompID {comp}")
        if client.password_hash is not None and not verify_secret(
            fields.get(T.PASSWORD, ""), client.password_hash
        ):
            raise Refused("bad password")

    def on_logon(self, comp: str) -> None:
        self.logged_on.add(comp)
        log.info("FIX session %s logged on", comp)

    def on_logout(self, comp: str) -> None:
        self.logged_on.discard(comp)

    def on_app(self, comp: str, fields: dict[int, str], raw: str) -> None:
        gw = self.gateway
        if gw is not None:
            self.post(lambda: gw.handle(comp, fields))

    def outgoing_logon(self, comp: str) -> dict[int, str]:
        return {}


class FixAcceptor:
    """Build on the engine's thread (it subscribes to the engine's bus); ``start`` opens the
    port, ``stop`` logs every session out."""

    def __init__(self, config: FixConfig, base: Path, engine: OrderEntry, post: Post) -> None:
        from tradecore.fix.edge import Edge, Engine

        self.config = config
        self.handler = SessionHandler(config, post)
        self.gateway = FixGateway(engine, config, self._send)
        self.handler.gateway = self.gateway
        store = (base / config.session.store).resolve()
        self.engine = Engine(
            Edge(self.handler), acceptor_settings(config, base), store / "acceptor.cfg",
            log_dir=config.session.log is not None,
        )  # fmt: skip
        self.sent = 0

    def _send(self, comp: str, out: Outgoing) -> None:
        from tradecore.fix.edge import send

        self.sent += 1
        send(self.config.session.sender_comp_id, comp, out[0], out[1])

    def start(self) -> None:
        self.engine.start()

    def stop(self) -> None:
        self.engine.stop()
