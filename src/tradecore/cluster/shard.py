"""One shard: an engine for a set of accounts, its own journal, on NATS.

The shard is serve's engine graph (bootstrap, journal, recovery, the market feed of
:class:`~tradecore.service.runner.EngineService`) without HTTP. On one asyncio loop (the
engine's thread): the market feed, the command server (``<prefix>.cmd.<shard>.*``) and the
aggregator's control subjects (``<prefix>.ctl.<shard>.*``: usage, credit, emergency,
status). In a process of its own (started by the shard, gone with it): the
:class:`~tradecore.cluster.publisher.EventPublisher`, reading the journal's committed rows.

Market data: every shard generates the same seeded synthetic market itself (the feed is a
pure function of the seed and the step), so shards share prices without a network hop.
After a restart the shard recovers from its journal and goes on with the next market step.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from tradecore.cluster.commands import CommandHandler, Refused
from tradecore.cluster.exposure import ExposureBook
from tradecore.cluster.guard import ShardGuard
from tradecore.cluster.subjects import DEFAULT_PREFIX, DEFAULT_URL, Names
from tradecore.errors import ValidationError
from tradecore.model.events import Event


@dataclass
class ShardOptions:
    shard: int
    accounts: frozenset[str]
    journal: str
    url: str = DEFAULT_URL
    prefix: str = DEFAULT_PREFIX
    config: Path | None = None
    speed: float = 1.0
    credit: Decimal | None = None  # the firm credit until the aggregator allocates one
    market: str = "local"  # local: generate the seeded market here; nats: tradecore marketdata
    notes: list[str] = field(default_factory=list)


class ShardNode:
    def __init__(self, opts: ShardOptions) -> None:
        from tradecore.bootstrap import build_system
        from tradecore.config import load_config
        from tradecore.journal.url import open_for_writing, parse_url
        from tradecore.service.metrics import Metrics
        from tradecore.service.resume import recover
        from tradecore.service.runner import EngineService

        self.opts = opts
        self.names = Names(opts.prefix)
        cfg = load_config(opts.config)
        target = parse_url(opts.journal, "--journal")
        if target.backend == "none":
            raise ValidationError(
                "--journal", "a shard needs a journal (its events are the stream)"
            )
        jr, warning = open_for_writing(target, cfg.journal, cfg)
        if warning:
            opts.notes.append(f"warning: {warning}")
        self.journal = jr
        self.journal_url = opts.journal
        self.publisher: Any = None  # the publisher process, started by run()
        system = build_system(cfg, journal=jr)
        self.system = system
        eng = system.engine
        jr._clock_ns = system.clock.now_ns
        fx = {"USD": Decimal(1)}
        self.book = ExposureBook(fx=fx, reference=self._mid)
        eng.bus.subscribe_all(self._on_message)
        assert jr.store is not None
        resumed = recover(system, jr.store)  # the book learns the journal's state too
        opts.notes.append(f"shard {opts.shard} journal {target.describe()}: {resumed.describe()}")
        self.guard = ShardGuard(eng, system.risk, self.book, opts.shard, opts.accounts)
        self.guard.credit = opts.credit
        eng.risk = self.guard
        self.service = EngineService(system, Metrics(), speed=opts.speed, resumed=resumed)
        self.commands = CommandHandler(eng, opts.shard, opts.accounts, self.guard)
        self.control = {
            "usage": lambda d: {"status": 200, **self.guard.usage()},
            "credit": self._credit,
            "emergency": self._emergency,
            "status": self._status,
        }
        self._stop: asyncio.Event | None = None

    def _on_message(self, m: Any) -> None:
        if isinstance(m, Event):
            self.book.apply(self.opts.shard, m)

    def _mid(self, symbol: str) -> Decimal | None:
        for iid, q in self.system.engine.last_quotes.items():
            if iid.symbol == symbol:
                return (q.bid + q.ask) / 2  # type: ignore[no-any-return]
        return None

    # ------------------------------------------------------------------ control operations
    def _credit(self, data: dict[str, Any]) -> dict[str, Any]:
        raw = data.get("credit")
        try:
            credit = None if raw is None else Decimal(str(raw))
        except InvalidOperation:
            raise Refused(422, f"credit: {raw!r} is not a decimal") from None
        if credit is not None and (not credit.is_finite() or credit < 0):
            raise Refused(422, "credit: must be a finite number >= 0")
        return {"status": 200, **self.guard.set_credit(credit)}

    def _emergency(self, data: dict[str, Any]) -> dict[str, Any]:
        state = str(data.get("state", ""))
        try:
            now = self.guard.escalate(state, str(data.get("who", "risk-aggregator")),
                                      str(data.get("why", "firm limit")))  # fmt: skip
        except ValueError as e:
            raise Refused(422, f"state: {e}") from None
        return {"status": 200, "state": now}

    def _status(self, data: dict[str, Any]) -> dict[str, Any]:
        eng = self.system.engine
        positions: dict[str, dict[str, str]] = {}
        for p in self.system.positions.ledger:
            if p.quantity != 0:
                positions.setdefault(p.account, {})[p.symbol] = str(p.quantity)
        return {
            "status": 200, "shard": self.opts.shard, "seq": eng.seq,
            "orders": sorted(str(o.client_order_id) for o in eng.orders),
            "positions": positions, "trades": self.book.fills,
            **self.guard.usage(),
        }  # fmt: skip

    # ------------------------------------------------------------------ the loop
    async def run(self, ready: Any = None) -> None:
        from tradecore.cluster.natsio import connect

        self._stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self._stop.set)
        from tradecore.cluster.publisher import spawn

        self.publisher = spawn(self.opts.shard, self.journal_url, self.opts.url, self.opts.prefix)
        nc = await connect(self.opts.url, f"tc-shard-{self.opts.shard}")
        n = self.names
        await nc.subscribe(n.command(self.opts.shard, "*"), cb=self._on_command)
        await nc.subscribe(n.control(self.opts.shard, "*"), cb=self._on_control)
        await nc.flush()
        if self.opts.market == "nats":
            from tradecore.cluster.marketdata import StepApplier

            apply = StepApplier(self.system, self.service.resume_after_ns)

            async def on_step(msg: Any) -> None:
                apply(msg.data)

            await nc.subscribe(n.market, cb=on_step)
            feed: asyncio.Task[Any] = asyncio.create_task(self._stop.wait())
        else:
            feed = asyncio.create_task(self.service.run())
        if ready is not None:
            ready()
        try:
            await self._stop.wait()
        finally:
            feed.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await feed
            self.journal.flush()
            self.publisher.terminate()  # it publishes what is committed, then exits
            with contextlib.suppress(Exception):
                self.publisher.wait(10)
            with contextlib.suppress(Exception):
                await nc.close()
            self.journal.close()

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()

    async def _on_command(self, msg: Any) -> None:
        op = msg.subject.rsplit(".", 1)[1]
        reply = self.commands.handle(op, msg.data)
        if msg.reply:
            with contextlib.suppress(Exception):
                await msg.respond(reply)

    async def _on_control(self, msg: Any) -> None:
        import json

        op = msg.subject.rsplit(".", 1)[1]
        if op == "publisher":
            return  # answered by the publisher process
        fn = self.control.get(op)
        try:
            if fn is None:
                raise Refused(404, f"unknown control {op!r}")
            data = json.loads(msg.data or b"{}")
            out = fn(data if isinstance(data, dict) else {})
        except Refused as r:
            out = {"status": r.status, "detail": r.detail}
        except ValueError:
            out = {"status": 422, "detail": "body: not JSON"}
        if msg.reply:
            with contextlib.suppress(Exception):
                await msg.respond(json.dumps(out, default=str).encode())


def run_shard(opts: ShardOptions, echo: Any = print) -> None:
    t0 = time.monotonic()
    node = ShardNode(opts)
    for line in opts.notes:
        echo(line)

    def ready() -> None:
        echo(f"shard {opts.shard} ready in {time.monotonic() - t0:.1f} s: accounts "
             f"{','.join(sorted(opts.accounts))} on {opts.url} ({node.names.prefix})")  # fmt: skip

    asyncio.run(node.run(ready))
