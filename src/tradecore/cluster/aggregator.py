"""The risk aggregator: firm exposure from every shard's events, credits, firm breaches.

It reads the event stream from its start with an ordered consumer (so a restarted aggregator
rebuilds its state by replaying the stream; JetStream re-delivers from the last sequence it
delivered after an outage) into an :class:`~tradecore.cluster.exposure.ExposureBook`, which
applies each ``(shard, seq)`` once and each fill once by trade id.

Every ``interval_s`` it re-balances the shards' credits (:mod:`tradecore.cluster.allocation`)
and checks the firm limit: if the firm's gross exposure (the stream's view) is above
``limit``, it engages HALTED on every shard holding exposure (``ctl.<shard>.emergency``).

Requests it answers: ``<prefix>.risk.firm`` (totals, credits, lag p50/p99 in ms) and
``<prefix>.risk.limit`` (``{"gross": "..."}``: a new firm gross limit, applied at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import time
from collections import deque
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from tradecore.cluster import allocation
from tradecore.cluster.exposure import ExposureBook
from tradecore.cluster.subjects import DEFAULT_PREFIX, DEFAULT_URL, PUB_NS_HEADER, Names
from tradecore.cluster.subjects import parse_msg_id as _parse
from tradecore.errors import ValidationError
from tradecore.model import codec
from tradecore.risk import emergency as _emergency  # noqa: F401  (its event joins the codec)

ZERO = Decimal(0)


@dataclass
class AggregatorOptions:
    shards: tuple[int, ...]
    limit: Decimal
    url: str = DEFAULT_URL
    prefix: str = DEFAULT_PREFIX
    interval_s: float = 0.5
    step: Decimal = Decimal("0.01")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(int(p * len(s)), len(s) - 1)]


class Aggregator:
    def __init__(self, opts: AggregatorOptions) -> None:
        self.opts = opts
        self.names = Names(opts.prefix)
        self.limit = opts.limit
        self.book = ExposureBook(fx={"USD": Decimal(1)})
        self.credits: dict[int, Decimal | None] = {s: None for s in opts.shards}
        self.usage: dict[int, Decimal] = {}
        self.states: dict[int, str] = {s: "ACTIVE" for s in opts.shards}
        self.lags_ms: deque[float] = deque(maxlen=100_000)
        self.breaches = 0
        self.rebalances = 0
        self.received = 0
        self._nc: Any = None
        self._stop: asyncio.Event | None = None
        self._kick: asyncio.Event | None = None

    # ------------------------------------------------------------------ the stream
    async def _on_event(self, msg: Any) -> None:
        h = msg.headers or {}
        self.received += 1
        shard, seq = _parse(h["Nats-Msg-Id"])
        try:
            event = codec.loads(msg.data)
        except ValidationError:
            self.book.skip(shard, seq)  # a newer event type: seen, changes no exposure
        else:
            self.book.apply(shard, event)
        sent = h.get(PUB_NS_HEADER)
        if sent is not None:
            self.lags_ms.append((time.time_ns() - int(sent)) / 1e6)

    def firm(self) -> dict[str, Any]:
        lags = list(self.lags_ms)
        return {
            "status": 200, "limit": str(self.limit), **self.book.totals(),
            "watermarks": {str(s): w for s, w in sorted(self.book.watermark.items())},
            "credits": {str(s): None if c is None else str(c) for s, c in self.credits.items()},
            "states": {str(s): v for s, v in self.states.items()},
            "usage": {str(s): str(u) for s, u in self.usage.items()},
            "lag_ms": {"p50": percentile(lags, 0.5), "p99": percentile(lags, 0.99),
                       "n": len(lags)},
            "received": self.received, "breaches": self.breaches,
            "rebalances": self.rebalances,
        }  # fmt: skip

    # ------------------------------------------------------------------ shards
    async def _ask(self, shard: int, op: str, body: dict[str, Any]) -> dict[str, Any] | None:
        try:
            msg = await self._nc.request(
                self.names.control(shard, op), json.dumps(body).encode(), timeout=1.0
            )
            out = json.loads(msg.data)
            return out if isinstance(out, dict) else None
        except Exception:
            return None  # a shard that does not answer keeps its credit; asked again next time

    async def rebalance(self) -> None:
        usage: dict[int, Decimal] = {}
        shards = self.opts.shards
        answers = await asyncio.gather(*(self._ask(s, "usage", {}) for s in shards))
        for s, r in zip(shards, answers, strict=True):
            if r is not None:
                usage[s] = Decimal(r["gross"])
                self.credits[s] = None if r.get("credit") is None else Decimal(r["credit"])
                self.states[s] = str(r.get("state", "ACTIVE"))
        self.usage = usage
        if self.book.gross() > self.limit or sum(usage.values(), ZERO) > self.limit:
            await self.breach(usage)
        wanted = allocation.targets(self.limit, usage, self.opts.step)
        dec, inc = allocation.split({s: self.credits.get(s) for s in wanted}, wanted)
        excess = ZERO
        got = await asyncio.gather(
            *(self._ask(s, "credit", {"credit": str(t)}) for s, t in dec.items())
        )
        for (s, t), r in zip(dec.items(), got, strict=True):
            if r is not None:
                self.credits[s] = t
                excess += max(Decimal(r["gross"]) - t, ZERO)
            else:
                excess += (self.credits.get(s) or ZERO) - t  # unknown: assume it kept all
        up = allocation.trim(inc, excess, self.credits)
        got = await asyncio.gather(
            *(self._ask(s, "credit", {"credit": str(t)}) for s, t in up.items())
        )
        for (s, t), r in zip(up.items(), got, strict=True):
            if r is not None:
                self.credits[s] = t
        self.rebalances += 1

    async def breach(self, usage: dict[int, Decimal]) -> None:
        """Firm limit crossed: HALTED on each shard holding exposure."""
        concerned = [s for s in self.opts.shards if usage.get(s, ZERO) > 0 or self.book.gross(s)]
        why = f"firm gross {max(self.book.gross(), sum(usage.values(), ZERO))} > {self.limit}"
        todo = [s for s in concerned if self.states.get(s) != "HALTED"]
        body = {"state": "HALTED", "why": why}
        got = await asyncio.gather(*(self._ask(s, "emergency", body) for s in todo))
        for s, r in zip(todo, got, strict=True):
            if r is not None:
                self.states[s] = str(r.get("state"))
                self.breaches += 1

    # ------------------------------------------------------------------ requests
    async def _on_request(self, msg: Any) -> None:
        op = msg.subject.rsplit(".", 1)[1]
        if op == "limit":
            try:
                data = json.loads(msg.data or b"{}")
                new = Decimal(str(data["gross"]))
                if not new.is_finite() or new < 0:
                    raise ValueError
            except (ValueError, KeyError, TypeError, InvalidOperation):
                out: dict[str, Any] = {"status": 422, "detail": "gross: a decimal >= 0"}
            else:
                self.limit = new
                await self.rebalance()
                out = self.firm()
        elif op == "firm":
            out = self.firm()
        else:
            out = {"status": 404, "detail": f"unknown operation {op!r}"}
        if msg.reply:
            with contextlib.suppress(Exception):
                await msg.respond(json.dumps(out, default=str).encode())

    async def run(self, ready: Any = None) -> None:
        from nats.js.api import DeliverPolicy

        from tradecore.cluster.natsio import connect, ensure_stream

        self._stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self._stop.set)
        self._nc = nc = await connect(self.opts.url, "tc-risk-aggregator")
        js = nc.jetstream()
        while True:
            try:
                await ensure_stream(js, self.names)
                await js.subscribe(
                    self.names.events, stream=self.names.stream, cb=self._on_event,
                    ordered_consumer=True, deliver_policy=DeliverPolicy.ALL,
                    idle_heartbeat=1.0,
                )  # fmt: skip
                break
            except Exception:
                await asyncio.sleep(0.25)
        await nc.subscribe(self.names.risk("*"), cb=self._on_request)
        await nc.flush()
        if ready is not None:
            ready()
        while not self._stop.is_set():
            with contextlib.suppress(Exception):
                await self.rebalance()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.opts.interval_s)
        with contextlib.suppress(Exception):
            await nc.close()


def run_aggregator(opts: AggregatorOptions, echo: Any = print) -> None:
    agg = Aggregator(opts)

    def ready() -> None:
        echo(f"risk aggregator ready: shards {','.join(map(str, opts.shards))}, firm gross "
             f"limit {opts.limit}, on {opts.url} ({agg.names.prefix})")  # fmt: skip

    asyncio.run(agg.run(ready))
