"""One error body for every refusal of the API, and the request body size limit.

Every 4xx/5xx answer is ``{"error": {"code", "message", "field", "errors"}}``: ``code`` a
machine-readable reason (``unauthorized``, ``forbidden``, ``not_found``, ``conflict``,
``validation_error``, ``payload_too_large``, ``rate_limited``, ``auth_throttled``,
``not_ready``...), ``field`` the dotted input field at fault (``body.quantity``,
``query.account``) or null, ``errors`` every invalid field of a 422 (empty otherwise). The
offending *input* is never echoed back: it may be huge (a 10 MB body) or not representable in
JSON (``NaN``, ``Infinity``, ``1e400`` parse as floats that JSON cannot carry).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 64 * 1024
_MESSAGE_CHARS = 300


class FieldErrorOut(BaseModel):
    field: str
    code: str
    message: str


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None
    errors: list[FieldErrorOut] = []


class ErrorOut(BaseModel):
    error: ErrorDetail


class ApiError(HTTPException):
    """A refusal with its reason code (and the field at fault, if one is)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, message, headers=headers)
        self.code = code
        self.field = field


_DEFAULT_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
    422: "validation_error", 429: "rate_limited", 503: "not_ready",
}  # fmt: skip


def _short(text: str) -> str:
    return text if len(text) <= _MESSAGE_CHARS else text[: _MESSAGE_CHARS - 1] + "…"


def body(code: str, message: str, field: str | None = None, errors: Sequence[Any] = ()) -> Any:
    return {"error": {"code": code, "message": _short(message), "field": field,
                      "errors": list(errors)}}  # fmt: skip


def _dotted(loc: Sequence[Any]) -> str:
    return ".".join(str(p) for p in loc)


def _field_error(e: dict[str, Any]) -> dict[str, str]:
    msg = str(e.get("msg", "invalid"))
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    inp = e.get("input")
    if isinstance(inp, float) and not math.isfinite(inp):
        msg = "not a finite number (NaN, Infinity and out-of-range numbers are refused)"
    return {"field": _dotted(e.get("loc", ())), "code": str(e.get("type", "invalid")),
            "message": _short(msg)}  # fmt: skip


def allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """Every method some route serves at this path (Starlette names only the last route's)."""
    methods: set[str] = set()
    for route in app.router.routes:
        match, _ = route.matches(scope)
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def install(app: FastAPI) -> None:
    """Register the handlers that give every error the one body."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = getattr(exc, "code", None) or _DEFAULT_CODES.get(exc.status_code, "error")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(app, request.scope))
        return JSONResponse(
            body(code, str(exc.detail), getattr(exc, "field", None)),
            status_code=exc.status_code,
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_field_error(e) for e in exc.errors()]
        field = errors[0]["field"] if errors else None
        reason = errors[0]["message"] if errors else "invalid request"
        message = f"{field}: {reason}" if field else reason
        return JSONResponse(body("validation_error", message, field, errors), status_code=422)


def replayed(body: bytes, receive: Receive) -> Receive:
    """An ASGI ``receive`` that first hands over a request body already read (in one
    message), then defers to ``receive`` (for the disconnect that may follow)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class BodyLimit:
    """ASGI middleware: a request body larger than ``limit`` bytes gets 413, whether it
    announces its length (``Content-Length``) or streams it chunked."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.limit
                except ValueError:
                    too_big = False
                if too_big:
                    await self._refuse(scope, receive, send)
                    return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            msg = await receive()
            if msg["type"] != "http.request":
                break
            chunk = msg.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            more = bool(msg.get("more_body", False))
        await self.app(scope, replayed(b"".join(chunks), receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        resp = JSONResponse(
            body("payload_too_large", f"request body larger than {self.limit} bytes"),
            status_code=413,
        )
        await resp(scope, receive, send)
