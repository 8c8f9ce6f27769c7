"""The KuCoin spot REST dialect of the local exchange (``tradecore venue-server --dialect
kucoin``): the classic (non-HF) spot account of KuCoin's API.

Endpoints, as the real ccxt ``kucoin`` class calls them: ``/api/v1/timestamp``,
``/api/v2/symbols``, ``/api/v3/currencies``, ``/api/v1/market/allTickers`` (the fees),
``/api/v1/market/orderbook/level2_{20,100}``, ``/api/v1/market/histories``, and the signed
``/api/v1/orders`` (POST, GET ``?status=active``, GET/DELETE by id),
``/api/v1/order/client-order/{clientOid}`` (GET/DELETE), ``/api/v1/fills``,
``/api/v1/accounts``, plus the account probes ccxt makes while loading markets (account mode:
classic; HF account: no; no margin symbols). Signed requests are checked as KuCoin checks
them (API key version 2): ``KC-API-SIGN`` is the base64 HMAC-SHA256 under the secret of
timestamp + method + path with query + body, ``KC-API-PASSPHRASE`` the base64 HMAC-SHA256 of
the passphrase, ``KC-API-TIMESTAMP`` within 5 s. Every answer is KuCoin's envelope
``{"code": "200000", "data": ...}``; refusals are ``{"code": "...", "msg": ...}`` with the
codes and messages ccxt maps (``kucoin.exceptions``). Shapes are checked against ccxt's
recorded real responses by ``tests/integration/venues/test_kucoin_conformance.py``.
Decimals are written as KuCoin writes them: exact, shortest form (``"0.05"``, ``"55"``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tradecore.model.enums import Side
from tradecore.venues.dialects.exchange import Exchange, ExchangeError, Market, Trade, VOrder
from tradecore.venues.dialects.front import Front, plain

#: KuCoin's HTTP status, code and (where ccxt matches on it) message, per refusal kind
ERRORS: dict[str, tuple[int, str, str | None]] = {
    "bad_symbol": (400, "400100", "Unsupported trading pair."),
    "lot": (400, "400100", "Order size increment invalid."),
    "price": (400, "400100", "Price increment invalid."),
    "notional": (400, "400100", "Order size below the minimum requirement."),
    "funds": (400, "200004", "Balance insufficient!"),
    "post_only": (400, "400100", "Post-only order would take liquidity."),
    "duplicate": (400, "400100", "The clientOid is duplicated."),
    "unknown_order": (404, "400100", "order not exist."),
    "cancel_unknown": (400, "400100", "order_not_exist_or_not_allow_to_cancel"),
    "bad_param": (400, "400100", None),
    "auth": (401, "400003", "KC-API-KEY not exists"),
    "passphrase": (401, "400004", "Invalid KC-API-PASSPHRASE"),
    "signature": (401, "400005", "Invalid KC-API-SIGN"),
    "timestamp": (401, "400002", "Invalid KC-API-TIMESTAMP"),
    "rate_limit": (429, "429000", "Too many requests. System-level rate limit exceeded."),
    "maintenance": (503, "503", "System is under maintenance."),
}
WINDOW_MS = 5000
OK = "200000"
TYPES = {"LIMIT": "limit", "LIMIT_MAKER": "limit", "MARKET": "market"}


class KucoinDialect(Front):
    """One KuCoin-speaking front end over one :class:`Exchange`."""

    key_header = "KC-API-KEY"
    name = "kucoin"

    def __init__(
        self, exchange: Exchange, keys: Mapping[str, str], passphrases: Mapping[str, str]
    ) -> None:
        super().__init__(exchange, keys)
        self.passphrases = dict(passphrases)
        #: KuCoin's market id -> the exchange's (its rules are read at each request)
        self.ids = {f"{m.base}-{m.quote}": m.id for m in exchange.markets.values()}

    def _listed(self) -> list[tuple[str, Market]]:
        return [(kid, self.exchange.markets[mid]) for kid, mid in self.ids.items()]

    def fail(self, kind: str, message: str) -> JSONResponse:
        status, code, text = ERRORS.get(kind, (400, "400100", None))
        return JSONResponse({"code": code, "msg": text or message}, status_code=status)

    def ok(self, result: Any) -> Any:
        return {"code": OK, "data": result}

    # ------------------------------------------------------------------ plumbing
    def _market(self, symbol: str | None) -> Market:
        mid = self.ids.get(symbol or "")
        m = None if mid is None else self.exchange.markets.get(mid)
        if m is None:
            raise ExchangeError("bad_symbol", "Unsupported trading pair.")
        return m

    async def _signed(self, request: Request) -> tuple[str, dict[str, Any]]:
        """(account, the JSON body or query parameters) of a signed request."""
        h = request.headers
        key = h.get(self.key_header, "")
        secret = self.secret(key)
        ts, body = h.get("KC-API-TIMESTAMP", ""), (await request.body()).decode()
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        want = _b64mac(secret, ts + request.method + path + body)
        if not hmac.compare_digest(want, h.get("KC-API-SIGN", "")):
            raise ExchangeError("signature", "Invalid KC-API-SIGN")
        phrase = _b64mac(secret, self.passphrases.get(key, ""))
        if not hmac.compare_digest(phrase, h.get("KC-API-PASSPHRASE", "")):
            raise ExchangeError("passphrase", "Invalid KC-API-PASSPHRASE")
        if not ts.isdigit() or abs(int(ts) - _now_ms()) > WINDOW_MS:
            raise ExchangeError("timestamp", "Invalid KC-API-TIMESTAMP")
        params: dict[str, Any] = dict(request.query_params)
        if body:
            try:
                params |= json.loads(body)
            except ValueError:
                raise ExchangeError("bad_param", "Invalid JSON body.") from None
        return key, params

    # ------------------------------------------------------------------ public
    async def timestamp(self, request: Request) -> Any:
        return _now_ms()

    async def currencies(self, request: Request) -> Any:
        assets = sorted({a for _, m in self._listed() for a in (m.base, m.quote)})
        return [
            {"currency": a, "name": a, "fullName": a, "precision": 8, "confirms": None,
             "contractAddress": None, "isMarginEnabled": False, "isDebitEnabled": False,
             "chains": []}
            for a in assets
        ]  # fmt: skip

    async def symbols(self, request: Request) -> Any:
        return [
            {"symbol": kid, "name": kid, "baseCurrency": m.base, "quoteCurrency": m.quote,
             "feeCurrency": m.quote, "market": "USDS", "baseMinSize": plain(m.min_qty),
             "quoteMinSize": plain(m.min_notional), "baseMaxSize": "9000",
             "quoteMaxSize": "9000000", "baseIncrement": plain(m.lot),
             "quoteIncrement": plain(m.tick), "priceIncrement": plain(m.tick),
             "priceLimitRate": "0.1", "minFunds": plain(m.min_notional),
             "isMarginEnabled": False, "enableTrading": True}
            for kid, m in self._listed()
        ]  # fmt: skip

    async def all_tickers(self, request: Request) -> Any:
        cfg = self.exchange.config
        maker, taker = plain(cfg.maker_bps / 10_000), plain(cfg.taker_bps / 10_000)
        out = []
        for kid, m in self._listed():
            out.append({
                "symbol": kid, "symbolName": kid, "buy": plain(m.mid), "sell": plain(m.mid),
                "changeRate": "0", "changePrice": "0", "high": plain(m.mid),
                "low": plain(m.mid), "vol": "0", "volValue": "0", "last": plain(m.mid),
                "averagePrice": plain(m.mid), "takerFeeRate": taker, "makerFeeRate": maker,
                "takerCoefficient": "1", "makerCoefficient": "1",
            })  # fmt: skip
        return {"time": _now_ms(), "ticker": out}

    async def book(self, request: Request) -> Any:
        m = self._market(request.query_params.get("symbol"))
        depth = 100 if request.url.path.endswith("_100") else 20
        b = self.exchange.books[m.id]
        b.replace_synthetic(*m.ladder())  # what the market makers quote now
        return {
            "time": _now_ms(), "sequence": str(b.version),
            "bids": [[plain(px), plain(q)] for px, q in b.depth(Side.BUY, depth)],
            "asks": [[plain(px), plain(q)] for px, q in b.depth(Side.SELL, depth)],
        }  # fmt: skip

    async def histories(self, request: Request) -> Any:
        """The public tape: each trade once, from its taker's side."""
        m = self._market(request.query_params.get("symbol"))
        tape = [t for t in self.exchange.trades if t.symbol == m.id and not t.maker][-100:]
        return [
            {"sequence": str(t.id), "price": plain(t.price), "size": plain(t.qty),
             "side": t.side.value.lower(), "time": t.time_ms * 1_000_000}
            for t in tape
        ]  # fmt: skip

    # ------------------------------------------------------------------ account probes
    async def account_mode(self, request: Request) -> Any:
        await self._signed(request)
        return {"selfAccountMode": "CLASSIC"}

    async def hf_opened(self, request: Request) -> Any:
        await self._signed(request)
        return False

    async def margin_symbols(self, request: Request) -> Any:
        await self._signed(request)
        return {"timestamp": _now_ms(), "items": []}

    async def isolated_symbols(self, request: Request) -> Any:
        await self._signed(request)
        return []

    # ------------------------------------------------------------------ private
    async def new_order(self, request: Request) -> Any:
        account, p = await self._signed(request)
        m = self._market(p.get("symbol"))
        try:
            side = Side(str(p["side"]).upper())
            type_ = str(p.get("type", "limit")).upper()
            qty = Decimal(str(p["size"]))
            price = Decimal(str(p["price"])) if type_ == "LIMIT" else None
            client_id = str(p["clientOid"])
        except (KeyError, ValueError, ArithmeticError):
            raise ExchangeError(
                "bad_param", "Parameter error: side, size, price, clientOid."
            ) from None
        if type_ not in ("LIMIT", "MARKET"):
            raise ExchangeError("bad_param", f"Invalid order type {type_}.")
        tif = str(p.get("timeInForce", "GTC"))
        if p.get("postOnly") in (True, "true"):
            type_ = "LIMIT_MAKER"
        o = self.exchange.place(account, m.id, side, type_, tif, qty, price, client_id)
        return {"orderId": _oid(o.id)}

    async def get_order(self, request: Request) -> Any:
        account, _ = await self._signed(request)
        return self.order_json(self._find(account, request))

    async def cancel_order(self, request: Request) -> Any:
        account, _ = await self._signed(request)
        try:
            o = self._find(account, request)
            self.exchange.cancel(account, o.symbol, o.id, None)
        except ExchangeError as e:
            raise ExchangeError("cancel_unknown", e.message) from None
        if "clientOid" in request.path_params:
            return {"cancelledOrderId": _oid(o.id), "clientOid": o.client_id}
        return {"cancelledOrderIds": [_oid(o.id)]}

    async def open_orders(self, request: Request) -> Any:
        account, p = await self._signed(request)
        if p.get("status", "active") != "active":
            raise ExchangeError("bad_param", "Only status=active is offered.")
        symbol = self._market(p["symbol"]).id if p.get("symbol") else None
        return _page([self.order_json(o) for o in self.exchange.open_orders(account, symbol)])

    async def fills(self, request: Request) -> Any:
        account, p = await self._signed(request)
        m = self._market(p.get("symbol"))
        try:
            order_id = _oid_int(p["orderId"]) if p.get("orderId") else None
            start = int(p["startAt"]) if p.get("startAt") else None
        except ValueError:
            raise ExchangeError("bad_param", "Parameter error: orderId, startAt.") from None
        trades = self.exchange.my_trades(account, m.id, order_id, None, start, 500)
        return _page([self.trade_json(t) for t in trades])

    async def accounts(self, request: Request) -> Any:
        account, p = await self._signed(request)
        if p.get("type", "trade") != "trade":
            return []
        return [
            {"id": _digest(f"{account}:{a}"), "currency": a, "type": "trade",
             "balance": plain(free + held), "available": plain(free), "holds": plain(held)}
            for a, (free, held) in sorted(self.exchange.balance(account).items())
        ]  # fmt: skip

    # ------------------------------------------------------------------ shapes
    def _find(self, account: str, request: Request) -> VOrder:
        pp = request.path_params
        try:
            oid = _oid_int(pp["orderId"]) if "orderId" in pp else None
        except ValueError:
            raise ExchangeError("unknown_order", "order not exist.") from None
        o = self.exchange.orders.get(oid) if oid is not None else None
        if o is None and oid is None:
            got = self.exchange.by_client.get((account, pp.get("clientOid", "")))
            o = self.exchange.orders.get(got) if got is not None else None
        if o is None or o.account != account:
            raise ExchangeError("unknown_order", "order not exist.")
        return o

    def _kid(self, symbol: str) -> str:
        m = self.exchange.markets[symbol]
        return f"{m.base}-{m.quote}"

    def order_json(self, o: VOrder) -> dict[str, Any]:
        fee = sum((t.commission for t in o.trades if t.order_id == o.id), Decimal(0))
        return {
            "id": _oid(o.id), "symbol": self._kid(o.symbol), "opType": "DEAL",
            "type": TYPES[o.type], "side": o.side.value.lower(),
            "price": plain(o.price or Decimal(0)), "size": plain(o.qty), "funds": "0",
            "dealFunds": plain(o.quote_qty), "dealSize": plain(o.executed), "fee": plain(fee),
            "feeCurrency": self.exchange.markets[o.symbol].quote, "stp": "", "stop": "",
            "stopTriggered": False, "stopPrice": "0", "timeInForce": o.tif,
            "postOnly": o.type == "LIMIT_MAKER", "hidden": False, "iceberg": False,
            "visibleSize": "0", "cancelAfter": 0, "channel": "API", "clientOid": o.client_id,
            "remark": None, "tags": "", "isActive": o.open,
            "cancelExist": o.status in ("CANCELED", "EXPIRED"), "createdAt": o.time_ms,
            "tradeType": "TRADE",
        }  # fmt: skip

    def trade_json(self, t: Trade) -> dict[str, Any]:
        o = self.exchange.orders[t.order_id]
        rate = self.exchange.config.maker_bps if t.maker else self.exchange.config.taker_bps
        return {
            "symbol": self._kid(t.symbol), "tradeId": str(t.id), "orderId": _oid(t.order_id),
            "counterOrderId": "", "side": t.side.value.lower(),
            "liquidity": "maker" if t.maker else "taker", "forceTaker": False,
            "price": plain(t.price), "size": plain(t.qty), "funds": plain(t.price * t.qty),
            "fee": plain(t.commission), "feeRate": plain(rate / 10_000),
            "feeCurrency": self.exchange.markets[t.symbol].quote, "stop": "",
            "tradeType": "TRADE", "type": TYPES[o.type], "createdAt": t.time_ms,
        }  # fmt: skip


#: KuCoin order ids are 24 hex digits (ObjectIds): ours are this base plus the exchange's id
OID_BASE = 0x65ABCDEF << 64


def _oid(n: int) -> str:
    return f"{OID_BASE + n:024x}"


def _oid_int(text: str) -> int:
    """The exchange's order id from a KuCoin order id (ValueError if not one of ours)."""
    n = int(text, 16) - OID_BASE
    if n <= 0 or len(text) != 24:
        raise ValueError(text)
    return n


def _digest(text: str) -> str:
    """A stable 24-hex-digit id (account ids, the same in every run)."""
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _page(items: list[Any]) -> dict[str, Any]:
    return {"currentPage": 1, "pageSize": max(50, len(items)), "totalNum": len(items),
            "totalPage": 1, "items": items}  # fmt: skip


def _b64mac(secret: str, payload: str) -> str:
    mac = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def build_app(d: KucoinDialect) -> FastAPI:
    return d.app(
        [
            ("GET", "/api/v1/timestamp", d.timestamp),
            ("GET", "/api/v3/currencies", d.currencies),
            ("GET", "/api/v2/symbols", d.symbols),
            ("GET", "/api/v1/market/allTickers", d.all_tickers),
            ("GET", "/api/v1/market/orderbook/level2_20", d.book),
            ("GET", "/api/v1/market/orderbook/level2_100", d.book),
            ("GET", "/api/v1/market/histories", d.histories),
            ("GET", "/api/ua/v1/account/mode", d.account_mode),
            ("GET", "/api/v1/hf/accounts/opened", d.hf_opened),
            ("GET", "/api/v3/margin/symbols", d.margin_symbols),
            ("GET", "/api/v1/isolated/symbols", d.isolated_symbols),
            ("POST", "/api/v1/orders", d.new_order),
            ("GET", "/api/v1/orders", d.open_orders),
            ("GET", "/api/v1/orders/{orderId}", d.get_order),
            ("DELETE", "/api/v1/orders/{orderId}", d.cancel_order),
            ("GET", "/api/v1/order/client-order/{clientOid}", d.get_order),
            ("DELETE", "/api/v1/order/client-order/{clientOid}", d.cancel_order),
            ("GET", "/api/v1/fills", d.fills),
            ("GET", "/api/v1/accounts", d.accounts),
        ]
    )
