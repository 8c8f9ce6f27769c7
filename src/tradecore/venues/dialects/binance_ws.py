"""Binance's WebSocket market streams on the local exchange: the diff depth stream.

A client connects to ``/ws`` (or ``/ws/<anything>``, as ccxt.pro names its connections),
sends ``{"method": "SUBSCRIBE", "params": ["btcusdt@depth@100ms"], "id": 1}`` and gets
``{"result": null, "id": 1}``, then ``depthUpdate`` events
``{"e": "depthUpdate", "E": ms, "s": "BTCUSDT", "U": first, "u": last, "b": [...], "a": [...]}``
every ``interval_s`` while the book moves, numbered without gaps from the REST ``depth``
snapshot's ``lastUpdateId`` (:mod:`tradecore.venues.dialects.depth`). ``UNSUBSCRIBE`` and
``LIST_SUBSCRIPTIONS`` work as Binance's do.

Test controls (loopback): ``POST /_control/stream?action=gap`` drops the next event of every
market (the client must notice the gap, resubscribe and take a new snapshot);
``action=down`` closes every stream connection and refuses new ones; ``action=up`` ends that;
``action=status`` changes nothing. Each answers the counts: connections, REST snapshots
taken, events dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse

from tradecore.venues.dialects.binance_user import UserStreams
from tradecore.venues.dialects.depth import DepthEvent, DepthFeed

SUFFIXES = ("@depth@100ms", "@depth")


def _text(x: Any) -> str:
    return f"{x:.8f}"


def depth_update(ev: DepthEvent) -> dict[str, Any]:
    return {
        "e": "depthUpdate", "E": time.time_ns() // 1_000_000, "s": ev.symbol,
        "U": ev.first, "u": ev.last,
        "b": [[_text(p), _text(q)] for p, q in ev.bids],
        "a": [[_text(p), _text(q)] for p, q in ev.asks],
    }  # fmt: skip


class Streams:
    """The stream endpoint of one Binance dialect server."""

    def __init__(self, feed: DepthFeed, user: UserStreams, interval_s: float = 0.1) -> None:
        self.feed = feed
        self.user = user
        self.interval_s = interval_s
        self.down = False
        self.connections: set[WebSocket] = set()
        self._ticker: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            self.feed.publish_all()

    def _stream_symbol(self, name: str) -> str | None:
        for suffix in SUFFIXES:
            if name.endswith(suffix):
                sym = name[: -len(suffix)].upper()
                return sym if sym in self.feed.exchange.markets else None
        return None

    async def serve(self, ws: WebSocket) -> None:
        if self.down:
            await ws.close(code=1013)
            return
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.ensure_future(self._tick())
        await ws.accept()
        self.connections.add(ws)
        subs: dict[str, str] = {}  # market id -> stream name
        queue = self.feed.attach()
        lock = asyncio.Lock()

        async def send(msg: dict[str, Any]) -> None:
            async with lock:
                await ws.send_json(msg)

        async def pump() -> None:
            while True:
                ev = await queue.get()
                if ev.symbol in subs:
                    await send(depth_update(ev))

        pumping = asyncio.ensure_future(pump())
        try:
            while True:
                msg = await ws.receive_json()
                await send(self._answer(msg, subs))
        except (WebSocketDisconnect, RuntimeError, ValueError):
            pass
        finally:
            pumping.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pumping
            self.feed.detach(queue)
            self.connections.discard(ws)

    def _answer(self, msg: Any, subs: dict[str, str]) -> dict[str, Any]:
        if not isinstance(msg, dict):
            return {"error": {"code": 3, "msg": "Invalid JSON: expected an object"}}
        rid, method, params = msg.get("id"), msg.get("method"), msg.get("params") or []
        if method == "LIST_SUBSCRIPTIONS":
            return {"result": sorted(subs.values()), "id": rid}
        if method not in ("SUBSCRIBE", "UNSUBSCRIBE") or not isinstance(params, list):
            return {"error": {"code": 2, "msg": f"Invalid request: method {method!r}"}, "id": rid}
        for name in params:
            sym = self._stream_symbol(str(name))
            if sym is None:
                return {"error": {"code": 2, "msg": f"Invalid request: stream {name!r}"},
                        "id": rid}  # fmt: skip
            if method == "SUBSCRIBE":
                subs[sym] = str(name)
            else:
                subs.pop(sym, None)
        return {"result": None, "id": rid}

    async def control(self, request: Request) -> JSONResponse:
        action = request.query_params.get("action", "")
        if action == "gap":
            self.feed.drop_next = True
        elif action == "down":
            self.down = self.user.down = True
            for ws in list(self.connections):
                with contextlib.suppress(Exception):
                    await ws.close(code=1012)
            await self.user.close_all()
        elif action == "up":
            self.down = self.user.down = False
        elif action != "status":
            return JSONResponse({"error": f"unknown action {action!r}"}, status_code=400)
        return JSONResponse({
            "action": action, "connections": len(self.connections),
            "snapshots": self.feed.snapshots, "dropped": self.feed.dropped,
        })  # fmt: skip

    def mount(self, app: FastAPI) -> None:
        app.add_api_websocket_route("/ws", self.serve)
        app.add_api_websocket_route("/ws/{stream}", self.serve)
        app.add_api_route("/_control/stream", self.control, methods=["POST"])
        self.user.mount(app)
