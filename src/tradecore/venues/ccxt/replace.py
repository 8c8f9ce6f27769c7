"""Replace through CCXT (a mixin of :class:`~tradecore.venues.ccxt.adapter.CcxtVenueClient`,
on its I/O thread), in the mode ``CcxtVenueConfig.replace_mode`` names:

* ``"edit"``: ccxt's ``edit_order`` (Binance spot: ``order/cancelReplace`` with
  ``STOP_ON_FAILURE``, so the venue cancels the old order and places the new one, or does
  neither). The new venue order carries the replacement's client order id.
* ``"cancel_new"``, for a venue whose ccxt class cannot edit its orders: cancel, then a new
  order with the replacement's client order id. Not atomic: if the new order is refused after
  the cancel went through, the replace is rejected and the original ends CANCELED (its
  remainder is no longer working anywhere); a new order is never sent before the venue
  confirmed the cancel.
* ``"off"``: every replace is refused with a clear reason (cancel and resubmit).

Either way the replacement works for the *leaves* (its quantity less what the original
filled); the original's last fills are booked on the original's id before the engine hears
``replaced`` (with the new venue order id), and every later fill is the replacement's. The
replacement's track carries the original's fills, so the venue's filled quantity of the new
order plus those is the replacement's cumulative filled quantity.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tradecore.model.enums import ReasonCode, Side
from tradecore.model.identifiers import Venue, VenueOrderId
from tradecore.model.orders import Order
from tradecore.venues.ccxt.errors import Mapped, Outcome, classify
from tradecore.venues.ccxt.pollers import CcxtVenueConfig, Track


class Replacing:
    """The replace path over the attributes and methods of the client."""

    config: CcxtVenueConfig
    _ex: Any
    _venue: Venue
    _tracks: dict[Any, Track]
    _by_vid: dict[str, Any]
    _exec_lock: asyncio.Lock

    if TYPE_CHECKING:  # defined by the client (this mixin comes first)

        def _emit(self, kind: str, *args: Any) -> None: ...

        def _count(self, m: Mapped) -> None: ...

        def _spawn(self, coro: Any) -> None: ...

        def _track_now(self, order: Order) -> Track: ...

        async def _sync(self, t: Track) -> None: ...

    def replace(self, order: Order, new_order: Order) -> None:
        if self.config.replace_mode == "off":
            msg = f"{self._venue}: replace is not offered here; cancel and resubmit"
            self._emit("replace_rejected", order.client_order_id, ReasonCode.INVALID_ORDER, msg)
            return
        self._spawn(self._replace(order, new_order))

    def _refused(self, t: Track, e: Exception) -> Mapped:
        m = classify(e)
        self._count(m)
        self._emit("replace_rejected", t.order.client_order_id, m.reason, m.message)
        return m

    async def _replace(self, order: Order, new_order: Order) -> None:
        old = order.client_order_id
        t = self._tracks.get(old)
        if t is None or t.vid is None or t.closed or new_order.price is None:
            self._emit("replace_rejected", old, ReasonCode.ORDER_NOT_OPEN, "not open at venue")
            return
        async with self._exec_lock:  # no execution poll sees the new venue order untracked
            await self._replace_locked(t, new_order)

    async def _replace_locked(self, t: Track, new_order: Order) -> None:
        old = t.order.client_order_id
        leaves = new_order.quantity - new_order.filled_qty
        side = "buy" if t.order.side is Side.BUY else "sell"
        params: dict[str, Any] = {"clientOrderId": str(new_order.client_order_id)}
        if new_order.post_only:
            params["postOnly"] = True
        else:
            params["timeInForce"] = new_order.time_in_force.value
        args = (t.symbol, "limit", side, str(leaves), str(new_order.price))
        if self.config.replace_mode == "edit":
            try:
                resp = await self._ex.edit_order(t.vid, *args, params)
            except Exception as e:
                if self._refused(t, e).outcome is Outcome.NOT_FOUND:
                    await self._last_word(t)
                return
        else:
            try:
                await self._ex.cancel_order(t.vid, t.symbol, {"clientOrderId": str(old)})
            except Exception as e:
                self._refused(t, e)
                return
            try:
                resp = await self._ex.create_order(*args, params)
            except Exception as e:
                self._refused(t, e)  # the original is canceled: its close comes by the sync
                await self._last_word(t)
                return
        # the original's last fills on its own id, then the engine hears of the replacement
        t.closed = True
        await self._last_word(t)
        nt = self._track_now(new_order)
        self._by_vid[str(t.vid)] = old  # the original's trades stay the original's
        nt.carried = sum((x.quantity for x in t.trades.values()), Decimal(0))
        nt.vid = str(resp["id"])
        self._by_vid[nt.vid] = new_order.client_order_id
        self._emit("replaced", old, VenueOrderId(nt.vid))

    async def _last_word(self, t: Track) -> None:
        try:
            await self._sync(t)
        except Exception as e:
            self._count(classify(e))
