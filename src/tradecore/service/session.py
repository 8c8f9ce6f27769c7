"""Dashboard sessions: an API key exchanged once (``POST /v1/session`` with ``X-API-Key``)
for an HttpOnly, SameSite=Strict cookie, so the key never travels in a URL and page scripts
never hold it after login.

The cookie authenticates the WebSocket handshake (whose browser API cannot set headers) and
the dashboard's REST calls. A REST call authenticated by the cookie must also carry
``X-Requested-With: tradecore`` (a custom header a cross-site page cannot send without a CORS
preflight, which this service never grants): without it the cookie is ignored, so a forged
cross-site request, or a client that kept the cookie by accident, is answered 401. A
WebSocket handshake authenticated by the cookie must come from this service's own origin.

Sessions live in memory: a restart logs every dashboard out (the page shows its login)."""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from tradecore.service.auth import Principal

COOKIE = "tradecore_session"
CSRF_HEADER = "x-requested-with"
CSRF_VALUE = "tradecore"
TTL_S = 8 * 3600


@dataclass
class SessionStore:
    """Session token -> (principal, expiry, monotonic seconds); at most ``max_sessions``
    (the oldest is forgotten first)."""

    ttl_s: float = TTL_S
    max_sessions: int = 10_000
    _by_token: OrderedDict[str, tuple[Principal, float]] = field(default_factory=OrderedDict)

    def open(self, p: Principal, now: float | None = None) -> str:
        token = secrets.token_urlsafe(32)
        self._by_token[token] = (p, (time.monotonic() if now is None else now) + self.ttl_s)
        while len(self._by_token) > self.max_sessions:
            self._by_token.popitem(last=False)
        return token

    def get(self, token: str | None, now: float | None = None) -> Principal | None:
        if not token:
            return None
        hit = self._by_token.get(token)
        if hit is None:
            return None
        if hit[1] <= (time.monotonic() if now is None else now):
            del self._by_token[token]
            return None
        return hit[0]

    def close(self, token: str | None) -> bool:
        return bool(token) and self._by_token.pop(str(token), None) is not None

    def __len__(self) -> int:
        return len(self._by_token)


def same_origin(origin: str | None, host: str | None) -> bool:
    """A WebSocket handshake's ``Origin`` is this service (no Origin: not a browser)."""
    if origin is None:
        return True
    scheme, _, rest = origin.partition("://")
    return scheme in ("http", "https") and bool(host) and rest.rstrip("/") == host
