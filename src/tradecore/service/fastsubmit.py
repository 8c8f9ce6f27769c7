"""``POST /v1/orders`` without FastAPI's per-request machinery, when none of it is needed.

FastAPI spends on every request more than the engine spends on the order: the route table
tried in order, dependency solving (the key header, the session cookie, the request), the
body's model validation through its wrappers, the exit stacks. At 1,000 orders/s that was
most of the server's CPU. This ASGI middleware answers the common case itself: ``POST
/v1/orders`` with an ``X-API-Key`` already verified (cached, so no scrypt), a JSON body read
as the route reads it (``json.loads``, then ``OrderRequest``), then the route's own checks
and submit (``quick`` in service/app.py). Anything else (no key or one not verified yet,
another content type, an invalid body, a refusal, a key over its rate) goes on to the route
untouched, the body replayed, so every error keeps its one body and status: the fast path
only ever answers what the route would answer with a 201 or a 200.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from tradecore.service.errors import replayed

Quick = Callable[[str, bytes], Response | None]


class FastSubmit:
    def __init__(self, app: ASGIApp, quick: Quick, route: Any) -> None:
        self.app = app
        self.quick = quick
        self.route = route  # the route's object, for the request's scope (metrics label)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] != "/v1/orders"
            or scope.get("root_path")
        ):
            await self.app(scope, receive, send)
            return
        token = ctype = None
        for name, value in scope["headers"]:
            if name == b"x-api-key" and token is None:
                token = value
            elif name == b"content-type" and ctype is None:
                ctype = value
        if token is None or ctype is None or not _is_json(ctype):
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:  # the body limit in front has read it all already: one message
            msg = await receive()
            if msg["type"] != "http.request":
                return  # the client went away
            chunks.append(msg.get("body", b""))
            if not msg.get("more_body", False):
                break
        body = b"".join(chunks)
        resp = self.quick(token.decode("latin-1"), body)
        if resp is not None:
            scope["route"] = self.route
            await resp(scope, receive, send)
            return
        await self.app(scope, replayed(body, receive), send)


def _is_json(ctype: bytes) -> bool:
    return ctype.split(b";", 1)[0].strip().lower() == b"application/json"
