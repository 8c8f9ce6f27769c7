"""The narrow port a strategy host gets: the engine's caller API, the clock, read-only views.

A strategy never sees the engine, the venues or the bus. The host (``strategy.host``) talks
to this port only; :meth:`StrategyContext.from_system` is the one place that knows how a
:class:`~tradecore.bootstrap.System` provides each piece.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tradecore.engine.core import CommandResult
from tradecore.engine.instruments import InstrumentRegistry
from tradecore.model.commands import CancelOrder, ReplaceOrder, SubmitOrder
from tradecore.model.identifiers import SMART, InstrumentId
from tradecore.model.instrument import Instrument
from tradecore.model.market import BookLevel, BookSnapshot, Quote
from tradecore.model.orders import Order
from tradecore.positions.position import Position
from tradecore.strategy.values import PositionView, money_of, price_of, qty_of

if TYPE_CHECKING:
    from tradecore.bootstrap import System


@dataclass(frozen=True)
class Reads:
    """The read-only sources behind the context's views (no engine, no venue clients)."""

    instruments: InstrumentRegistry
    venue_names: tuple[str, ...]
    venue_book: Callable[[InstrumentId, int], BookSnapshot | None]
    last_quotes: Mapping[InstrumentId, Quote]
    position: Callable[[str, str], Position | None]
    positions: Callable[[str], list[Position]]
    portfolio: Callable[[str], dict[str, Any]]
    risk_state: Callable[[], dict[str, Any]]
    order_ids: Callable[[], Iterable[str]]
    base_currency: str


@dataclass(frozen=True)
class StrategyContext:
    """Everything the strategy layer may do or read; each field is one narrow function."""

    now_ns: Callable[[], int]
    schedule: Callable[[int, Callable[[], None]], None]
    call: Callable[..., None]  # run on the engine's stack (timers)
    defer: Callable[..., None]  # run after the current command/report
    submit: Callable[[SubmitOrder], CommandResult]
    cancel: Callable[[CancelOrder], CommandResult]
    replace: Callable[[ReplaceOrder], CommandResult]
    order: Callable[[str], Order | None]
    subscribe: Callable[[type[Any], Callable[[Any], None]], None]
    publish: Callable[[Any], None]
    record: Callable[[Any], None] | None  # the journal's audit records, if journaled
    _reads: Reads

    @staticmethod
    def from_system(system: System) -> StrategyContext:
        eng, keeper, venues = system.engine, system.positions, system.venues
        risk_state = getattr(system.risk, "state", None)
        reads = Reads(
            instruments=system.instruments, venue_names=tuple(sorted(venues)),
            venue_book=lambda iid, n: (c.book(iid, n) if (c := venues.get(iid.venue)) else None),
            last_quotes=eng.last_quotes, position=keeper.position, positions=keeper.positions,
            portfolio=system.portfolio.snapshot,
            risk_state=(lambda: dict(risk_state())) if callable(risk_state) else dict,
            order_ids=lambda: (o.client_order_id for o in eng.orders),
            base_currency=system.config.engine.base_currency,
        )  # fmt: skip
        return StrategyContext(
            now_ns=system.clock.now_ns, schedule=system.clock.schedule, call=eng.call,
            defer=eng.defer, submit=eng.submit, cancel=eng.cancel, replace=eng.replace,
            order=lambda coid: eng.orders.get(coid),  # type: ignore[arg-type]
            subscribe=eng.bus.subscribe, publish=eng.bus.publish,
            record=getattr(eng.journal, "record", None), _reads=reads,
        )  # fmt: skip

    # ------------------------------------------------------------------ reads
    def last_number(self, prefix: str) -> int:
        """The highest N of the engine's orders named ``prefix + N`` (0 if none)."""
        top = 0
        for coid in self._reads.order_ids():
            rest = coid[len(prefix) :]
            if coid.startswith(prefix) and rest.isdigit():
                top = max(top, int(rest))
        return top

    def instrument(self, iid: InstrumentId) -> Instrument | None:
        reg = self._reads.instruments
        return reg.any_for(iid.symbol) if iid.venue == SMART else reg.get(iid)

    def venues_for(self, symbol: str) -> list[InstrumentId]:
        return [InstrumentId.of(symbol, v) for v in self._reads.venue_names]

    def quote(self, iid: InstrumentId) -> Quote | None:
        """The venue's last quote, or for ``SYMBOL@SMART`` the best bid and ask over venues."""
        last = self._reads.last_quotes
        if iid.venue != SMART:
            return last.get(iid)
        quotes = [x for v in self.venues_for(iid.symbol) if (x := last.get(v)) is not None]
        if not quotes:
            return None
        bid = max(x.bid for x in quotes)
        ask = min(x.ask for x in quotes)
        bid_size = sum((x.bid_size for x in quotes if x.bid == bid), Decimal(0))
        ask_size = sum((x.ask_size for x in quotes if x.ask == ask), Decimal(0))
        return Quote(iid, bid, bid_size, ask, ask_size, max(x.ts for x in quotes))

    def book(self, iid: InstrumentId, levels: int = 10) -> BookSnapshot | None:
        """A venue's L2 book, or for ``SYMBOL@SMART`` every venue's depth merged by price."""
        book = self._reads.venue_book
        if iid.venue != SMART:
            return book(iid, levels)
        bids: dict[Decimal, Decimal] = {}
        asks: dict[Decimal, Decimal] = {}
        ts = 0
        for v in self.venues_for(iid.symbol):
            snap = book(v, levels)
            if snap is None:
                continue
            ts = max(ts, snap.ts)
            for lv in snap.bids:
                bids[lv.price] = bids.get(lv.price, Decimal(0)) + lv.size
            for lv in snap.asks:
                asks[lv.price] = asks.get(lv.price, Decimal(0)) + lv.size
        b = tuple(BookLevel(p, bids[p]) for p in sorted(bids, reverse=True)[:levels])
        a = tuple(BookLevel(p, asks[p]) for p in sorted(asks)[:levels])
        return BookSnapshot(iid, b, a, ts)

    def best_single_venue(self, symbol: str, buy: bool, qty: Decimal) -> Decimal | None:
        """The best volume-weighted price any one venue's book offers for all of ``qty``
        (None if no venue has the depth): the benchmark for a routed order."""
        best: Decimal | None = None
        for v in self.venues_for(symbol):
            snap = self.book(v, 50)
            if snap is None:
                continue
            left, cost = qty, Decimal(0)
            for lv in snap.asks if buy else snap.bids:
                take = min(left, lv.size)
                cost += take * lv.price
                left -= take
                if left <= 0:
                    break
            if left > 0:
                continue
            vwap = cost / qty
            if best is None or (vwap < best if buy else vwap > best):
                best = vwap
        return best

    def mark(self, account: str, symbol: str) -> Decimal | None:
        """The price the position is valued at (the exact mark the portfolio uses)."""
        p = self._reads.position(account, symbol)
        return None if p is None else p.mark

    def position(self, account: str, symbol: str) -> PositionView:
        inst = self._reads.instruments.any_for(symbol)
        p = self._reads.position(account, symbol)
        if p is None:
            ccy = inst.quote.code if inst is not None else self._reads.base_currency
            return PositionView(account, symbol, Decimal(0), None, Decimal(0), Decimal(0), ccy)
        unreal = p.unrealized()
        return PositionView(
            account, symbol, qty_of(inst, p.quantity), price_of(inst, p.avg_price),
            money_of(inst, p.realized), None if unreal is None else money_of(inst, unreal),
            p.currency.code,
        )  # fmt: skip

    def positions(self, account: str) -> list[PositionView]:
        return [self.position(account, p.symbol) for p in self._reads.positions(account)]

    def portfolio(self, account: str) -> dict[str, Any]:
        """The portfolio snapshot (equity, PnL, exposure) in the base currency, as strings."""
        snap = self._reads.portfolio(account)
        for key in ("equity", "realized_pnl", "unrealized_pnl", "fees"):
            snap[key] = str(money_of(None, Decimal(snap[key])))
        return snap

    def equity(self, account: str) -> Decimal:
        return Decimal(self._reads.portfolio(account)["equity"])

    def risk_state(self) -> dict[str, Any]:
        """Kill switches, halts and limits as the risk gate reports them ({} without risk)."""
        return self._reads.risk_state()

    def base_currency(self) -> str:
        return self._reads.base_currency
