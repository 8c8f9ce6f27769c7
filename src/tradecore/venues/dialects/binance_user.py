"""Binance's user-data stream on the local exchange, through the WebSocket API (what
ccxt.pro's ``watch_orders`` / ``watch_my_trades`` use for spot): connect to ``/ws-api/v3``,
send ``{"id": "1", "method": "userDataStream.subscribe.signature", "params": {"apiKey": ...,
"timestamp": ..., "signature": ...}}`` (HMAC-SHA256 of the other parameters, sorted, as a
query string, under the key's secret; ``timestamp`` within 60 s), get
``{"id": "1", "status": 200, "result": {"subscriptionId": N}}``, then one
``{"subscriptionId": N, "event": {"e": "executionReport", ...}}`` per change of one of that
account's orders: NEW, TRADE (with the trade id, price, quantity and commission), CANCELED,
EXPIRED. ``POST /_control/stream?action=down`` closes these connections too.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

from tradecore.venues.dialects.exchange import Exchange, Trade, VOrder

WINDOW_MS = 60_000


def _d(x: Any) -> str:
    return f"{x:.8f}"


def execution_report(exchange: Exchange, kind: str, o: VOrder, t: Trade | None) -> dict[str, Any]:
    now = time.time_ns() // 1_000_000
    quote = exchange.markets[o.symbol].quote
    return {
        "e": "executionReport", "E": now, "s": o.symbol, "c": o.client_id, "S": o.side.value,
        "o": o.type, "f": o.tif, "q": _d(o.qty), "p": _d(o.price or 0), "P": _d(0),
        "F": _d(0), "g": -1, "C": o.client_id if kind == "CANCELED" else "", "x": kind,
        "X": o.status, "r": "NONE", "i": o.id, "l": _d(t.qty if t else 0),
        "z": _d(o.executed), "L": _d(t.price if t else 0), "n": _d(t.commission if t else 0),
        "N": quote if t else None, "T": t.time_ms if t else o.update_ms,
        "t": t.id if t else -1, "I": now, "w": o.open, "m": bool(t and t.maker), "M": False,
        "O": o.time_ms, "Z": _d(o.quote_qty), "Y": _d(t.qty * t.price if t else 0),
        "Q": _d(0), "W": o.time_ms, "V": "EXPIRE_MAKER",
    }  # fmt: skip


def _error(rid: Any, status: int, code: int, msg: str) -> dict[str, Any]:
    return {"id": rid, "status": status, "error": {"code": code, "msg": msg}}


class UserStreams:
    """The WebSocket API's user-data subscriptions of one Binance dialect server."""

    def __init__(self, exchange: Exchange, keys: Mapping[str, str]) -> None:
        self.exchange = exchange
        self.keys = keys
        self.down = False
        self.connections: set[WebSocket] = set()
        self._subs: dict[int, tuple[str, asyncio.Queue[dict[str, Any]]]] = {}
        self._next = 0
        exchange.listeners.append(self._on_change)

    def _on_change(self, kind: str, o: VOrder, t: Trade | None) -> None:
        for n, (account, q) in list(self._subs.items()):
            if account == o.account:
                q.put_nowait({"subscriptionId": n,
                              "event": execution_report(self.exchange, kind, o, t)})  # fmt: skip

    def _subscribe(self, msg: dict[str, Any], out: asyncio.Queue[dict[str, Any]]) -> Any:
        rid, params = msg.get("id"), msg.get("params") or {}
        if msg.get("method") != "userDataStream.subscribe.signature" or not isinstance(
            params, dict
        ):
            return _error(rid, 400, -1100, f"Unknown method {msg.get('method')!r}")
        key = str(params.get("apiKey", ""))
        secret = self.keys.get(key)
        given = str(params.get("signature", ""))
        payload = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "signature")
        if secret is None:
            return _error(rid, 401, -2015, "Invalid API-key.")
        want = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(want, given):
            return _error(rid, 400, -1022, "Signature for this request is not valid.")
        ts = int(params.get("timestamp", 0) or 0)
        if abs(ts - time.time_ns() // 1_000_000) > WINDOW_MS:
            return _error(rid, 400, -1021, "Timestamp outside of the recvWindow.")
        self._next += 1
        self._subs[self._next] = (key, out)
        return {"id": rid, "status": 200, "result": {"subscriptionId": self._next}}

    async def serve(self, ws: WebSocket) -> None:
        if self.down:
            await ws.close(code=1013)
            return
        await ws.accept()
        self.connections.add(ws)
        out: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        mine: list[int] = []

        async def pump() -> None:
            while True:
                await ws.send_json(await out.get())

        pumping = asyncio.ensure_future(pump())
        try:
            while True:
                msg = await ws.receive_json()
                answer = self._subscribe(msg if isinstance(msg, dict) else {}, out)
                if answer.get("status") == 200:
                    mine.append(answer["result"]["subscriptionId"])
                out.put_nowait(answer)
        except (WebSocketDisconnect, RuntimeError, ValueError):
            pass
        finally:
            for n in mine:
                self._subs.pop(n, None)
            pumping.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pumping
            self.connections.discard(ws)

    async def close_all(self) -> None:
        for ws in list(self.connections):
            with contextlib.suppress(Exception):
                await ws.close(code=1012)

    def mount(self, app: FastAPI) -> None:
        app.add_api_websocket_route("/ws-api/v3", self.serve)
