"""The WebSocket endpoint: authenticate, send a snapshot, then the hub's messages for the
key's accounts (see :mod:`tradecore.service.stream` for who sees what).

The key comes from the ``X-API-Key`` header, the ``key`` query parameter (kept for scripts;
the dashboard never puts a key in a URL), or the dashboard's session cookie, accepted only
from a handshake of this service's own origin (:mod:`tradecore.service.session`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from fastapi import WebSocket
from starlette.websockets import WebSocketDisconnect

from tradecore.service.auth import KeyStore, Principal
from tradecore.service.errors import ApiError
from tradecore.service.metrics import Metrics
from tradecore.service.security import client_of, identify
from tradecore.service.session import COOKIE, SessionStore, same_origin
from tradecore.service.stream import StreamHub


async def serve_stream(
    ws: WebSocket,
    key: str,
    account: str,
    *,
    keys: KeyStore,
    metrics: Metrics,
    hub: StreamHub,
    snapshot: Callable[[str, Principal], dict[str, Any]],
    default_account: str,
    sessions: SessionStore | None = None,
) -> None:
    token = key or ws.headers.get("x-api-key")
    p: Principal | None = None
    if not token and sessions is not None:
        if same_origin(ws.headers.get("origin"), ws.headers.get("host")):
            p = sessions.get(ws.cookies.get(COOKIE))
    else:
        try:
            p = identify(keys, metrics, token, client_of(ws.client))
        except ApiError:
            p = None
    if p is None or "read" not in p.scopes or (account and not p.can_see(account)):
        await ws.close(code=4401)
        return
    await ws.accept()
    q = hub.connect([account] if account else p.accounts)
    metrics.ws_clients.set(len(hub.clients))
    try:
        acct = account or next(iter(sorted(a for a in p.accounts if a != "*")), default_account)
        await ws.send_json({"type": "snapshot", "data": snapshot(acct, p)})
        await _pump(ws, q, hub)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.disconnect(q)
        metrics.ws_clients.set(len(hub.clients))


async def _pump(ws: WebSocket, q: asyncio.Queue[str], hub: StreamHub) -> None:
    """Send the queue's messages until the client leaves or the hub drops it (too slow)."""

    async def send() -> None:
        while q in hub.clients:
            with contextlib.suppress(TimeoutError):
                await ws.send_text(await asyncio.wait_for(q.get(), 5))

    async def until_closed() -> None:
        while (await ws.receive())["type"] != "websocket.disconnect":
            pass  # the stream is one-way: client messages are ignored

    tasks = {asyncio.create_task(send()), asyncio.create_task(until_closed())}
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for t in pending:
        t.cancel()
    for t in done:
        t.result()  # a send error surfaces here (handled by the caller)
