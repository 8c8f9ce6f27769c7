"""The API-key dependency: who is calling, with which scopes, within which rate.

Order of the checks: a client address that has failed too many authentications is answered
429 (``auth_throttled``, ``Retry-After``) *before* any scrypt is paid for a key not seen yet;
a missing or bad key is 401 (and counts as a failure of that address); a key over its rate is
429 (``rate_limited``, ``Retry-After``); a key without the scope is 403.

The dependency runs on the event loop (a plain ``def`` dependency would cost every request a
hop to a worker thread and back): a key already verified is checked inline, in microseconds;
only a key not verified yet pays its scrypt in a worker thread, and concurrent requests with
the same such key wait for the first one's verification instead of each paying it (a client
opening 32 connections at once used to start 32 scrypts).

Besides the header, a dashboard session cookie (:mod:`tradecore.service.session`) is accepted
when the request also carries ``X-Requested-With: tradecore``; the header wins when both are
sent."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, APIKeyHeader
from starlette.concurrency import run_in_threadpool

from tradecore.service.auth import KeyStore, Principal
from tradecore.service.errors import ApiError
from tradecore.service.metrics import Metrics
from tradecore.service.session import COOKIE, CSRF_HEADER, CSRF_VALUE, SessionStore

API_KEY = APIKeyHeader(
    name="X-API-Key",
    scheme_name="ApiKey",
    description="`<key id>.<secret>` (see `tradecore keygen`)",
    auto_error=False,
)
SESSION = APIKeyCookie(
    name=COOKIE,
    scheme_name="Session",
    description="the dashboard's session (POST /v1/session); only with X-Requested-With: tradecore",
    auto_error=False,
)


def client_of(request_client: object) -> str:
    host = getattr(request_client, "host", None)
    return str(host) if host else "unknown"


def identify(keys: KeyStore, metrics: Metrics, token: str | None, client: str) -> Principal:
    """The principal of ``token``, or the ApiError to answer (401 or 429)."""
    if token and not keys.is_cached(token):
        wait = keys.client_throttled(client)
        if wait:
            metrics.throttled.labels("auth_failures").inc()
            raise ApiError(
                429, "auth_throttled",
                f"too many failed authentications from this address; retry in {wait} s",
                headers={"Retry-After": str(wait)},
            )  # fmt: skip
    p = keys.authenticate(token)
    if p is None:
        metrics.auth_failures.inc()
        if token:
            keys.note_failure(client)
        raise ApiError(401, "unauthorized", "missing or invalid API key (header X-API-Key)")
    if not keys.allow(p.key_id):
        wait = keys.retry_after(p.key_id)
        metrics.throttled.labels("rate").inc()
        raise ApiError(
            429, "rate_limited", f"rate limit exceeded for key {p.key_id}; retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )  # fmt: skip
    return p


def session_principal(
    keys: KeyStore, sessions: SessionStore | None, request: Request, token: str | None
) -> Principal | None:
    """The principal of a session cookie sent with the CSRF header (None: not one)."""
    if sessions is None or request.headers.get(CSRF_HEADER) != CSRF_VALUE:
        return None
    p = sessions.get(token)
    if p is not None and not keys.allow(p.key_id):
        wait = keys.retry_after(p.key_id)
        raise ApiError(
            429, "rate_limited", f"rate limit exceeded for key {p.key_id}; retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )  # fmt: skip
    return p


class Verifier:
    """:func:`identify` without blocking the event loop on scrypt: a cached key inline, an
    unverified one in a worker thread, one verification at a time per token (the others
    with that token wait for it, then find it cached or pay their own if it failed)."""

    def __init__(self, keys: KeyStore, metrics: Metrics) -> None:
        self.keys = keys
        self.metrics = metrics
        self._pending: dict[str, tuple[asyncio.Lock, list[int]]] = {}  # token -> (lock, users)

    async def __call__(self, token: str | None, client: str) -> Principal:
        if not token or self.keys.is_cached(token):
            return identify(self.keys, self.metrics, token, client)
        lock, users = self._pending.setdefault(token, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                if self.keys.is_cached(token):
                    return identify(self.keys, self.metrics, token, client)
                return await run_in_threadpool(identify, self.keys, self.metrics, token, client)
        finally:
            users[0] -= 1
            if not users[0]:
                del self._pending[token]


def principal(
    keys: KeyStore,
    metrics: Metrics,
    scope: str,
    sessions: SessionStore | None = None,
    verifier: Verifier | None = None,
) -> Callable[..., Awaitable[Principal]]:
    verify = verifier or Verifier(keys, metrics)

    async def dep(
        request: Request,
        x_api_key: Annotated[str | None, Depends(API_KEY)] = None,
        session: Annotated[str | None, Depends(SESSION)] = None,
    ) -> Principal:
        p = None if x_api_key else session_principal(keys, sessions, request, session)
        if p is None:
            p = await verify(x_api_key, client_of(request.client))
        if scope not in p.scopes:
            raise ApiError(403, "missing_scope", f"key {p.key_id} lacks scope {scope}")
        return p

    return dep
