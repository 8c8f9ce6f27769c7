"""The CCXT client's WebSocket book streams (``ccxt.pro``'s ``watch_order_book``), on its I/O
thread: a mixin of :class:`~tradecore.venues.ccxt.adapter.CcxtVenueClient`, on when
``CcxtVenueConfig.stream_books`` is set (the exchange object must be a ``ccxt.pro`` one:
``make_exchange(..., streams=True)``).

* **Sequence and gaps**: ccxt.pro keeps the local book from the venue's REST snapshot and its
  numbered diffs (Binance: ``U``/``u`` update ids). A diff that does not follow the last one
  is a gap: ccxt drops the book and fails the watch with ``ChecksumError``. The stream then
  watches again at once, which subscribes again and takes a new snapshot; each gap is
  counted (``stream_gaps``) and logged.
* **Staleness**: a book stream is *fresh* while it delivered within ``stale_after_s / 2``.
  A stale or broken stream hands the book back to the REST poller (the fallback), which
  polls only the books whose stream is not fresh; health goes DEGRADED only when no book at
  all (stream or REST) arrived within ``stale_after_s``, DOWN while requests fail.
* A broken connection is retried with a bounded exponential backoff, each failure mapped by
  :mod:`tradecore.venues.ccxt.errors` and counted like a REST one.
* **Executions** (``CcxtVenueConfig.stream_executions``): ``watch_my_trades`` books each of
  our trades as it happens (the venue's trade id, price, fee; deduplicated by trade id with
  the REST poller, which keeps running as the fallback and for closes), and ``watch_orders``
  syncs an order the venue reports closed (its last fills, then its close).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import ccxt

from tradecore.model.identifiers import InstrumentId, Venue
from tradecore.venues.ccxt.errors import Mapped, classify
from tradecore.venues.ccxt.pollers import CcxtVenueConfig, Track
from tradecore.venues.protocol import VenueTrade

log = logging.getLogger("tradecore.venues.ccxt")
MAX_RETRY_S = 5.0


class Streams:
    """Book streams over the attributes and methods of the client."""

    config: CcxtVenueConfig
    _ex: Any
    _venue: Venue
    _symbols: dict[InstrumentId, str]
    #: when each book stream last delivered (monotonic seconds)
    _stream_at: dict[InstrumentId, float]
    stream_gaps: int
    stream_updates: int
    #: trades first booked from the user-data stream (not the REST poller)
    stream_fills: int
    _tracks: dict[Any, Track]
    _by_vid: dict[str, Any]
    _exec_lock: asyncio.Lock

    if TYPE_CHECKING:  # defined by the client and the pollers (this mixin comes first)

        def _count(self, m: Mapped) -> None: ...

        def _on_book(self, iid: InstrumentId, ob: dict[str, Any]) -> None: ...

        def _fill(self, t: Track, tr: VenueTrade) -> None: ...

        def _trade(self, x: dict[str, Any]) -> VenueTrade: ...

        async def _sync(self, t: Track) -> None: ...

    def stream_fresh(self, iid: InstrumentId) -> bool:
        """Whether ``iid``'s book stream delivered recently (else REST polls that book)."""
        at = self._stream_at.get(iid)
        return at is not None and time.monotonic() - at < self.config.stale_after_s / 2

    def _stream_tasks(self) -> list[asyncio.Task[None]]:
        tasks = []
        if self.config.stream_books:
            tasks += [
                asyncio.ensure_future(self._stream_loop(iid, symbol))
                for iid, symbol in sorted(self._symbols.items(), key=lambda kv: str(kv[0]))
            ]
        if self.config.stream_executions:
            ex = self._ex
            tasks.append(asyncio.ensure_future(self._watch(ex.watch_my_trades, self._on_trades)))
            tasks.append(asyncio.ensure_future(self._watch(ex.watch_orders, self._on_orders)))
        return tasks

    async def _watch(
        self, watch: Callable[[], Awaitable[Any]], handle: Callable[[Any], Awaitable[None]]
    ) -> None:
        """One user-data watch, forever: each answer handled, a failure retried (backoff)."""
        retry = self.config.stream_retry_s
        while True:
            try:
                got = await watch()
            except asyncio.CancelledError:
                raise
            except Exception as e:
                self._count(classify(e))
                await asyncio.sleep(retry)
                retry = min(retry * 2, MAX_RETRY_S)
                continue
            retry = self.config.stream_retry_s
            self.stream_updates += 1
            await handle(got)

    async def _on_trades(self, trades: Any) -> None:
        for x in trades or ():
            coid = self._by_vid.get(str(x.get("order")))
            t = self._tracks.get(coid) if coid is not None else None
            if t is not None:
                tr = self._trade(x)
                self.stream_fills += tr.trade_id not in t.trades
                self._fill(t, tr)

    async def _on_orders(self, orders: Any) -> None:
        for o in orders or ():
            coid = self._by_vid.get(str(o.get("id")))
            t = self._tracks.get(coid) if coid is not None else None
            if t is not None and not t.closed and o.get("status") != "open":
                async with self._exec_lock:
                    try:
                        await self._sync(t)
                    except Exception as e:
                        self._count(classify(e))

    async def _stream_loop(self, iid: InstrumentId, symbol: str) -> None:
        retry = self.config.stream_retry_s
        while True:
            try:
                ob = await self._ex.watch_order_book(symbol)
            except asyncio.CancelledError:
                raise
            except ccxt.ChecksumError as e:
                # a diff out of sequence: ccxt dropped the book; watching again resubscribes
                # and takes a new snapshot
                self.stream_gaps += 1
                self._stream_at.pop(iid, None)
                log.warning("venue %s: %s book stream gap (%s): resubscribing",
                            self._venue, symbol, e)  # fmt: skip
                continue
            except Exception as e:
                self._count(classify(e))
                self._stream_at.pop(iid, None)
                await asyncio.sleep(retry)
                retry = min(retry * 2, MAX_RETRY_S)
                continue
            retry = self.config.stream_retry_s
            self.stream_updates += 1
            self._stream_at[iid] = time.monotonic()
            self._on_book(iid, ob)
