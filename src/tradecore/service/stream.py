"""The WebSocket fan-out: which stream may see which message.

Every message type the stream can send has a rule in :data:`RULES`; a type without one is
never sent (fail closed). A rule names the message's *owner*:

* an account: only streams of keys for that account (or ``*``) get it;
* :data:`PUBLIC`: every stream (market data);
* :data:`FIRM`: only streams of keys for all accounts (``*``): firm-wide facts such as a
  global kill switch (scope, who, why);
* :data:`NEVER`: not streamed (commands are not published; listed so that the type list of
  the test is complete).

A routing decision carries no account: its owner is the account of its parent order.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, Final

from tradecore.model import codec
from tradecore.model.commands import CancelOrder, Command, ReplaceOrder, SubmitOrder
from tradecore.model.events import ORDER_EVENTS, Event, OrderFilled
from tradecore.model.market import Quote
from tradecore.risk.emergency import TradingStateChanged
from tradecore.risk.events import (
    BreachActionTaken,
    FlattenReport,
    KillSwitchChanged,
    ReplaceChecked,
    RiskAlert,
)
from tradecore.routing.decisions import RoutingDecision
from tradecore.service.clock import ClockAdvanced
from tradecore.strategy.host import StrategyAlert

PUBLIC: Final = "\x00public"
FIRM: Final = "\x00firm"
NEVER: Final = "\x00never"
QUOTE_EVERY_NS = 250_000_000

OwnerOf = Callable[[str], str | None]  # client order id -> its account (None: unknown)
Rule = Callable[[Any, OwnerOf], str | None]  # message -> owner (None: drop)


def _by_account(m: Any, _: OwnerOf) -> str | None:
    return str(m.account)


def _by_parent(m: Any, owner_of: OwnerOf) -> str | None:
    return owner_of(str(m.parent_id)) or FIRM  # an unknown parent: only all-account keys


def _by_scope(m: Any, _: OwnerOf) -> str | None:
    return FIRM if m.scope == "*" else str(m.scope)


def _by_account_scope(m: Any, _: OwnerOf) -> str | None:
    return FIRM if m.account == "*" else str(m.account)  # "*": a global state, firm keys only


def _public(m: Any, _: OwnerOf) -> str | None:
    return PUBLIC


def _never(m: Any, _: OwnerOf) -> str | None:
    return NEVER


RULES: dict[type[Any], Rule] = {
    **{t: _by_account for t in ORDER_EVENTS},
    RiskAlert: _by_account,
    BreachActionTaken: _by_account,
    ReplaceChecked: _by_account,
    FlattenReport: _by_account,
    TradingStateChanged: _by_account_scope,
    StrategyAlert: _by_account,
    KillSwitchChanged: _by_scope,
    RoutingDecision: _by_parent,
    Quote: _public,
    Command: _never,
    SubmitOrder: _never,
    CancelOrder: _never,
    ReplaceOrder: _never,
    Event: _never,  # the abstract base
    ClockAdvanced: _never,  # serve's manual clock: journaled, never published
}


def may_see(accounts: frozenset[str], owner: str) -> bool:
    """Whether a stream for ``accounts`` gets a message owned by ``owner``."""
    if owner == NEVER:
        return False
    if owner == PUBLIC or "*" in accounts:
        return True
    return owner in accounts


class StreamHub:
    """Subscribed to the engine bus; puts each message, encoded once, on the queue of every
    stream allowed to see it. A slow consumer is dropped, never allowed to block the engine."""

    def __init__(
        self,
        owner_of: OwnerOf,
        positions: Callable[[str], list[dict[str, Any]]],
        equity: Callable[[], tuple[str, tuple[int, str]] | None] = lambda: None,
    ) -> None:
        self.owner_of = owner_of
        self.positions = positions
        self.equity = equity
        self.clients: dict[asyncio.Queue[str], frozenset[str]] = {}
        self._last_quote: dict[str, int] = {}
        self._last_equity: tuple[int, str] | None = None

    def connect(self, accounts: Iterable[str], maxsize: int = 5000) -> asyncio.Queue[str]:
        q: asyncio.Queue[str] = asyncio.Queue(maxsize=maxsize)
        self.clients[q] = frozenset(accounts)
        return q

    def disconnect(self, q: asyncio.Queue[str]) -> None:
        self.clients.pop(q, None)

    def on_message(self, m: Any) -> None:
        if not self.clients:
            return
        rule = RULES.get(type(m))
        if rule is None:
            return  # no rule, not streamed
        if type(m) is Quote:
            sym = m.instrument_id.symbol
            last = self._last_quote.get(sym)
            if last is not None and m.ts - last < QUOTE_EVERY_NS:
                return
            self._last_quote[sym] = m.ts
            self.send("quote", quote_json(m), PUBLIC)
            self._equity_tick()
            return
        owner = rule(m, self.owner_of)
        if owner is None or owner == NEVER:
            return
        self.send(type(m).__name__, codec.encode(m), owner)
        if type(m) is OrderFilled:
            self.send("positions", self.positions(str(m.account)), str(m.account))

    def _equity_tick(self) -> None:
        eq = self.equity()
        if eq is None or eq[1] == self._last_equity:
            return
        account, point = eq
        self._last_equity = point
        self.send("equity", {"ts": point[0], "equity": point[1], "account": account}, account)

    def send(self, kind: str, data: Any, owner: str) -> None:
        msg: str | None = None
        dead = []
        for q, accounts in self.clients.items():
            if not may_see(accounts, owner):
                continue
            if msg is None:
                msg = json.dumps({"type": kind, "data": data}, default=str)
            try:
                q.put_nowait(msg)
            except asyncio.QueueFull:
                dead.append(q)
        for q in dead:
            self.clients.pop(q, None)


def quote_json(q: Quote) -> dict[str, Any]:
    return {
        "instrument_id": str(q.instrument_id), "bid": str(q.bid), "ask": str(q.ask),
        "bid_size": str(q.bid_size), "ask_size": str(q.ask_size), "ts": q.ts,
        "mid": str((q.bid + q.ask) / Decimal(2)),
    }  # fmt: skip
