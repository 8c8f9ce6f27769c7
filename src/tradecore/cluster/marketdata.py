"""``tradecore marketdata``: one process publishing the market, shards applying it.

The process generates the configured market (the seeded synthetic generator, or a replay
file) and publishes each market step (every venue's and instrument's new depth at one
timestamp) as one message on ``<prefix>.md.steps`` (core NATS: market data is not journaled;
a shard journals what it does with it). Payload: ``{"updates": [{"ts", "instrument_id",
"bids": [[price, size], ...], "asks": [...], "up"}]}``, decimals as strings.

A shard started with ``--market nats`` applies the steps in arrival order on its engine
thread, advancing its simulated clock to each step's time; a step not after the last one it
applied (or, after a restart, the journal's last time), such as the first steps of a
restarted market-data process, is skipped, so a shard's time never goes back.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec

from tradecore.cluster.subjects import Names
from tradecore.marketdata.types import MarketUpdate
from tradecore.model.identifiers import InstrumentId


class Step(msgspec.Struct, frozen=True):
    updates: list[MarketUpdate]


def _enc(obj: Any) -> Any:
    if isinstance(obj, InstrumentId | Decimal):
        return str(obj)
    raise NotImplementedError(type(obj).__name__)


def _dec(tp: type[Any], obj: Any) -> Any:
    if tp is InstrumentId and isinstance(obj, str):
        return InstrumentId.parse(obj)
    raise NotImplementedError(repr(tp))


_encode = msgspec.json.Encoder(enc_hook=_enc).encode
_decode = msgspec.json.Decoder(Step, dec_hook=_dec).decode


def encode_step(updates: list[MarketUpdate]) -> bytes:
    return _encode(Step(updates))


def decode_step(raw: bytes) -> list[MarketUpdate]:
    return _decode(raw).updates


def steps(updates: Iterable[MarketUpdate]) -> Iterator[list[MarketUpdate]]:
    """Group a time-ordered feed into steps (one timestamp each)."""
    batch: list[MarketUpdate] = []
    for u in updates:
        if batch and u.ts != batch[0].ts:
            yield batch
            batch = []
        batch.append(u)
    if batch:
        yield batch


class StepApplier:
    """A shard's side: apply one step on the engine thread (clock, then depth)."""

    def __init__(self, system: Any, after_ns: int | None = None) -> None:
        self.system = system
        self.last_ts = after_ns  # the journal's last time: steps up to it were lived through
        self.applied = 0
        self.skipped = 0

    def __call__(self, raw: bytes) -> None:
        from tradecore.bootstrap import apply_update

        batch = decode_step(raw)
        sys_ = self.system
        ts = batch[0].ts if batch else None
        if (
            ts is None
            or ts < sys_.clock.now_ns()
            or (self.last_ts is not None and ts <= self.last_ts)
        ):
            self.skipped += 1
            return
        self.last_ts = ts
        sys_.engine.call(sys_.clock.advance_to, ts)
        for u in batch:
            sys_.engine.call(apply_update, sys_, u)
        self.applied += 1


async def publish_market(
    config: Path | None, url: str, prefix: str, speed: float, echo: Callable[[str], object]
) -> None:
    from tradecore.bootstrap import market_source
    from tradecore.cluster.natsio import connect
    from tradecore.config import load_config

    cfg = load_config(config)
    subject = Names(prefix).market
    nc = await connect(url, "tc-marketdata")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    step_s = cfg.marketdata.step_ms / 1000.0
    echo(f"marketdata ready: a step every {step_s * 1000 / speed:.0f} ms on {subject} ({url})")
    t0 = time.monotonic()
    for n, batch in enumerate(steps(market_source(cfg, seconds=10**7))):
        if stop.is_set():
            break
        with contextlib.suppress(Exception):  # NATS away: this step is lost for everyone
            await nc.publish(subject, encode_step(batch))
        await asyncio.sleep(max(t0 + (n + 1) * step_s / speed - time.monotonic(), 0))
    with contextlib.suppress(Exception):
        await nc.close()
