"""A venue server in this process, on a thread (for tests that need no separate process)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from tradecore.venues.dialects.exchange import Exchange
from tradecore.venues.dialects.server import ServerOptions, bind, build


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
