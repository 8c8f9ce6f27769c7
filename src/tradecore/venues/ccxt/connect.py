"""Build an unmodified ccxt exchange object, optionally pointed at a local venue server."""

from __future__ import annotations

from typing import Any

import ccxt.async_support as ccxt_async
import ccxt.pro as ccxt_pro

# Binance's REST families, by the path each serves under its host (ccxt's ``urls['api']``)
_BINANCE_PATHS = {
    "public": "/api/v3", "private": "/api/v3", "v1": "/api/v1",
    "sapi": "/sapi/v1", "sapiV2": "/sapi/v2", "sapiV3": "/sapi/v3", "sapiV4": "/sapi/v4",
    "fapiPublic": "/fapi/v1", "fapiPublicV2": "/fapi/v2", "fapiPublicV3": "/fapi/v3",
    "fapiPrivate": "/fapi/v1", "fapiPrivateV2": "/fapi/v2", "fapiPrivateV3": "/fapi/v3",
    "fapiData": "/futures/data", "dapiPublic": "/dapi/v1", "dapiPrivate": "/dapi/v1",
    "dapiPrivateV2": "/dapi/v2", "dapiData": "/futures/data", "eapiPublic": "/eapi/v1",
    "eapiPrivate": "/eapi/v1", "papi": "/papi/v1", "papiV2": "/papi/v2",
}  # fmt: skip


def make_exchange(
    exchange_id: str,
    *,
    api_key: str | None = None,
    secret: str | None = None,
    password: str | None = None,
    base_url: str | None = None,
    timeout_ms: int = 5000,
    streams: bool = False,
) -> Any:
    """An async ccxt exchange with its rate limiter on and numbers parsed as ``Decimal``
    as the venue's decimal strings
    (never binary floats). ``password``: the passphrase some venues add to a key (KuCoin).
    ``base_url``: a local venue server speaking ``exchange_id``'s API
    (``tradecore venue-server``), spot markets only. ``streams``: the ``ccxt.pro`` class of
    the exchange (the same REST methods plus ``watch_*`` over WebSocket)."""
    cls = getattr(ccxt_pro if streams else ccxt_async, exchange_id, None)
    if cls is None:
        raise ValueError(f"ccxt has no exchange {exchange_id!r}")
    local = {} if base_url is None else {"rateLimit": 1}  # a local server: 1 ms spacing
    ex = cls({
        **local, "apiKey": api_key, "secret": secret, "enableRateLimit": True,
        **({} if password is None else {"password": password}),
        "timeout": timeout_ms,
        "options": {"defaultType": "spot", "fetchMarkets": {"types": ["spot"]},
                    "fetchCurrencies": False, "fetchMargins": False,
                    "adjustForTimeDifference": False},
    })  # fmt: skip
    ex.number = str  # ccxt keeps the venue's decimal strings; the adapter makes Decimals
    if base_url is not None:
        point_at(ex, exchange_id, base_url.rstrip("/"))
    return ex


def _binance_urls(ex: Any, base: str) -> dict[str, Any]:
    ws = "ws" + base.removeprefix("http") + "/ws"  # the market streams (ccxt.pro)
    return {k: base + path for k, path in _BINANCE_PATHS.items()} | {
        "ws": {"spot": ws, "margin": ws, "ws-api": {"spot": ws + "-api/v3"}}
    }


def _host_urls(ex: Any, base: str) -> dict[str, Any]:
    """Venues whose ccxt class puts the whole path in each request (KuCoin: ``/api/v1/..``)."""
    return {k: base for k in ex.urls["api"]}


#: how each exchange with a local dialect is pointed at a venue server
_POINTERS = {"binance": _binance_urls, "kucoin": _host_urls}


def point_at(ex: Any, exchange_id: str, base: str) -> None:
    """Override the exchange's ``urls['api']`` so every request goes to ``base``."""
    pointer = _POINTERS.get(exchange_id)
    if pointer is None:
        raise ValueError(f"no local dialect for {exchange_id!r}")
    ex.urls["api"] = pointer(ex, base)
