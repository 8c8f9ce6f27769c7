"""Live position keeping from the engine bus.

Subscribes to ``OrderFilled`` (every execution; a routed parent's children each carry their
own fills, and a parent never emits one, so nothing is counted twice) and ``Quote`` (marks).
A quote re-marks only the positions in its symbol, and the unrealized total per account and
currency moves by the difference, so a tick costs O(positions in that symbol), not O(book).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tradecore.engine.bus import MessageBus
from tradecore.engine.instruments import InstrumentRegistry
from tradecore.model.enums import Side
from tradecore.model.events import OrderFilled
from tradecore.model.market import Quote
from tradecore.model.values import ZERO, Currency
from tradecore.positions.ledger import PositionLedger
from tradecore.positions.position import Method, Position


class MarkSource(StrEnum):
    MID = "mid"
    BID = "bid"
    ASK = "ask"
    LAST = "last"  # the last fill price


_NONE: list[Position] = []
# bound once: an ``Enum.MEMBER`` read costs an EnumType.__getattr__ call on Python 3.11
_BUY, _LAST = Side.BUY, MarkSource.LAST
_MID, _BID = MarkSource.MID, MarkSource.BID


class PositionKeeper:
    def __init__(
        self,
        bus: MessageBus,
        instruments: InstrumentRegistry | None = None,
        *,
        method: Method = Method.AVERAGE,
        mark: MarkSource = MarkSource.MID,
        default_currency: str = "USD",
    ) -> None:
        self.ledger = PositionLedger(method, default_currency)
        self.instruments = instruments
        self.mark_source = mark
        self._by_symbol: dict[str, list[Position]] = {}
        # unrealized per (account, currency), kept incrementally
        self.unrealized_total: dict[tuple[str, str], Decimal] = {}
        self._unreal: dict[int, Decimal] = {}  # id(position) -> its last unrealized
        self.realized_total: dict[str, dict[str, Decimal]] = {}  # account -> ccy -> realized
        self.fees_total: dict[str, dict[str, Decimal]] = {}  # account -> ccy -> fees
        # account -> ccy -> cash moved by fills (the quote currency paid or received) and
        # fees (in their own currency): the per-currency cash balances, less initial cash
        self.cash_flows: dict[str, dict[str, Decimal]] = {}
        self._unreal_by_account: dict[str, dict[str, Decimal]] = {}
        self.fills = 0
        self.listeners: list[Callable[[Position], None]] = []
        bus.subscribe(OrderFilled, self.on_fill)
        bus.subscribe(Quote, self.on_quote)

    def on_fill(self, e: OrderFilled) -> None:
        symbol = e.instrument_id.symbol
        p = self.ledger.get(e.account, symbol)
        if p is None:
            mult = Decimal(1)
            if self.instruments is not None:
                inst = self.instruments.get(e.instrument_id)
                if inst is not None:
                    mult = inst.multiplier
            p = self.ledger.position(e.account, symbol, mult)
            if self.instruments is not None:
                inst = self.instruments.get(e.instrument_id)
                if inst is not None:
                    p.currency = inst.quote
            self._by_symbol.setdefault(symbol, []).append(p)
        fee = e.fee
        fee_amount, fc = fee.amount, fee.currency.code
        account = e.account
        pnl = p.apply(e.side, e.quantity, e.price, fee_amount, fc, e.instrument_id.venue)
        qc = p.currency.code
        if pnl:
            r = self.realized_total.get(account)
            if r is None:
                r = self.realized_total[account] = {}
            r[qc] = r.get(qc, ZERO) + pnl
        cash = self.cash_flows.get(account)
        if cash is None:
            cash = self.cash_flows[account] = {}
        paid = e.quantity * e.price * p.multiplier
        cash[qc] = cash.get(qc, ZERO) + (-paid if e.side is _BUY else paid)
        if fee_amount:
            f = self.fees_total.get(account)
            if f is None:
                f = self.fees_total[account] = {}
            f[fc] = f.get(fc, ZERO) + fee_amount
            cash[fc] = cash.get(fc, ZERO) - fee_amount
        self.fills += 1
        if self.mark_source is _LAST or p.mark is None:
            p.mark = e.price
        self._remark(p)
        for fn in self.listeners:
            fn(p)

    def on_quote(self, q: Quote) -> None:
        positions = self._by_symbol.get(q.instrument_id.symbol)
        if not positions:
            return
        src = self.mark_source
        if src is _LAST:
            return
        if src is _MID:
            mark = (q.bid + q.ask) / 2
        elif src is _BID:
            mark = q.bid
        else:
            mark = q.ask
        for p in positions:
            p.mark = mark
            self._remark(p)

    def _remark(self, p: Position) -> None:
        u = p.unrealized()
        if u is None:
            return
        old = self._unreal.get(id(p), ZERO)
        if u != old:
            key = (p.account, p.currency.code)
            total = self.unrealized_total.get(key, ZERO) + (u - old)
            self.unrealized_total[key] = total
            by_ccy = self._unreal_by_account.get(p.account)
            if by_ccy is None:
                by_ccy = self._unreal_by_account[p.account] = {}
            by_ccy[key[1]] = total
            self._unreal[id(p)] = u

    # ------------------------------------------------------------------ reads
    def position(self, account: str, symbol: str) -> Position | None:
        return self.ledger.get(account, symbol)

    def positions(self, account: str | None = None) -> list[Position]:
        return list(self.ledger) if account is None else self.ledger.for_account(account)

    def positions_in(self, symbol: str) -> list[Position]:
        """Every account's position in ``symbol`` (the index the re-marking uses; do not
        modify the list)."""
        return self._by_symbol.get(symbol, _NONE)

    def signed_quantity(self, account: str, symbol: str) -> Decimal:
        p = self.ledger.get(account, symbol)
        return ZERO if p is None else p.quantity

    def cash(self, account: str, initial: dict[str, Decimal] | None = None) -> dict[str, Decimal]:
        """Cash per currency: ``initial`` plus what fills and fees moved (exact)."""
        out = dict(initial or {})
        for ccy, amt in self.cash_flows.get(account, {}).items():
            out[ccy] = out.get(ccy, ZERO) + amt
        return dict(sorted(out.items()))

    def realized(self, account: str) -> dict[str, Decimal]:
        """Realized PnL per currency (kept incrementally, O(currencies))."""
        return dict(self.realized_total.get(account, {}))

    def fees(self, account: str) -> dict[str, Decimal]:
        return dict(self.fees_total.get(account, {}))

    def unrealized(self, account: str) -> dict[str, Decimal]:
        return dict(sorted(self._unreal_by_account.get(account, {}).items()))

    def snapshot(self) -> dict[str, object]:
        return self.ledger.to_json()

    # ------------------------------------------------------------------ snapshots
    def export_state(self) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        for p in self.ledger:
            out.append(
                {
                    "account": p.account, "symbol": p.symbol, "currency": p.currency.code,
                    "precision": p.currency.precision, "method": p.method.value,
                    "multiplier": str(p.multiplier), "quantity": str(p.quantity),
                    "cost": str(p.cost), "realized": str(p.realized),
                    "fees": {k: str(v) for k, v in p.fees.items()},
                    "lots": [[str(q), str(px)] for q, px in p.lots],
                    "mark": None if p.mark is None else str(p.mark),
                    "venue_qty": {k: str(v) for k, v in p.venue_qty.items()},
                }
            )  # fmt: skip
        for acct, flows in sorted(self.cash_flows.items()):  # per-currency cash moved
            out.append({"cash_account": acct, "flows": {k: str(v) for k, v in flows.items()}})
        return out

    def import_state(self, rows: list[dict[str, Any]]) -> None:
        for r in rows:
            if "cash_account" in r:
                self.cash_flows[r["cash_account"]] = {k: Decimal(v) for k, v in r["flows"].items()}
                continue
            p = self.ledger.position(r["account"], r["symbol"], Decimal(r["multiplier"]))
            p.currency = Currency(r["currency"], int(r["precision"]))
            p.method = Method(r["method"])
            p.quantity, p.cost = Decimal(r["quantity"]), Decimal(r["cost"])
            p.realized = Decimal(r["realized"])
            p.fees = {k: Decimal(v) for k, v in r["fees"].items()}
            p.lots = deque([Decimal(q), Decimal(px)] for q, px in r["lots"])
            p.mark = None if r["mark"] is None else Decimal(r["mark"])
            p.venue_qty = {k: Decimal(v) for k, v in r["venue_qty"].items()}
            if p not in self._by_symbol.setdefault(p.symbol, []):
                self._by_symbol[p.symbol].append(p)
            if p.realized:
                r = self.realized_total.setdefault(p.account, {})
                r[p.currency.code] = r.get(p.currency.code, ZERO) + p.realized
            for fc, amt in p.fees.items():
                f = self.fees_total.setdefault(p.account, {})
                f[fc] = f.get(fc, ZERO) + amt
            self._remark(p)
