"""The CCXT client's pollers (on its I/O thread): executions, reconnect reconciliation and
books. A mixin of :class:`~tradecore.venues.ccxt.adapter.CcxtVenueClient`, kept apart so each
module stays readable; the methods it relies on are declared here and defined there."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tradecore.errors import ValidationError
from tradecore.model.identifiers import ClientOrderId, InstrumentId, Venue
from tradecore.model.instrument import Instrument
from tradecore.model.market import BookLevel, BookSnapshot, Quote
from tradecore.model.orders import Order
from tradecore.venues.ccxt.errors import Mapped, classify
from tradecore.venues.ccxt.markets import instruments_from_markets, rule_changes, to_decimal
from tradecore.venues.protocol import VenueOrderStatus, VenueTrade

log = logging.getLogger("tradecore.venues.ccxt")


@dataclass(frozen=True, slots=True)
class CcxtVenueConfig:
    poll_interval_s: float = 0.25
    book_interval_s: float = 0.25
    book_levels: int = 10
    stale_after_s: float = 3.0
    status_timeout_s: float = 3.0
    down_hold_s: float = 1.0
    max_backoff_retries: int = 3
    backoff_base_s: float = 0.2
    markets_refresh_s: float = 3600.0  # load_markets again; a changed rule is logged
    #: books from the venue's WebSocket stream (ccxt.pro), REST polling as the fallback
    stream_books: bool = False
    stream_retry_s: float = 0.5  # first wait before reconnecting a broken stream
    #: our trades and order closes from the venue's user-data stream too (ccxt.pro)
    stream_executions: bool = False
    #: how a replace goes to the venue: "edit" | "cancel_new" | "off" (see replace.py)
    replace_mode: str = "edit"

    def __post_init__(self) -> None:
        if self.replace_mode not in ("edit", "cancel_new", "off"):
            raise ValidationError(
                "replace_mode", f"{self.replace_mode!r}: one of edit, cancel_new, off"
            )


@dataclass(slots=True)
class Track:
    order: Order
    symbol: str
    vid: str | None = None
    trades: dict[str, VenueTrade] = field(default_factory=dict)
    closed: bool = False
    venue_status: str | None = None
    #: fills of the order this one replaced (its venue order's filled quantity excludes them)
    carried: Decimal = Decimal(0)


class Pollers:
    """Polling loops over the attributes and methods of the client."""

    config: CcxtVenueConfig
    instruments: dict[InstrumentId, Instrument]
    on_book: Callable[[BookSnapshot], None] | None
    reconnects: int
    _ex: Any
    _tracks: dict[ClientOrderId, Track]
    _by_vid: dict[str, ClientOrderId]
    _symbols: dict[InstrumentId, str]
    _books: dict[InstrumentId, BookSnapshot]
    _book_at: float
    _version: int
    _subs: dict[InstrumentId, list[Callable[[Quote], None]]]
    _failing: bool
    _trade_since: dict[str, int]
    _venue: Venue
    _exec_lock: asyncio.Lock
    rule_changes: list[str]

    def _emit(self, kind: str, *args: Any) -> None:
        raise NotImplementedError

    def _count(self, m: Mapped) -> None:
        raise NotImplementedError

    async def _status(self, coid: ClientOrderId) -> VenueOrderStatus:
        raise NotImplementedError

    async def _sync(self, t: Track) -> None:
        raise NotImplementedError

    def _fill(self, t: Track, tr: VenueTrade) -> None:
        raise NotImplementedError

    def _trade(self, x: dict[str, Any]) -> VenueTrade:
        raise NotImplementedError

    def stream_fresh(self, iid: InstrumentId) -> bool:
        raise NotImplementedError

    # ------------------------------------------------------------------ pollers
    async def _exec_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.poll_interval_s)
            try:
                async with self._exec_lock:  # a replace in flight finishes first
                    if self._failing:
                        await self._ex.fetch_time()  # reachable again?
                        self._failing = False
                        self.reconnects += 1
                        await self._reconcile_all()
                    await self._poll_once()
            except asyncio.CancelledError:
                raise
            except Exception as e:
                self._count(classify(e))
                self._failing = True

    async def _poll_once(self) -> None:
        live = [t for t in self._tracks.values() if not t.closed and t.vid is not None]
        for symbol in sorted({t.symbol for t in live}):
            since = self._trade_since.get(symbol)
            for x in await self._ex.fetch_my_trades(symbol, since, None):
                coid = self._by_vid.get(str(x.get("order")))
                t = self._tracks.get(coid) if coid is not None else None
                if t is not None:
                    self._fill(t, self._trade(x))
                ts = x.get("timestamp")
                if isinstance(ts, int) and ts >= (since or 0):
                    self._trade_since[symbol] = ts
            open_ids = {str(o["id"]) for o in await self._ex.fetch_open_orders(symbol)}
            for t in live:
                if t.symbol == symbol and t.vid not in open_ids:
                    await self._sync(t)

    async def _reconcile_all(self) -> None:
        """Back after a failure: the venue's word on every order we still track, through the
        engine's one reconciliation (each trade booked once, by the venue's trade id)."""
        for coid, t in sorted(self._tracks.items()):
            if t.closed and t.vid is not None:
                continue
            st = await self._status(coid)
            for tr in st.trades:
                t.trades.setdefault(tr.trade_id, tr)
            if st.known:
                t.vid = t.vid or (str(st.venue_order_id) if st.venue_order_id else None)
                if t.vid is not None:
                    self._by_vid[t.vid] = coid
                t.closed = not st.open
            else:
                t.closed = True  # never arrived: nothing to follow
            self._emit("reconcile", coid, st)

    async def _markets_loop(self) -> None:
        """Markets again on a schedule: a listing, delisting or changed rule is logged (and
        kept in ``rule_changes``); the client's books use the new tick at once, and the new
        rules go, in order with the reports, to ``on_rules`` on the engine's thread (the
        engine's instrument registry and the venue's model: its checks and the router use
        them from the next order). A delisted instrument stays registered."""
        while True:
            await asyncio.sleep(self.config.markets_refresh_s)
            try:
                markets = await self._ex.load_markets(True)
            except asyncio.CancelledError:
                raise
            except Exception as e:
                self._count(classify(e))
                continue
            new = {i.id: i for i in instruments_from_markets(markets, self._venue)}
            changes = rule_changes(self.instruments, new)
            for change in changes:
                log.warning("venue %s: %s", self._venue, change)
                self.rule_changes.append(change)
            self.instruments = new
            self._symbols = {iid: iid.symbol for iid in new}
            if changes:  # into the engine's registry, on its thread (wiring.rules_applier)
                self._emit("rules", tuple(new.values()))

    async def _book_loop(self) -> None:
        while True:
            for iid, symbol in sorted(self._symbols.items(), key=lambda kv: str(kv[0])):
                if self.stream_fresh(iid):
                    continue  # its stream delivers (streams.py); REST is the fallback
                try:
                    ob = await self._ex.fetch_order_book(symbol, self.config.book_levels)
                except asyncio.CancelledError:
                    raise
                except Exception as e:
                    self._count(classify(e))
                    self._failing = True  # DOWN until the execution poller reconciles
                    continue
                self._on_book(iid, ob)
            await asyncio.sleep(self.config.book_interval_s)

    def _on_book(self, iid: InstrumentId, ob: dict[str, Any]) -> None:
        inst = self.instruments[iid]
        bids = _levels(ob.get("bids", ()), inst.tick_size, reverse=True)
        asks = _levels(ob.get("asks", ()), inst.tick_size, reverse=False)
        self._version += 1
        snap = BookSnapshot(iid, bids, asks, time.time_ns(), self._version)
        self._books[iid] = snap
        self._book_at = time.monotonic()
        if self.on_book is not None:
            self._emit("book", snap)
        if bids and asks and self._subs.get(iid):
            b, a = bids[0], asks[0]
            self._emit("quote", Quote(iid, b.price, b.size, a.price, a.size, snap.ts))


def _levels(raw: Any, tick: Decimal, *, reverse: bool) -> tuple[BookLevel, ...]:
    out = []
    for lvl in raw:
        px, size = to_decimal(lvl[0], tick), to_decimal(lvl[1])
        if px is not None and size is not None and size > 0:
            out.append(BookLevel(px, size))
    out.sort(key=lambda x: x.price, reverse=reverse)
    return tuple(out)
