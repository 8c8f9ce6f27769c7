"""The API-key dependency: who is calling, with which scopes, within which rate.

Order of the checks: a client address that has failed too many authentications is answered
429 (``auth_throttled``, ``Retry-After``) *before* any scrypt is paid for a key not seen yet;
a missing or bad key is 401 (and counts as a failure of that address); a key over its rate is
429 (``rate_limited``, ``Retry-After``); a key without the scope is 403.

Besides the header, a dashboard session cookie (:mod:`tradecore.service.session`) is accepted
when the request also carries ``X-Requested-With: tradecore``; the header wins when both are
sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, APIKeyHeader

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


def principal(
    keys: KeyStore, metrics: Metrics, scope: str, sessions: SessionStore | None = None
) -> Callable[..., Principal]:
    def dep(
        request: Request,
        x_api_key: Annotated[str | None, Depends(API_KEY)] = None,
        session: Annotated[str | None, Depends(SESSION)] = None,
    ) -> Principal:
        p = None if x_api_key else session_principal(keys, sessions, request, session)
        if p is None:
            p = identify(keys, metrics, x_api_key, client_of(request.client))
        if scope not in p.scopes:
            raise ApiError(403, "missing_scope", f"key {p.key_id} lacks scope {scope}")
        return p

    return dep
