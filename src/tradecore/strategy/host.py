"""The strategy host: routes engine events to the strategies that asked for them, runs
their timers, contains their exceptions. It talks to the engine only through the
:class:`~tradecore.strategy.context.StrategyContext` port.

Every callback runs deferred (``ctx.defer``): after the engine has finished the command or
venue report that produced the event, so the journal and subscribers keep strict sequence
order and a strategy sees positions already updated.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import structlog

from tradecore.engine.core import CommandResult
from tradecore.errors import ConfigError
from tradecore.model import codec
from tradecore.model.commands import CancelOrder, SubmitOrder
from tradecore.model.events import (
    ORDER_EVENTS,
    Event,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
)
from tradecore.model.identifiers import SMART, AccountId, ClientOrderId, InstrumentId
from tradecore.model.market import Quote
from tradecore.strategy.base import Strategy, Timer
from tradecore.strategy.context import StrategyContext
from tradecore.strategy.handle import OrderHandle
from tradecore.strategy.values import Fill, money_of, price_of, qty_of

log = structlog.get_logger("tradecore.strategy")


class StrategyAlert(msgspec.Struct, frozen=True, gc=False, tag=True, tag_field="type"):
    """A strategy was stopped: ``kind`` FAILED (it raised) or STOPPED (asked to)."""

    ts: int
    strategy: str
    account: str
    kind: str
    reason: str


codec.register(StrategyAlert)


class StrategyHost:
    def __init__(self, ctx: StrategyContext) -> None:
        self.ctx = ctx
        self.strategies: list[Strategy] = []
        self.alerts: list[StrategyAlert] = []
        self._quote_subs: dict[InstrumentId, list[Strategy]] = {}
        self._smart_subs: dict[str, list[tuple[Strategy, InstrumentId]]] = {}
        self._book_subs: dict[InstrumentId, list[Strategy]] = {}
        self._owner: dict[str, tuple[Strategy, OrderHandle]] = {}
        self.logs: deque[tuple[int, str, str]] = deque(maxlen=10_000)  # (ts, strategy, msg)
        self.echo: Callable[[str], None] | None = None  # live runs print strategy logs
        ctx.subscribe(Quote, self._on_quote)
        for kind in ORDER_EVENTS:
            ctx.subscribe(kind, self._on_order_event)

    # ------------------------------------------------------------------ lifecycle
    def add(self, strategy: Strategy) -> Strategy:
        if any(s.name == strategy.name for s in self.strategies):
            raise ConfigError("strategy.name", f"two strategies are named {strategy.name!r}")
        strategy._host = self
        # after a restart from the journal: number new orders after the strategy's old ones
        strategy._n = max(strategy._n, self.ctx.last_number(f"{strategy.name}-"))
        self.strategies.append(strategy)
        return strategy

    def start(self) -> None:
        for s in self.strategies:
            if s.state == "NEW":
                s.state = "RUNNING"
                self.ctx.call(self._run, s, s.on_start)

    def stop_all(self) -> None:
        for s in self.strategies:
            self.ctx.call(self._stop_one, s)

    def _stop_one(self, s: Strategy) -> None:
        if s.state == "RUNNING":
            self._run(s, s.on_stop)
            if s.state == "RUNNING":
                s.state = "STOPPED"

    def stop(self, s: Strategy, reason: str) -> None:
        if s.state != "RUNNING":
            return
        s.state = "STOPPED"
        self._alert(s, "STOPPED", reason)

    def _run(self, s: Strategy, fn: Callable[..., None], *args: Any) -> None:
        """The containment boundary: every strategy callback runs through here."""
        if s.state != "RUNNING":
            return
        try:
            fn(*args)
        except Exception as e:  # a strategy's bug must never reach the engine
            s.state = "FAILED"
            s.error = f"{type(e).__name__}: {e}"
            where = getattr(fn, "__name__", "callback")
            self._alert(s, "FAILED", f"{s.error} (in {where})")
            for h in list(s.orders):
                if h.is_open:
                    self.ctx.cancel(
                        CancelOrder(
                            client_order_id=ClientOrderId(h.id), account=AccountId(s.account)
                        )
                    )

    def _alert(self, s: Strategy, kind: str, reason: str) -> None:
        a = StrategyAlert(self.ctx.now_ns(), s.name, s.account, kind, reason)
        self.alerts.append(a)
        log.warning("strategy stopped", strategy=s.name, kind=kind, reason=reason)
        self.ctx.publish(a)
        if self.ctx.record is not None:  # the journal's audit trail (tradecore audit)
            self.ctx.record(a)

    def log(self, s: Strategy, message: str) -> None:
        ts = self.ctx.now_ns()
        self.logs.append((ts, s.name, message))
        if self.echo is not None:
            self.echo(f"{ts} {s.name}: {message}")

    # ------------------------------------------------------------------ subscriptions
    def subscribe(self, s: Strategy, iid: InstrumentId, *, book: bool) -> None:
        if self.ctx.instrument(iid) is None:
            raise ConfigError("subscribe", f"{iid} is not a configured instrument")
        if iid.venue == SMART:
            self._smart_subs.setdefault(iid.symbol, []).append((s, iid))
        else:
            self._quote_subs.setdefault(iid, []).append(s)
        if book:
            self._book_subs.setdefault(iid, []).append(s)

    def _on_quote(self, q: Quote) -> None:
        iid = q.instrument_id
        defer = self.ctx.defer
        for s in self._quote_subs.get(iid, ()):
            defer(self._run, s, s.on_quote, q)
        smart = self._smart_subs.get(iid.symbol)
        if smart:
            nbbo = self.ctx.quote(iid.on(SMART))
            for s, _sid in smart:
                defer(self._run, s, s.on_quote, nbbo)
        for key in (iid, iid.on(SMART)):
            for s in self._book_subs.get(key, ()):
                defer(self._book, s, key)

    def _book(self, s: Strategy, iid: InstrumentId) -> None:
        snap = self.ctx.book(iid)
        if snap is not None:
            self._run(s, s.on_book, snap)

    # ------------------------------------------------------------------ timers
    def timer(self, s: Strategy, at_ns: int, interval_ns: int, fn: Callable[[], None]) -> Timer:
        t = Timer(at_ns, interval_ns, fn)
        self._arm(s, t)
        return t

    def _arm(self, s: Strategy, t: Timer) -> None:
        self.ctx.schedule(t.at_ns, lambda: self.ctx.call(self._fire, s, t))

    def _fire(self, s: Strategy, t: Timer) -> None:
        if t.cancelled or s.state != "RUNNING":
            return
        if t.interval_ns:
            t.at_ns += t.interval_ns
            self._arm(s, t)
        self._run(s, t.fn)

    # ------------------------------------------------------------------ orders
    def own(self, s: Strategy, h: OrderHandle, coid: str) -> None:
        self._owner[coid] = (s, h)

    def submit(self, s: Strategy, h: OrderHandle, cmd: SubmitOrder) -> CommandResult:
        q = self.ctx.quote(cmd.instrument_id.on(SMART))
        h.arrival_mid = None if q is None else (q.bid + q.ask) / 2
        h.submitted_ns = self.ctx.now_ns()
        if cmd.quantity > 0:
            h.arrival_best_venue = self.ctx.best_single_venue(
                cmd.instrument_id.symbol, cmd.side.value == "BUY", cmd.quantity
            )
        return self.ctx.submit(cmd)

    def _on_order_event(self, e: Event) -> None:
        coid: str = e.client_order_id  # type: ignore[attr-defined]
        owned = self._owner.get(coid)
        if isinstance(e, OrderFilled):
            if owned is None and e.parent_id is not None:
                owned = self._owner.get(e.parent_id)
            if owned is None:
                return
            s, h = owned
            f = self._fill(h, e)
            h.fills.append(f)
            self.ctx.defer(self._run, s, s.on_fill, f, h)
        if owned is None:
            return
        s, h = owned
        if isinstance(e, OrderRejected):
            h.reject_reason = e.reason.value
        elif isinstance(e, OrderReplaced) and e.client_order_id == h.id:
            h.id = e.new_client_order_id
            h.ids.append(e.new_client_order_id)
        self.ctx.defer(self._run, s, s.on_order, e, h)

    def _fill(self, h: OrderHandle, e: OrderFilled) -> Fill:
        inst = self.ctx.instrument(e.instrument_id)
        return Fill(
            e.ts, h.ids[0], e.client_order_id, str(e.instrument_id), e.side.value,
            qty_of(inst, e.quantity), price_of(inst, e.price) or e.price,
            money_of(inst, e.fee.amount), e.fee.currency.code, e.liquidity.value, e.trade_id,
            e.fee.amount,
        )  # fmt: skip


def load_strategies(path: str | Path, **params: Any) -> list[Strategy]:
    """Import a strategy file and instantiate every Strategy subclass defined in it (or the
    one named by its ``STRATEGY`` attribute)."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(str(p), "strategy file not found")
    mod_name = f"tradecore_user_strategy_{p.stem}"
    spec = importlib.util.spec_from_file_location(mod_name, p)
    if spec is None or spec.loader is None:
        raise ConfigError(str(p), "not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as e:
        raise ConfigError(str(p), f"cannot import: {type(e).__name__}: {e}") from None
    chosen = getattr(module, "STRATEGY", None)
    if chosen is not None:
        classes = [chosen]
    else:
        classes = [
            c for _, c in inspect.getmembers(module, inspect.isclass)
            if issubclass(c, Strategy) and c is not Strategy and c.__module__ == mod_name
        ]  # fmt: skip
    if not classes:
        raise ConfigError(str(p), "defines no tradecore.strategy.Strategy subclass")
    return [c(**params) for c in classes]
