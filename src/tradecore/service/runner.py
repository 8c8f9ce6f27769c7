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
import contextlib
import time
from collections import deque
from collections.abc import Iterator
from typing import Any

from tradecore.bootstrap import System
from tradecore.engine.gcpolicy import IdleCollector
from tradecore.flows import DemoFlow
from tradecore.model import codec
from tradecore.model.events import OrderDenied, OrderFilled
from tradecore.service.clock import MarketStep, apply_step, market_steps
from tradecore.service.desk import VenueLatency
from tradecore.service.metrics import Metrics
from tradecore.service.resume import Resumed


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
        self.running = False
        self.steps = 0
        self.collector = IdleCollector()  # GC off while the feed runs; collected between steps
        bus = system.engine.bus
        bus.subscribe_all(self._on_message)
        configured = {v.name: v.ack_latency_us for v in system.config.venues}
        self.latency = VenueLatency(system.venues, configured, bus.subscribe)

    # ------------------------------------------------------------------ metrics
    def _on_message(self, m: Any) -> None:
        """Counters, and the recent fills kept for the API (the WebSocket fan-out is
        service/stream.py's)."""
        t = type(m)
        if t is OrderFilled:
            self.fills.append(codec.encode(m))
            self.metrics.fills.labels(m.instrument_id.venue).inc()
        elif t is OrderDenied:
            self.metrics.denials.labels(m.reason.value).inc()

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
        """One market step: one engine call (service/clock.py); one journal commit, or part
        of the manual clock request's one commit (:meth:`advance`)."""
        eng = self.system.engine
        record = getattr(eng.journal, "record", None) if self.clock_mode == "manual" else None
        eng.call(apply_step, self.system, st, record)
        self.step = st.index
        self._after_step(self.flow, st.ts)
        self.steps += 1

    def advance(self, target: int) -> int:
        """Manual clock: apply every step up to absolute step ``target`` (none if the market
        is there already), committed together (one request, one command: a crash leaves the
        market before or after it, never in between); returns how many were applied."""
        atomic = getattr(self.system.engine.journal, "atomic", None)
        n = 0
        with atomic() if atomic is not None else contextlib.nullcontext():
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
            self.equity.append((ts, self.portfolio(acct)["equity"]))

    def submit_timed(self, cmd: Any) -> Any:
        t0 = time.perf_counter()
        res = self.system.engine.submit(cmd)
        self.metrics.order_latency.observe(time.perf_counter() - t0)
        self.metrics.orders.labels(cmd.account).inc()
        return res
