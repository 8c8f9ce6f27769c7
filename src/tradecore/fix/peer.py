"""A QuickFIX endpoint that keeps what it receives: the FIX client and venue of tests, the
latency benchmark and tools. Handles one session; every message in is kept, in order."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from tradecore.fix.edge import Edge, Engine, GroupSpec, send, session
from tradecore.fix.tags import Fields

Match = Callable[[Fields], bool]


class Peer:
    def __init__(
        self, settings_text: str, folder: Path, sender: str, target: str, *,
        password: str | None = None, resend_orders: bool = True,
    ) -> None:  # fmt: skip
        self.sender, self.target = sender, target
        self.password = password
        self.inbox: list[Fields] = []
        self.raw: list[str] = []
        self.logons = 0
        self.logged_on = threading.Event()
        self.on_message: Callable[[Fields, str], None] | None = None
        self._cond = threading.Condition()
        self.edge = Edge(self, resend_orders=resend_orders)
        self._make: Callable[[], Engine] = lambda: Engine(
            self.edge, settings_text, folder / f"{sender}-{target}.cfg",
            log_dir="FileLogPath" in settings_text,
        )  # fmt: skip
        self.engine: Engine | None = None

    # Handler
    def logon(self, comp: str, fields: Fields) -> None:
        return None

    def outgoing_logon(self, comp: str) -> Fields:
        return {} if self.password is None else {554: self.password}

    def on_logon(self, comp: str) -> None:
        self.logons += 1
        self.logged_on.set()

    def on_logout(self, comp: str) -> None:
        self.logged_on.clear()

    def on_app(self, comp: str, fields: Fields, raw: str) -> None:
        with self._cond:
            self.inbox.append(fields)
            self.raw.append(raw)
            self._cond.notify_all()
        if self.on_message is not None:
            self.on_message(fields, raw)

    # use
    def start(self, wait_s: float = 0.0) -> bool:
        """Start (again: a fresh QuickFIX engine on the same store, numbers going on)."""
        if self.engine is None:
            self.engine = self._make()
        self.engine.start()
        return self.logged_on.wait(wait_s) if wait_s else True

    def stop(self) -> None:
        """Log out and drop the QuickFIX engine (one per session at a time, in a process)."""
        if self.engine is not None:
            self.engine.stop()
            self.engine = None
        self.logged_on.clear()

    def send(
        self, msg_type: str, fields: list[tuple[int, str]], groups: list[GroupSpec] | None = None
    ) -> bool:
        return send(self.sender, self.target, msg_type, fields, groups or ())

    def session(self) -> object:
        return session(self.sender, self.target)

    def wait(self, match: Match, timeout_s: float = 10.0, start: int = 0) -> Fields | None:
        """The first message (from index ``start``) that ``match`` es, waiting for it."""
        end = time.monotonic() + timeout_s
        with self._cond:
            while True:
                for f in self.inbox[start:]:
                    if match(f):
                        return f
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    def where(self, match: Match) -> list[Fields]:
        with self._cond:
            return [f for f in self.inbox if match(f)]
