"""Connecting to NATS and making sure the event stream exists (imported by cluster commands
only: this is where ``nats`` is imported)."""

from __future__ import annotations

import asyncio
from typing import Any

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from tradecore.cluster.subjects import Names

DUPLICATE_WINDOW_S = 2 * 3600.0  # JetStream drops a re-published msg id seen in this window


async def _quiet(_: Exception) -> None:
    """Connection errors are retried; the caller sees them as timeouts, not as log noise."""


async def connect(url: str, name: str, *, attempts: int | None = None) -> Client:
    """A connection that reconnects forever once made; the first connect is retried
    ``attempts`` times (None: forever), 0.25 s apart (then this raises)."""
    n = 0
    while True:
        try:
            return await nats.connect(
                url, name=name, reconnect_time_wait=0.25,
                max_reconnect_attempts=-1 if attempts is None else attempts,
                connect_timeout=2, error_cb=_quiet, ping_interval=2, max_outstanding_pings=2,
            )  # fmt: skip
        except Exception:
            n += 1
            if attempts is not None and n >= attempts:
                raise
            await asyncio.sleep(0.25)


async def ensure_stream(js: JetStreamContext, names: Names) -> None:
    """Create the event stream if it is not there (creating an identical one is a no-op,
    so shards starting together do not race)."""
    try:
        await js.stream_info(names.stream)
        return
    except NotFoundError:
        pass
    cfg = StreamConfig(
        name=names.stream, subjects=[names.events], storage=StorageType.FILE,
        duplicate_window=DUPLICATE_WINDOW_S,
    )  # fmt: skip
    await js.add_stream(cfg)


def headers_of(msg: Any) -> dict[str, str]:
    h = getattr(msg, "headers", None)
    return dict(h) if h else {}
