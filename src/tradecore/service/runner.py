"""The engine inside the service. Threading model: the engine, its simulated venues and the
market feed all run on the asyncio event loop's thread; REST and WebSocket handlers are
``async`` and call the engine directly on that same thread, so the engine stays
single-threaded with no locks. The feed applies one market step at a time (service/clock.py):
every ``step_ms / speed`` of wall time (``clock = "wall"``), or when asked
(``clock = "manual"``: ``POST /v1/admin/clock``).

Between two steps of the wall clock the simulated time keeps moving with wall time: the
venues' timers (order arrivals, acks, fills, cancels: their simulated latency) fire when
their simulated time comes, each batch one engine call, instead of all of them at the next
step. The step itself then carries only the market update, so a request never queues
behind 100 ms worth of venue reports (it used to: at 1,000 orders/s one step took tens of
milliseconds). Timers due at or after the next step's time fire in that step, as before, so
what each order meets at its venue is the same.

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
from tradecore.model.events import (
    OrderDenied,
    OrderFilled,
    OrderPendingCancel,
    OrderPendingReplace,
    OrderSubmitted,
)
from tradecore.service.clock import MarketStep, apply_step, market_steps
from tradecore.service.desk import VenueLatency
from tradecore.service.metrics import Metrics
from tradecore.service.resume import Resumed

# the shortest wall time between two engine calls that fire venue timers between market
# steps: at 1,000 orders/s a pump per timer would be a journal commit per venue report; 2 ms
# batches a couple of orders' reports (a fraction of a millisecond of engine work) per commit
PUMP_GAP_S = 0.002


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
        # GC off while the feed runs; collected (and deferred work done) between steps
        self.collector: IdleCollector = system.collector
        self.pumps = 0  # engine calls that fired venue timers between two market steps
        self._last_pump = 0.0
        self._waiter: asyncio.Future[None] | None = None  # the feed, napping until a timer
        bus = system.engine.bus
        bus.subscribe_all(self._on_message)
        for kind in (OrderSubmitted, OrderPendingCancel, OrderPendingReplace):
            bus.subscribe(kind, self._poke)  # a request went to a venue: a timer is coming
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
        pace = sys_.config.marketdata.step_ms / 1000.0 / self.speed  # wall s per step
        self.running = True
        t0 = time.monotonic()
        try:
            with self.collector as gcs:  # no collector pause in the middle of an order
                nxt = next(self.market, None)
                while nxt is not None:
                    st = nxt
                    self._apply(st)
                    gcs.idle()  # between market steps the engine has nothing to do
                    nxt = next(self.market, None)
                    await self._between(
                        st.ts, None if nxt is None else nxt.ts, t0 + self.steps * pace
                    )
        finally:
            self.running = False

    async def _between(self, ts: int, next_ts: int | None, wall_next: float) -> None:
        """Until ``wall_next`` (the next step's wall time): fire each venue timer when the
        simulated time, moving with wall time from the step at ``ts``, reaches it; timers at
        or after ``next_ts`` are the next step's."""
        clock = self.system.clock
        ns_per_s = 1e9 * self.speed
        wall_ts = wall_next - self.system.config.marketdata.step_ms / 1000.0 / self.speed
        last = ts if next_ts is None else next_ts - 1  # the latest time a pump may reach
        while True:
            now = time.monotonic()
            if now >= wall_next:
                await asyncio.sleep(0)  # late or fast (a high speed): still let others run
                return
            due = clock.next_time()
            if due is None or due > last:
                await self._nap(wall_next - now, wakeable=True)  # until a request goes out
                continue
            # at most one pump per PUMP_GAP_S: each is a journal commit (batch durability)
            due_wall = max(wall_ts + (due - ts) / ns_per_s, self._last_pump + PUMP_GAP_S)
            if due_wall > now:  # a long nap is cut short by a request (its timer may be first)
                nap = min(due_wall, wall_next) - now
                await self._nap(nap, wakeable=nap > PUMP_GAP_S)
                continue
            sim_now = min(max(due, ts + int((now - wall_ts) * ns_per_s)), last)
            self.system.engine.call(clock.advance_to, sim_now)
            self.pumps += 1
            self._last_pump = time.monotonic()
            await asyncio.sleep(0)  # requests that came meanwhile go first

    async def _nap(self, seconds: float, wakeable: bool = False) -> None:
        """Sleep ``seconds``; ``wakeable``: until a request goes to a venue, if sooner (a
        timer is then coming; while one is already due, its own time is the wake-up)."""
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        self._waiter = waiter if wakeable else None
        timer = loop.call_later(seconds, _wake, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None

    def _poke(self, _: object) -> None:
        if self._waiter is not None:
            _wake(self._waiter)

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


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
