"""The REST latency histogram (``tradecore_http_request_seconds{route}``) as plain ASGI
middleware: the time from the request reaching the app to the end of its response, labelled
by the matched route's path template (``other`` when no route matched).

It replaces an ``@app.middleware("http")`` function: Starlette runs those through
``BaseHTTPMiddleware``, which wraps every request in a task group and memory streams and cost
more than the rest of a submit's HTTP handling."""

from __future__ import annotations

import time

from prometheus_client import Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RouteTiming:
    def __init__(self, app: ASGIApp, histogram: Histogram) -> None:
        self.app = app
        self.histogram = histogram

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        observed = False

        async def timed_send(message: Message) -> None:
            nonlocal observed
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                observed = True
                self.observe(scope, t0)

        try:
            await self.app(scope, receive, timed_send)
        finally:
            if not observed:  # no complete response (an error, a disconnect): timed anyway
                self.observe(scope, t0)

    def observe(self, scope: Scope, t0: float) -> None:
        # the router records the matched route in the request's scope (the same dict)
        path = getattr(scope.get("route"), "path", "other")
        self.histogram.labels(path).observe(time.perf_counter() - t0)
