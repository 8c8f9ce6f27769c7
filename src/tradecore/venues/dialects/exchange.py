"""The local exchange behind every dialect: accounts, orders, trades and balances over the
simulated matching engine (:class:`tradecore.venues.sim.book.OrderBook`).

Dialect-neutral and synchronous: a dialect (``binance.py``) turns HTTP requests into calls
here and results into its venue's JSON. Every state change is a *command* appended to a
journal file (one JSON line, written before the answer is sent) and the state is rebuilt by
replaying those commands on start, so a server killed with SIGKILL and restarted knows every
order and trade it had (what a real exchange guarantees and a client's reconciliation needs).
Matching is deterministic: the market makers' ladder is re-quoted before each order.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

from tradecore.model.enums import Side
from tradecore.venues.sim.book import OrderBook

ZERO = Decimal(0)
BPS = Decimal(10_000)
EIGHT = Decimal("0.00000001")


class ExchangeError(Exception):
    """A refusal, with a dialect-neutral kind the dialect maps to its own code and text."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True, slots=True)
class Market:
    """One listed spot market and its market makers' ladder."""

    base: str
    quote: str
    tick: Decimal
    lot: Decimal
    min_qty: Decimal
    min_notional: Decimal
    mid: Decimal
    half_spread_ticks: int = 5
    levels: int = 10
    level_size: Decimal = Decimal("0.5")

    @property
    def id(self) -> str:
        return f"{self.base}{self.quote}"

    def ladder(self) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
        """The market makers' depth: ``levels`` one-tick levels each side of ``mid``."""
        bids, asks = [], []
        for n in range(self.levels):
            off = self.tick * (self.half_spread_ticks + n)
            size = self.level_size * (n + 1)
            bids.append((self.mid - off, size))
            asks.append((self.mid + off, size))
        return bids, asks


@dataclass(slots=True)
class Trade:
    id: int
    order_id: int
    symbol: str
    account: str
    side: Side
    price: Decimal
    qty: Decimal
    commission: Decimal  # in the quote asset
    maker: bool
    time_ms: int


@dataclass(slots=True)
class VOrder:
    id: int
    client_id: str
    account: str
    symbol: str
    side: Side
    type: str  # LIMIT | MARKET | LIMIT_MAKER
    tif: str  # GTC | IOC | FOK
    qty: Decimal
    price: Decimal | None
    time_ms: int
    status: str = "NEW"  # NEW PARTIALLY_FILLED FILLED CANCELED EXPIRED REJECTED
    executed: Decimal = ZERO
    quote_qty: Decimal = ZERO
    update_ms: int = 0
    trades: list[Trade] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.status in ("NEW", "PARTIALLY_FILLED")


@dataclass(frozen=True, slots=True)
class ExchangeConfig:
    markets: tuple[Market, ...]
    maker_bps: Decimal = Decimal(2)
    taker_bps: Decimal = Decimal(5)
    #: every account starts with these balances
    initial: tuple[tuple[str, Decimal], ...] = (("USDT", Decimal(10_000_000)),)


class Exchange:
    """Accounts and order books of one local exchange; see the module docstring."""

    def __init__(
        self,
        config: ExchangeConfig,
        journal: Path | None = None,
        now_ms: Callable[[], int] | None = None,
    ) -> None:
        import time

        self.config = config
        self.markets = {m.id: m for m in config.markets}
        self.books = {m.id: OrderBook() for m in config.markets}
        self.orders: dict[int, VOrder] = {}
        self.by_client: dict[tuple[str, str], int] = {}
        self.trades: list[Trade] = []
        self.balances: dict[str, dict[str, Decimal]] = {}
        self._next_order = 1
        self._next_trade = 1
        self._now = now_ms or (lambda: time.time_ns() // 1_000_000)
        self._journal_path = journal
        self._replaying = False
        self._out = None
        #: called with (execution type, order, trade) at each change of an order: NEW,
        #: TRADE, CANCELED, EXPIRED (a dialect's user-data stream; never while replaying)
        self.listeners: list[Callable[[str, VOrder, Trade | None], None]] = []
        if journal is not None:
            if journal.exists():
                good = self._replay(journal)
                with journal.open("r+b") as f:  # a torn last line is cut off, so the next
                    f.truncate(good)  # command starts a line of its own
            self._out = journal.open("a", encoding="utf-8")

    # ------------------------------------------------------------------ journal
    def _replay(self, path: Path) -> int:
        """Apply the journal's commands; returns the length in bytes without a torn last
        line (killed mid-write: that command was never answered)."""
        self._replaying = True
        data = path.read_bytes()
        good = len(data) if data.endswith(b"\n") else data.rfind(b"\n") + 1
        try:
            for line in data[:good].splitlines():
                if not line.strip():
                    continue
                try:
                    cmd = json.loads(line)
                except ValueError:
                    break  # a damaged line: what follows it cannot be trusted
                with contextlib.suppress(ExchangeError):  # refused then too
                    self._apply(cmd)
        finally:
            self._replaying = False
        return good

    def _notify(self, kind: str, order: VOrder, trade: Trade | None = None) -> None:
        if not self._replaying:
            for fn in self.listeners:
                fn(kind, order, trade)

    def _record(self, cmd: dict[str, Any]) -> None:
        if self._out is not None and not self._replaying:
            self._out.write(json.dumps(cmd, sort_keys=True) + "\n")
            self._out.flush()
            os.fsync(self._out.fileno())

    def _apply(self, cmd: dict[str, Any]) -> Any:
        if cmd["op"] == "order":
            return self._place(cmd)
        return self._cancel(cmd)

    # ------------------------------------------------------------------ queries
    def market(self, symbol: str) -> Market:
        m = self.markets.get(symbol)
        if m is None:
            raise ExchangeError("bad_symbol", "Invalid symbol.")
        return m

    def find(
        self, account: str, symbol: str, order_id: int | None, client_id: str | None
    ) -> VOrder:
        oid = order_id if order_id is not None else self.by_client.get((account, client_id or ""))
        o = self.orders.get(oid) if oid is not None else None
        if o is None or o.account != account or o.symbol != symbol:
            raise ExchangeError("unknown_order", "Order does not exist.")
        return o

    def open_orders(self, account: str, symbol: str | None) -> list[VOrder]:
        return [
            o
            for o in self.orders.values()
            if o.account == account and o.open and (symbol is None or o.symbol == symbol)
        ]

    def my_trades(
        self, account: str, symbol: str, order_id: int | None = None, from_id: int | None = None,
        start_ms: int | None = None, limit: int = 500,
    ) -> list[Trade]:  # fmt: skip
        out = [
            t
            for t in self.trades
            if t.account == account
            and t.symbol == symbol
            and (order_id is None or t.order_id == order_id)
            and (from_id is None or t.id >= from_id)
            and (start_ms is None or t.time_ms >= start_ms)
        ]
        return out[:limit]

    def balance(self, account: str) -> dict[str, tuple[Decimal, Decimal]]:
        """(free, locked) per asset: resting buys lock quote, resting sells lock base."""
        total = self._wallet(account)
        locked: dict[str, Decimal] = {a: ZERO for a in total}
        for o in self.open_orders(account, None):
            m = self.markets[o.symbol]
            left = o.qty - o.executed
            if o.side is Side.BUY and o.price is not None:
                locked[m.quote] = locked.get(m.quote, ZERO) + left * o.price
            else:
                locked[m.base] = locked.get(m.base, ZERO) + left
        return {a: (total.get(a, ZERO) - locked.get(a, ZERO), locked.get(a, ZERO)) for a in total}

    def _wallet(self, account: str) -> dict[str, Decimal]:
        w = self.balances.get(account)
        if w is None:
            w = {a: v for a, v in self.config.initial}
            for m in self.config.markets:
                w.setdefault(m.base, ZERO)
                w.setdefault(m.quote, ZERO)
            self.balances[account] = w
        return w

    # ------------------------------------------------------------------ commands
    def place(
        self, account: str, symbol: str, side: Side, type_: str, tif: str, qty: Decimal,
        price: Decimal | None, client_id: str,
    ) -> VOrder:  # fmt: skip
        cmd = self._order_cmd(account, symbol, side, type_, tif, qty, price, client_id)
        self._check(cmd)  # refusals are not journaled: they change nothing
        self._record(cmd)
        order: VOrder = self._place(cmd)
        return order

    def replace(
        self, account: str, symbol: str, old_id: int | None, old_client_id: str | None,
        side: Side, type_: str, tif: str, qty: Decimal, price: Decimal | None, client_id: str,
    ) -> tuple[VOrder, VOrder]:  # fmt: skip
        """Cancel an open order and place its replacement, or neither: the replacement is
        checked (filters, funds, post-only, duplicate id) before the cancel. Returns both."""
        old = self.find(account, symbol, old_id, old_client_id)
        if not old.open:
            raise ExchangeError("cancel_unknown", "Unknown order sent.")
        self._check(self._order_cmd(account, symbol, side, type_, tif, qty, price, client_id))
        done = self.cancel(account, symbol, old.id, None)
        return done, self.place(account, symbol, side, type_, tif, qty, price, client_id)

    def _order_cmd(
        self, account: str, symbol: str, side: Side, type_: str, tif: str, qty: Decimal,
        price: Decimal | None, client_id: str,
    ) -> dict[str, Any]:  # fmt: skip
        return {
            "op": "order", "account": account, "symbol": symbol, "side": side.value,
            "type": type_, "tif": tif, "qty": str(qty),
            "price": None if price is None else str(price), "client_id": client_id,
            "ts": self._now(),
        }  # fmt: skip

    def cancel(
        self, account: str, symbol: str, order_id: int | None, client_id: str | None
    ) -> VOrder:
        o = self.find(account, symbol, order_id, client_id)
        if not o.open:
            raise ExchangeError("unknown_order", "Unknown order sent.")
        cmd = {"op": "cancel", "id": o.id, "ts": self._now()}
        self._record(cmd)
        done: VOrder = self._cancel(cmd)
        return done

    def _check(self, cmd: dict[str, Any]) -> None:
        m = self.market(cmd["symbol"])
        qty = Decimal(cmd["qty"])
        price = None if cmd["price"] is None else Decimal(cmd["price"])
        if (cmd["account"], cmd["client_id"]) in self.by_client:
            raise ExchangeError("duplicate", "Duplicate order sent.")
        if qty <= 0 or qty % m.lot != 0:
            raise ExchangeError("lot", "Filter failure: LOT_SIZE")
        if qty < m.min_qty:
            raise ExchangeError("lot", "Filter failure: LOT_SIZE")
        if cmd["type"] != "MARKET":
            if price is None or price <= 0 or price % m.tick != 0:
                raise ExchangeError("price", "Filter failure: PRICE_FILTER")
            if qty * price < m.min_notional:
                raise ExchangeError("notional", "Filter failure: NOTIONAL")
        side = Side(cmd["side"])
        free = self.balance(cmd["account"])
        book = self.books[m.id]
        if side is Side.BUY:
            ref = price if price is not None else (book.best_ask() or m.mid)
            need, asset = qty * ref, m.quote
        else:
            need, asset = qty, m.base
        if free.get(asset, (ZERO, ZERO))[0] < need:
            raise ExchangeError("funds", "Account has insufficient balance for requested action.")
        if cmd["type"] == "LIMIT_MAKER" and price is not None:
            book.replace_synthetic(*m.ladder())
            if book.would_cross(side, price):
                raise ExchangeError("post_only", "Order would immediately match and take.")

    def _place(self, cmd: dict[str, Any]) -> VOrder:
        if self._replaying:
            self._check(cmd)
        m = self.markets[cmd["symbol"]]
        book = self.books[m.id]
        ts = int(cmd["ts"])
        side = Side(cmd["side"])
        price = None if cmd["price"] is None else Decimal(cmd["price"])
        o = VOrder(
            self._next_order, cmd["client_id"], cmd["account"], m.id, side, cmd["type"],
            cmd["tif"], Decimal(cmd["qty"]), price, ts, update_ms=ts,
        )  # fmt: skip
        self._next_order += 1
        self.orders[o.id] = o
        self.by_client[(o.account, o.client_id)] = o.id
        self._notify("NEW", o)
        for mt in book.replace_synthetic(*m.ladder()):
            self._fill(None, self.orders[int(mt.maker_ref)], mt.price, mt.qty, ts)
        limit = price if o.type != "MARKET" else None
        if o.tif == "FOK" and book.available(side, limit) < o.qty:
            o.status = "EXPIRED"
            self._notify("EXPIRED", o)
            return o
        for mt in book.match(side, o.qty, limit, taker=o.account):
            maker = None if mt.maker_owner == "" else self.orders[int(mt.maker_ref)]
            self._fill(o, maker, mt.price, mt.qty, ts)
        left = o.qty - o.executed
        if left > 0:
            if o.type == "MARKET" or o.tif in ("IOC", "FOK"):
                o.status = "EXPIRED"
                self._notify("EXPIRED", o)
            else:
                assert price is not None
                book.add(str(o.id), o.account, side, price, left)
        return o

    def _fill(
        self, taker: VOrder | None, maker: VOrder | None, price: Decimal, qty: Decimal, ts: int
    ) -> None:
        for o, is_maker in ((taker, False), (maker, True)):
            if o is None:
                continue
            m = self.markets[o.symbol]
            bps = self.config.maker_bps if is_maker else self.config.taker_bps
            # the venue's own rounding: commissions to 8 places, half-even
            fee = (qty * price * bps / BPS).quantize(EIGHT, ROUND_HALF_EVEN)
            t = Trade(self._next_trade, o.id, o.symbol, o.account, o.side, price, qty, fee,
                      is_maker, ts)  # fmt: skip
            self._next_trade += 1
            self.trades.append(t)
            o.trades.append(t)
            o.executed += qty
            o.quote_qty += qty * price
            o.update_ms = ts
            o.status = "FILLED" if o.executed >= o.qty else "PARTIALLY_FILLED"
            w = self._wallet(o.account)
            sign = 1 if o.side is Side.BUY else -1
            w[m.base] = w.get(m.base, ZERO) + sign * qty
            w[m.quote] = w.get(m.quote, ZERO) - sign * qty * price - fee
            self._notify("TRADE", o, t)

    def _cancel(self, cmd: dict[str, Any]) -> VOrder:
        o = self.orders[int(cmd["id"])]
        self.books[o.symbol].cancel(str(o.id))
        o.status = "CANCELED"
        o.update_ms = int(cmd["ts"])
        self._notify("CANCELED", o)
        return o

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
