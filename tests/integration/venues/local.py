"""A venue server in this process, on a thread (for tests that need no separate process), and
plain ccxt clients of it."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from tradecore.venues.ccxt.connect import make_exchange
from tradecore.venues.dialects.exchange import Exchange
from tradecore.venues.dialects.server import (
    DEMO_KEY,
    DEMO_PASSPHRASE,
    DEMO_SECRET,
    ServerOptions,
    bind,
    build,
)


@contextmanager
def local_venue(
    state: Path | None = None, **opts: object
) -> Iterator[tuple[str, Exchange, object]]:
    """Yields (base url, the exchange, the FastAPI app) of a binance-dialect server."""
    app, exchange = build(ServerOptions(state=state, **opts))  # type: ignore[arg-type]
    sock = bind(0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    end = time.monotonic() + 10
    while not server.started and time.monotonic() < end:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}", exchange, app
    finally:
        server.should_exit = True
        thread.join(10)
        exchange.close()


def plain_client(dialect: str, url: str, key: str = DEMO_KEY, secret: str = DEMO_SECRET) -> Any:
    """A plain ccxt client of ``dialect`` on a venue server (a KuCoin key has a passphrase)."""
    phrase = DEMO_PASSPHRASE if dialect == "kucoin" else None
    return make_exchange(dialect, api_key=key, secret=secret, password=phrase, base_url=url)


def as_trader(
    dialect: str, url: str, fn: Callable[[Any], Awaitable[Any]],
    key: str = DEMO_KEY, secret: str = DEMO_SECRET,
) -> Any:  # fmt: skip
    """``fn(exchange)`` through a fresh plain ccxt client, markets loaded (another trader on
    the venue, or a look at what the venue says)."""

    async def go() -> Any:
        ex = plain_client(dialect, url, key, secret)
        try:
            await ex.load_markets()
            return await fn(ex)
        finally:
            await ex.close()

    return asyncio.run(go())
