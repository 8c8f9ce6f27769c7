"""What every dialect's HTTP front end shares: API keys, the request counter, the test
faults (maintenance, rate limit) and the wrapper that turns an :class:`ExchangeError` into
the dialect's own error answer. A dialect (``binance.py``, ``kucoin.py``) subclasses
:class:`Front`, says how its venue answers a refusal (:meth:`Front.fail`) and which header
names the API key, and lists its routes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tradecore.venues.dialects.exchange import Exchange, ExchangeError

Handler = Callable[[Request], Awaitable[JSONResponse]]
Endpoint = Callable[[Request], Awaitable[Any]]
#: (HTTP method, path, endpoint) of one route of a dialect
Route = tuple[str, str, Endpoint]


class Front:
    """One venue-speaking front end over one :class:`Exchange`."""

    #: the request header that carries the API key (the fault's ``spare`` is matched on it)
    key_header = ""
    name = ""

    def __init__(self, exchange: Exchange, keys: Mapping[str, str]) -> None:
        self.exchange = exchange
        self.keys = dict(keys)  # api key -> secret
        self.fault: str | None = None  # "maintenance" | "rate_limit": requests refused
        self.fault_spares: str | None = None  # an API key the fault does not apply to
        self.requests = 0

    def fail(self, kind: str, message: str) -> JSONResponse:
        """The venue's own error answer for a refusal of kind ``kind``."""
        raise NotImplementedError

    def ok(self, result: Any) -> Any:
        """The body of a successful answer (a dialect may wrap it in an envelope)."""
        return result

    def secret(self, key: str) -> str:
        secret = self.keys.get(key)
        if secret is None:
            raise ExchangeError("auth", "Invalid API-key, IP, or permissions for action.")
        return secret

    def route(self, fn: Endpoint) -> Handler:
        async def handler(request: Request) -> JSONResponse:
            self.requests += 1
            spared = self.fault_spares is not None and (
                request.headers.get(self.key_header) == self.fault_spares
            )
            if self.fault == "maintenance" and not spared:
                return self.fail("maintenance", "System is under maintenance.")
            if self.fault == "rate_limit":
                return self.fail("rate_limit", "Too many requests; current limit exceeded.")
            try:
                return JSONResponse(self.ok(await fn(request)))
            except ExchangeError as e:
                return self.fail(e.kind, e.message)

        return handler

    def app(self, routes: Sequence[Route]) -> FastAPI:
        """The dialect's routes, plus the loopback test controls every dialect has."""
        app = FastAPI(
            title=f"tradecore local exchange ({self.name} dialect)", docs_url=None, redoc_url=None
        )
        for method, path, fn in routes:
            app.add_api_route(path, self.route(fn), methods=[method])

        async def set_fault(request: Request) -> JSONResponse:
            """Test control (loopback only): refuse every request as under maintenance or
            rate limited, or clear that (``?fault=``); ``spare=KEY`` exempts one API key
            (another trader who can still reach the venue)."""
            self.fault = request.query_params.get("fault") or None
            self.fault_spares = request.query_params.get("spare") or None
            return JSONResponse({"fault": self.fault, "spare": self.fault_spares})

        async def ping(request: Request) -> JSONResponse:
            return JSONResponse({"dialect": self.name})

        app.add_api_route("/_control/fault", set_fault, methods=["POST"])
        app.add_api_route("/_control/ping", ping, methods=["GET"])
        return app


def plain(x: Decimal) -> str:
    """A decimal as the shortest exact string, no exponent: ``"0.05"``, ``"49000"``."""
    s = f"{x:f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s or "0"
