"""The engine inside the service. Threading model: the engine, its simulated venues and the
market feed all run on the asyncio event loop's thread; REST and WebSocket handlers are
``async`` and call the engine directly on that same thread, so the engine stays
single-threaded with no locks. The feed applies one market step at a time (service/clock.py):
every ``step_ms / speed`` of wall time (``clock = "wall"``), or when asked
(``clock = "manual"``: ``POST /v1/admin/clock``).

After a restart (``resumed``, see service/resume.py) the feed goes on with the first market
step after the last one journaled: the synthetic market is a pure function of the seed and
the step, so where the feed resumes is a pure function of the journal."""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from tradecore.bootstrap import System
from tradecore.engine.gcpolicy import IdleCollector
from tradecore.flows import DemoFlow
from tradecore.model import codec
from tradecore.model.events import Event, OrderDenied, OrderFilled
from tradecore.model.market import Quote
from tradecore.risk.events import BreachActionTaken, KillSwitchChanged, RiskAlert
from tradecore.routing.decisions import RoutingDecision
from tradecore.service.clock import MarketStep, apply_step, market_steps
from tradecore.service.desk import VenueLatency
from tradecore.service.metrics import Metrics
from tradecore.service.resume import Resumed

QUOTE_EVERY_NS = 250_000_000


class EngineService:
    def __init__(
        self,
        system: System,
        metrics: Metrics,
        *,
        speed: float = 1.0,
        demo_flow: bool = False,
        resumed: Resumed | None = None,
        clock_mode: str = "wall",
    ) -> None:
        self.system = system
        self.clock_mode = clock_mode
        self.recovered = resumed is not None and resumed.report is not None
        # the last journaled time (None: a new journal), for feeds applied from outside
        self.resume_after_ns = None if resumed is None else resumed.last_ts
        self.market: Iterator[MarketStep] = (
            resumed.steps if resumed is not None else market_steps(system)
        )
        last = None if resumed is None else resumed.step
        self.step = -1 if last is None else last.index  # the last market step applied
        self.flow: DemoFlow | None = None
        self.metrics = metrics
        self.speed = speed
        self.demo_flow = demo_flow
        self.fills: deque[dict[str, Any]] = deque(maxlen=2000)
        self.equity: deque[tuple[int, str]] = deque(maxlen=3600)
        self._clients: dict[asyncio.Queue[str], str | frozenset[str]] = {}
        self._last_quote: dict[str, int] = {}
        self.running = False
        self.steps = 0
        self.collector = IdleCollector()  # GC off while the feed runs; collected between steps
        bus = system.engine.bus
        bus.subscribe_all(self._on_message)
        configured = {v.name: v.ack_latency_us for v in system.config.venues}
        self.latency = VenueLatency(system.venues, configured, bus.subscribe)

    # ------------------------------------------------------------------ fan-out
    def _account_of(self, m: Any) -> str | None:
        return getattr(m, "account", None)

    def _on_message(self, m: Any) -> None:
        if isinstance(m, OrderFilled):
            f = codec.encode(m)
            self.fills.append(f)
            self.metrics.fills.labels(m.instrument_id.venue).inc()
        elif isinstance(m, OrderDenied):
            self.metrics.denials.labels(m.reason.value).inc()
        if not self._clients:
            return
        if isinstance(m, Quote):
            sym = m.instrument_id.symbol
            if m.ts - self._last_quote.get(sym, -QUOTE_EVERY_NS) < QUOTE_EVERY_NS:
                return
            self._last_quote[sym] = m.ts
            self._broadcast("quote", codec_quote(m), None)
            return
        if isinstance(m, (Event, RiskAlert, KillSwitchChanged, BreachActionTaken, RoutingDecision)):
            acct = self._account_of(m)
            self._broadcast(type(m).__name__, codec.encode(m), acct)
            if isinstance(m, OrderFilled):
                self._broadcast("positions", self.positions(m.account), m.account)

    def _broadcast(self, kind: str, data: Any, account: str | None) -> None:
        msg = json.dumps({"type": kind, "data": data}, default=str)
        dead = []
        for q, allowed in self._clients.items():
            if account is not None and allowed != "*" and account not in allowed:
                continue
            try:
                q.put_nowait(msg)
            except asyncio.QueueFull:
                dead.append(q)  # a slow consumer is dropped, never allowed to block the engine
        for q in dead:
            self._clients.pop(q, None)

    def connect(self, accounts: frozenset[str]) -> asyncio.Queue[str]:
        q: asyncio.Queue[str] = asyncio.Queue(maxsize=5000)
        self._clients[q] = "*" if "*" in accounts else accounts
        self.metrics.ws_clients.set(len(self._clients))
        return q

    def disconnect(self, q: asyncio.Queue[str]) -> None:
        self._clients.pop(q, None)
        self.metrics.ws_clients.set(len(self._clients))

    # ------------------------------------------------------------------ views
    def positions(self, account: str) -> list[dict[str, Any]]:
        return [p for p in self.system.positions.snapshot()["positions"] if p["account"] == account]  # type: ignore[attr-defined]

    def portfolio(self, account: str) -> dict[str, Any]:
        return self.system.portfolio.snapshot(account)

    def venues(self) -> list[dict[str, Any]]:
        out = []
        for name, v in sorted(self.system.venues.items()):
            br = self.system.execution.breakers[name]
            st = self.system.execution.stats[name]
            up = v.health().value == "UP" and br.state.value == "CLOSED"
            self.metrics.venue_health.labels(name).set(1 if up else 0)
            latency_us, source = self.latency.of(str(name), st.latency_us)
            out.append(
                {
                    "venue": name,
                    "health": v.health().value,
                    "breaker": br.state.value,
                    "latency_us": latency_us,
                    "latency_source": source,
                    "fill_rate": str(st.fill_rate),
                }
            )
        return out

    # ------------------------------------------------------------------ the feed
    def _apply(self, st: MarketStep) -> None:
        """One market step: one engine call, one journal commit (service/clock.py)."""
        eng = self.system.engine
        record = getattr(eng.journal, "record", None) if self.clock_mode == "manual" else None
        eng.call(apply_step, self.system, st, record)
        self.step = st.index
        self._after_step(self.flow, st.ts)
        self.steps += 1

    def advance(self, target: int) -> int:
        """Manual clock: apply every step up to absolute step ``target`` (none if the market
        is there already); returns how many were applied."""
        n = 0
        while self.step < target:
            st = next(self.market, None)
            if st is None:
                break
            self._apply(st)
            n += 1
        return n

    async def run(self) -> None:
        sys_ = self.system
        self.flow = DemoFlow(sys_) if self.demo_flow else None
        if self.flow is not None and self.recovered:
            self.flow.resume()
        if self.clock_mode == "manual":
            if self.step < 0:
                self.advance(0)  # the market opens at step 0; requests move it on
            self.running = True
            try:
                await asyncio.Event().wait()
            finally:
                self.running = False
            return
        step_s = sys_.config.marketdata.step_ms / 1000.0
        self.running = True
        t0 = time.monotonic()
        try:
            with self.collector as gcs:  # no collector pause in the middle of an order
                for st in self.market:
                    self._apply(st)
                    gcs.idle()  # between market steps the engine has nothing to do
                    delay = t0 + self.steps * step_s / self.speed - time.monotonic()
                    await asyncio.sleep(max(delay, 0))
        finally:
            self.running = False

    def _after_step(self, flow: DemoFlow | None, ts: int) -> None:
        eng = self.system.engine
        if flow is not None:
            flow.cancel_stale(ts)
        if flow is not None and self.steps % self.system.config.demo.order_every == 0:
            cmd = flow.order()
            if cmd is not None:
                self.submit_timed(cmd)
                if cmd.time_in_force.value != "IOC":
                    flow.resting.append((ts, cmd.client_order_id))
        if self.steps % 10 == 0:
            acct = self.system.config.demo.account
            eq = self.portfolio(acct)["equity"]
            self.equity.append((ts, eq))
            if self._clients:
                self._broadcast("equity", {"ts": ts, "equity": eq, "account": acct}, acct)
        _ = eng

    def submit_timed(self, cmd: Any) -> Any:
        t0 = time.perf_counter()
        res = self.system.engine.submit(cmd)
        self.metrics.order_latency.observe(time.perf_counter() - t0)
        self.metrics.orders.labels(cmd.account).inc()
        return res


def codec_quote(q: Quote) -> dict[str, Any]:
    return {
        "instrument_id": str(q.instrument_id), "bid": str(q.bid), "ask": str(q.ask),
        "bid_size": str(q.bid_size), "ask_size": str(q.ask_size), "ts": q.ts,
        "mid": str((q.bid + q.ask) / Decimal(2)),
    }  # fmt: skip
