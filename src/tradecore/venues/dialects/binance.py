"""The Binance spot REST dialect of the local exchange (``tradecore venue-server``).

Speaks the endpoints a Binance spot client uses (``/api/v3``: ping, time, exchangeInfo,
depth, order POST/GET/DELETE, openOrders, myTrades, account), with signed endpoints checked
like Binance checks them: ``X-MBX-APIKEY`` names the account, ``signature`` is the HMAC-SHA256
of the rest of the query (or form body) under that key's secret, ``timestamp`` must be within
``recvWindow``. Responses have Binance's fields and types (numbers as JSON numbers where
Binance sends them, decimals as strings), checked against ccxt's recorded real responses by
``tests/integration/venues/test_binance_conformance.py``. Errors are Binance's
``{"code": -NNNN, "msg": ...}`` with its HTTP statuses, so a client maps them as it would for
the real exchange.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tradecore.model.enums import Side
from tradecore.venues.dialects.binance_user import UserStreams
from tradecore.venues.dialects.binance_ws import Streams
from tradecore.venues.dialects.depth import DepthFeed
from tradecore.venues.dialects.exchange import Exchange, ExchangeError, Trade, VOrder
from tradecore.venues.dialects.front import Front, Route

# Binance's code and HTTP status for each refusal of the exchange
ERRORS: dict[str, tuple[int, int]] = {
    "bad_symbol": (400, -1121),
    "lot": (400, -1013),
    "price": (400, -1013),
    "notional": (400, -1013),
    "funds": (400, -2010),
    "post_only": (400, -2010),
    "duplicate": (400, -2010),
    "unknown_order": (400, -2013),
    "cancel_unknown": (400, -2011),
    "bad_param": (400, -1102),
    "auth": (401, -2015),
    "signature": (400, -1022),
    "timestamp": (400, -1021),
    "rate_limit": (429, -1003),
    "maintenance": (503, 1),
}


def dec(x: Decimal, places: int = 8) -> str:
    """Binance writes decimals with 8 places: ``"241.00000000"``."""
    return f"{x:.{places}f}"


class BinanceDialect(Front):
    """One Binance-speaking front end over one :class:`Exchange`."""

    key_header = "X-MBX-APIKEY"
    name = "binance"

    def __init__(self, exchange: Exchange, keys: Mapping[str, str]) -> None:
        super().__init__(exchange, keys)
        self.feed = DepthFeed(exchange)  # the depth stream's numbering (binance_ws.py)

    def fail(self, kind: str, message: str) -> JSONResponse:
        status, code = ERRORS.get(kind, (400, -1000))
        return JSONResponse({"code": code, "msg": message}, status_code=status)

    # ------------------------------------------------------------------ plumbing
    async def _params(self, request: Request) -> dict[str, str]:
        raw = request.url.query
        body = (await request.body()).decode()
        return dict(parse_qsl(raw, keep_blank_values=True)) | dict(
            parse_qsl(body, keep_blank_values=True)
        )

    async def _signed(self, request: Request) -> tuple[str, dict[str, str]]:
        key = request.headers.get(self.key_header, "")
        secret = self.secret(key)
        raw = "&".join(p for p in (request.url.query, (await request.body()).decode()) if p)
        payload, sep, sig = raw.rpartition("&signature=")
        want = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
        if not sep or not hmac.compare_digest(want, sig):
            raise ExchangeError("signature", "Signature for this request is not valid.")
        params = dict(parse_qsl(payload, keep_blank_values=True))
        try:
            ts = int(params["timestamp"])
            window = int(params.get("recvWindow", "5000"))
        except (KeyError, ValueError):
            raise ExchangeError(
                "bad_param", "Mandatory parameter 'timestamp' was not sent."
            ) from None
        now = time.time_ns() // 1_000_000
        if ts > now + 1000 or now - ts > window:
            raise ExchangeError(
                "timestamp", "Timestamp for this request is outside of the recvWindow."
            )
        return key, params

    # ------------------------------------------------------------------ public
    async def ping(self, request: Request) -> Any:
        return {}

    async def server_time(self, request: Request) -> Any:
        return {"serverTime": time.time_ns() // 1_000_000}

    async def exchange_info(self, request: Request) -> Any:
        symbols = []
        for m in self.exchange.markets.values():
            symbols.append({
                "symbol": m.id, "status": "TRADING", "baseAsset": m.base,
                "baseAssetPrecision": 8, "quoteAsset": m.quote, "quotePrecision": 8,
                "quoteAssetPrecision": 8, "baseCommissionPrecision": 8,
                "quoteCommissionPrecision": 8,
                "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET"],
                "icebergAllowed": False, "ocoAllowed": False, "otoAllowed": False,
                "quoteOrderQtyMarketAllowed": False, "allowTrailingStop": False,
                "cancelReplaceAllowed": False, "isSpotTradingAllowed": True,
                "isMarginTradingAllowed": False,
                "filters": [
                    {"filterType": "PRICE_FILTER", "minPrice": dec(m.tick),
                     "maxPrice": dec(Decimal(1_000_000)), "tickSize": dec(m.tick)},
                    {"filterType": "LOT_SIZE", "minQty": dec(m.min_qty),
                     "maxQty": dec(Decimal(9000)), "stepSize": dec(m.lot)},
                    {"filterType": "NOTIONAL", "minNotional": dec(m.min_notional),
                     "applyMinToMarket": True, "maxNotional": dec(Decimal(9_000_000)),
                     "applyMaxToMarket": False, "avgPriceMins": 5},
                ],
                "permissions": [], "permissionSets": [["SPOT"]],
                "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
                "allowedSelfTradePreventionModes": ["EXPIRE_MAKER"],
            })  # fmt: skip
        return {
            "timezone": "UTC", "serverTime": time.time_ns() // 1_000_000,
            "rateLimits": [], "exchangeFilters": [], "symbols": symbols,
        }  # fmt: skip

    async def depth(self, request: Request) -> Any:
        p = await self._params(request)
        m = self.exchange.market(p.get("symbol", ""))
        limit = int(p.get("limit", "100") or 100)
        self.exchange.books[m.id].replace_synthetic(*m.ladder())  # the market makers now
        version, bids, asks = self.feed.snapshot(m.id, limit)  # at a stream event boundary
        return {
            "lastUpdateId": version,
            "bids": [[dec(px), dec(q)] for px, q in bids],
            "asks": [[dec(px), dec(q)] for px, q in asks],
        }

    async def agg_trades(self, request: Request) -> Any:
        """The public tape (each trade once, from its taker's side; no aggregation)."""
        p = await self._params(request)
        m = self.exchange.market(p.get("symbol", ""))
        start = int(p["startTime"]) if p.get("startTime") else None
        limit = int(p.get("limit") or 500)
        tape = [t for t in self.exchange.trades if t.symbol == m.id and not t.maker]
        tape = [t for t in tape if start is None or t.time_ms >= start][-limit:]
        return [
            {"a": t.id, "p": dec(t.price), "q": dec(t.qty), "f": t.id, "l": t.id,
             "T": t.time_ms, "m": t.side is Side.SELL, "M": True}
            for t in tape
        ]  # fmt: skip

    # ------------------------------------------------------------------ private
    def _order_params(
        self, p: dict[str, str]
    ) -> tuple[Side, str, str, Decimal, Decimal | None, str]:
        """(side, type, time in force, quantity, price, client order id) of a new order."""
        try:
            side = Side(p["side"])
            type_ = p["type"]
            qty = Decimal(p["quantity"])
            price = Decimal(p["price"]) if "price" in p else None
        except (KeyError, ValueError, ArithmeticError):
            raise ExchangeError(
                "bad_param", "A mandatory parameter was not sent or was malformed."
            ) from None
        if type_ not in ("LIMIT", "MARKET", "LIMIT_MAKER"):
            raise ExchangeError("bad_param", f"Invalid order type {type_}.")
        tif = p.get("timeInForce", "GTC")
        return side, type_, tif, qty, price, p.get("newClientOrderId") or f"srv-{self.requests}"

    async def new_order(self, request: Request) -> Any:
        account, p = await self._signed(request)
        o = self.exchange.place(account, p.get("symbol", ""), *self._order_params(p))
        return self.new_order_json(o)

    async def cancel_replace(self, request: Request) -> Any:
        """``order/cancelReplace`` (``STOP_ON_FAILURE``): the old order is canceled and the
        new one placed, or neither (the new one is checked first)."""
        account, p = await self._signed(request)
        m = self.exchange.market(p.get("symbol", ""))
        oid, cid = p.get("cancelOrderId"), p.get("cancelOrigClientOrderId")
        if not oid and not cid:
            raise ExchangeError(
                "bad_param", "Param 'cancelOrderId' or 'cancelOrigClientOrderId' must be sent."
            )
        if p.get("cancelReplaceMode", "STOP_ON_FAILURE") != "STOP_ON_FAILURE":
            raise ExchangeError("bad_param", "Only cancelReplaceMode=STOP_ON_FAILURE is offered.")
        try:
            old_id = int(oid) if oid else None
        except ValueError:
            raise ExchangeError(
                "bad_param", "Illegal characters found in parameter 'cancelOrderId'."
            ) from None
        done, new = self.exchange.replace(account, m.id, old_id, cid, *self._order_params(p))
        return {
            "cancelResult": "SUCCESS", "newOrderResult": "SUCCESS",
            "cancelResponse": self.cancel_json(done), "newOrderResponse": self.new_order_json(new),
        }  # fmt: skip

    def new_order_json(self, o: VOrder) -> dict[str, Any]:
        out = self.order_json(o)
        for k in ("stopPrice", "time", "updateTime", "isWorking"):
            out.pop(k)
        out["transactTime"] = o.time_ms
        out["fills"] = [
            {"price": dec(t.price), "qty": dec(t.qty), "commission": dec(t.commission),
             "commissionAsset": self.exchange.markets[t.symbol].quote, "tradeId": t.id}
            for t in o.trades if t.order_id == o.id
        ]  # fmt: skip
        return out

    async def get_order(self, request: Request) -> Any:
        account, p = await self._signed(request)
        return self.order_json(self._find(account, p))

    async def cancel_order(self, request: Request) -> Any:
        account, p = await self._signed(request)
        o = self._find(account, p)
        try:
            done = self.exchange.cancel(account, o.symbol, o.id, None)
        except ExchangeError as e:
            raise ExchangeError("cancel_unknown", e.message) from None
        return self.cancel_json(done)

    def cancel_json(self, done: VOrder) -> dict[str, Any]:
        out = self.order_json(done)
        for k in ("stopPrice", "icebergQty", "time", "updateTime", "isWorking", "workingTime"):
            out.pop(k)
        out["origClientOrderId"] = done.client_id
        out["transactTime"] = done.update_ms
        return out

    async def open_orders(self, request: Request) -> Any:
        account, p = await self._signed(request)
        symbol = p.get("symbol")
        if symbol is not None:
            self.exchange.market(symbol)
        return [self.order_json(o) for o in self.exchange.open_orders(account, symbol)]

    async def my_trades(self, request: Request) -> Any:
        account, p = await self._signed(request)
        m = self.exchange.market(p.get("symbol", ""))

        def num(k: str) -> int | None:
            v = p.get(k)
            return int(v) if v else None

        trades = self.exchange.my_trades(
            account, m.id, num("orderId"), num("fromId"), num("startTime"), num("limit") or 500
        )
        return [self.trade_json(t) for t in trades]

    async def account(self, request: Request) -> Any:
        account, _ = await self._signed(request)
        bal = self.exchange.balance(account)
        maker, taker = self.exchange.config.maker_bps, self.exchange.config.taker_bps
        return {
            "makerCommission": int(maker), "takerCommission": int(taker),
            "buyerCommission": 0, "sellerCommission": 0,
            "commissionRates": {"maker": dec(maker / 10_000), "taker": dec(taker / 10_000),
                                "buyer": dec(Decimal(0)), "seller": dec(Decimal(0))},
            "canTrade": True, "canWithdraw": False, "canDeposit": False, "brokered": False,
            "requireSelfTradePrevention": False, "preventSor": False,
            "updateTime": time.time_ns() // 1_000_000, "accountType": "SPOT",
            "balances": [{"asset": a, "free": dec(f), "locked": dec(lk)}
                         for a, (f, lk) in sorted(bal.items())],
            "permissions": ["SPOT"], "uid": abs(hash(account)) % 10**9,
        }  # fmt: skip

    # ------------------------------------------------------------------ shapes
    def _find(self, account: str, p: dict[str, str]) -> VOrder:
        m = self.exchange.market(p.get("symbol", ""))
        oid = p.get("orderId")
        cid = p.get("origClientOrderId")
        if not oid and not cid:
            raise ExchangeError("bad_param", "Param 'origClientOrderId' or 'orderId' must be sent.")
        try:
            return self.exchange.find(account, m.id, int(oid) if oid else None, cid)
        except ValueError:
            raise ExchangeError(
                "bad_param", "Illegal characters found in parameter 'orderId'."
            ) from None

    def order_json(self, o: VOrder) -> dict[str, Any]:
        return {
            "symbol": o.symbol, "orderId": o.id, "orderListId": -1, "clientOrderId": o.client_id,
            "price": dec(o.price or Decimal(0)), "origQty": dec(o.qty),
            "executedQty": dec(o.executed), "cummulativeQuoteQty": dec(o.quote_qty),
            "status": o.status, "timeInForce": o.tif, "type": o.type, "side": o.side.value,
            "stopPrice": dec(Decimal(0)), "icebergQty": dec(Decimal(0)), "time": o.time_ms,
            "updateTime": o.update_ms, "isWorking": True, "workingTime": o.time_ms,
            "origQuoteOrderQty": dec(Decimal(0)), "selfTradePreventionMode": "EXPIRE_MAKER",
        }  # fmt: skip

    def trade_json(self, t: Trade) -> dict[str, Any]:
        return {
            "symbol": t.symbol, "id": t.id, "orderId": t.order_id, "orderListId": -1,
            "price": dec(t.price), "qty": dec(t.qty), "quoteQty": dec(t.price * t.qty),
            "commission": dec(t.commission),
            "commissionAsset": self.exchange.markets[t.symbol].quote, "time": t.time_ms,
            "isBuyer": t.side is Side.BUY, "isMaker": t.maker, "isBestMatch": True,
        }  # fmt: skip


def build_app(dialect: BinanceDialect) -> FastAPI:
    d = dialect
    routes: list[Route] = [
        ("GET", "/api/v3/ping", d.ping),
        ("GET", "/api/v3/time", d.server_time),
        ("GET", "/api/v3/exchangeInfo", d.exchange_info),
        ("GET", "/api/v3/depth", d.depth),
        ("GET", "/api/v3/aggTrades", d.agg_trades),
        ("POST", "/api/v3/order", d.new_order),
        ("GET", "/api/v3/order", d.get_order),
        ("DELETE", "/api/v3/order", d.cancel_order),
        ("POST", "/api/v3/order/cancelReplace", d.cancel_replace),
        ("GET", "/api/v3/openOrders", d.open_orders),
        ("GET", "/api/v3/myTrades", d.my_trades),
        ("GET", "/api/v3/account", d.account),
    ]
    app = d.app(routes)
    # the WebSocket market streams and the user-data stream (binance_ws.py, binance_user.py)
    Streams(d.feed, UserStreams(d.exchange, d.keys)).mount(app)
    return app
