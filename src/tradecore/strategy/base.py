"""``tradecore.strategy.Strategy``: subclass it, override the ``on_*`` callbacks you need.

A strategy runs on the engine thread, deterministically: its callbacks run after the engine
has applied, journaled and published the event that caused them (positions are already
updated when ``on_fill`` runs). An exception in a callback stops the strategy (its open
orders are cancelled, a :class:`StrategyAlert` is published); the engine and the other
strategies go on. docs/strategies.md is the guide.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

from tradecore.errors import ValidationError
from tradecore.model.commands import (
    DEFAULT_TIME_IN_FORCE,
    CancelOrder,
    ReplaceOrder,
    SubmitOrder,
    default_order_type,
)
from tradecore.model.denial import Denial
from tradecore.model.enums import Side, TimeInForce
from tradecore.model.events import Event
from tradecore.model.identifiers import AccountId, ClientOrderId, InstrumentId
from tradecore.model.instrument import Instrument
from tradecore.model.market import BookSnapshot, Quote
from tradecore.model.orders import Order
from tradecore.model.values import to_decimal
from tradecore.strategy.handle import OrderHandle
from tradecore.strategy.values import Fill, PositionView

if TYPE_CHECKING:
    from tradecore.strategy.host import StrategyHost


class Timer:
    """A scheduled callback; ``cancel()`` stops it (a repeating timer does not fire again)."""

    def __init__(self, at_ns: int, interval_ns: int, fn: Callable[[], None]) -> None:
        self.at_ns = at_ns
        self.interval_ns = interval_ns
        self.fn = fn
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def __repr__(self) -> str:
        every = f" every {self.interval_ns / 1e9:g}s" if self.interval_ns else ""
        return f"Timer(at={self.at_ns}{every}{' cancelled' if self.cancelled else ''})"


def _ns(ts: int | dt.datetime) -> int:
    if isinstance(ts, dt.datetime):
        if ts.tzinfo is None:
            raise ValidationError("at", "a datetime needs a time zone (e.g. UTC)")
        delta = ts - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000
    return int(ts)


def _as_type(key: str, value: Any, default: Any) -> Any:
    """A parameter given as text (``--param size=0.1``) takes its class default's type."""
    if not isinstance(value, str) or isinstance(default, str):
        return value
    try:
        if isinstance(default, bool):
            return value.lower() in ("1", "true", "yes", "on")
        if isinstance(default, Decimal):
            return to_decimal(value, key)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
    except ValueError:
        msg = f"{value!r} is not a {type(default).__name__}"
        raise ValidationError(f"param.{key}", msg) from None
    return value


class Strategy:
    """Base class. Class attributes ``name`` (default: the class name) and ``account``
    (default ``"STRAT"``) may be overridden; keyword arguments are kept in ``self.params``
    and override the class attribute of the same name (text converted to its type)."""

    name: str = ""
    account: str = "STRAT"

    def __init__(self, **params: Any) -> None:
        self.params: dict[str, Any] = params
        for key, value in params.items():  # a parameter overrides the class attribute
            if not hasattr(type(self), key):
                continue
            default = getattr(type(self), key)
            if callable(default) or isinstance(default, property):
                continue
            setattr(self, key, _as_type(key, value, default))
        self.name = self.name or type(self).__name__
        self.state = "NEW"  # NEW, RUNNING, STOPPED, FAILED
        self.error: str | None = None
        self.orders: list[OrderHandle] = []
        self._host: StrategyHost | None = None
        self._n = 0

    # ------------------------------------------------------------------ callbacks
    def on_start(self) -> None:
        """Subscribe, set timers, send the first orders."""

    def on_stop(self) -> None:
        """The run is over (or ``stop()`` was called)."""

    def on_quote(self, quote: Quote) -> None:
        """Top of book for a subscribed instrument (``SYMBOL@SMART``: best over venues)."""

    def on_book(self, book: BookSnapshot) -> None:
        """L2 depth for an instrument subscribed with ``book=True``."""

    def on_fill(self, fill: Fill, order: OrderHandle) -> None:
        """One execution of one of this strategy's orders."""

    def on_order(self, event: Event, order: OrderHandle) -> None:
        """Any event of one of this strategy's orders (accepted, canceled, denied...)."""

    # ------------------------------------------------------------------ subscriptions, time
    def subscribe(self, instrument: str, *, book: bool = False) -> InstrumentId:
        """``"BTC/USD@SIMA"`` (one venue) or ``"BTC/USD@SMART"`` (best over venues)."""
        iid = InstrumentId.parse(instrument)
        self._need_host().subscribe(self, iid, book=book)
        return iid

    @property
    def now(self) -> int:
        """Engine time, int nanoseconds since the Unix epoch (simulated in a backtest)."""
        return self._need_host().ctx.now_ns()

    def every(self, seconds: float | int | str, fn: Callable[[], None]) -> Timer:
        interval = int(Decimal(str(seconds)) * 1_000_000_000)
        if interval <= 0:
            raise ValidationError("every.seconds", f"{seconds} must be > 0")
        return self._need_host().timer(self, self.now + interval, interval, fn)

    def at(self, ts: int | dt.datetime, fn: Callable[[], None]) -> Timer:
        return self._need_host().timer(self, _ns(ts), 0, fn)

    def stop(self, reason: str = "stopped by the strategy") -> None:
        self._need_host().stop(self, reason)

    # ------------------------------------------------------------------ orders
    def buy(
        self, instrument: str, quantity: object, price: object | None = None, **kw: Any
    ) -> OrderHandle:
        """A MARKET order (IOC), or with ``price`` a LIMIT order (GTC by default)."""
        return self.order(instrument, Side.BUY, quantity, price, **kw)

    def sell(
        self, instrument: str, quantity: object, price: object | None = None, **kw: Any
    ) -> OrderHandle:
        return self.order(instrument, Side.SELL, quantity, price, **kw)

    def limit(
        self, instrument: str, side: Side | str, quantity: object, price: object, **kw: Any
    ) -> OrderHandle:
        return self.order(instrument, Side(side), quantity, price, **kw)

    def order(
        self,
        instrument: str,
        side: Side | str,
        quantity: object,
        price: object | None = None,
        *,
        time_in_force: TimeInForce | str | None = None,
        post_only: bool = False,
        reduce_only: bool = False,
        tag: str = "",
        trigger_price: object | None = None,
        expire_ns: int | None = None,
        display_qty: object | None = None,
    ) -> OrderHandle:
        """Send an order; the handle's ``denial``/``reason`` say if tradecore refused it.
        ``trigger_price`` makes it a stop (STOP_MARKET, or STOP_LIMIT with a price),
        ``expire_ns`` a GTD order (with ``time_in_force="GTD"``), ``display_qty`` an iceberg."""
        host = self._need_host()
        iid = InstrumentId.parse(instrument)
        otype = default_order_type(price, trigger_price)
        tif = TimeInForce(time_in_force) if time_in_force else DEFAULT_TIME_IN_FORCE[otype]
        qty = to_decimal(quantity, "quantity")
        px = None if price is None else to_decimal(price, "price")
        self._n += 1
        coid = ClientOrderId(f"{self.name}-{self._n}")
        h = OrderHandle(
            coid, iid, Side(side).value, otype.value, tif.value, qty, px,
            host.ctx.instrument(iid), self,
        )  # fmt: skip
        h.ids.append(coid)
        self.orders.append(h)
        host.own(self, h, coid)
        cmd = SubmitOrder(
            client_order_id=coid, account=AccountId(self.account), instrument_id=iid,
            side=Side(side), order_type=otype, quantity=qty, price=px, time_in_force=tif,
            post_only=post_only, reduce_only=reduce_only, tag=tag or self.name,
            trigger_price=None if trigger_price is None else to_decimal(trigger_price, "trigger"),
            expire_ns=expire_ns,
            display_qty=None if display_qty is None else to_decimal(display_qty, "display_qty"),
        )  # fmt: skip
        res = host.submit(self, h, cmd)
        h.denial = res.denial
        return h

    def cancel(self, order: OrderHandle) -> Denial | None:
        host = self._need_host()
        res = host.ctx.cancel(
            CancelOrder(client_order_id=ClientOrderId(order.id), account=AccountId(self.account))
        )
        return res.denial

    def replace(
        self, order: OrderHandle, *, quantity: object | None = None, price: object | None = None
    ) -> Denial | None:
        """Cancel/replace: when the venue confirms, the handle moves to the new client order
        id (``handle.ids`` lists them all); a refusal is returned (None: requested)."""
        host = self._need_host()
        self._n += 1
        new_id = ClientOrderId(f"{self.name}-{self._n}")
        host.own(self, order, new_id)
        res = host.ctx.replace(
            ReplaceOrder(
                client_order_id=ClientOrderId(order.id), new_client_order_id=new_id,
                account=AccountId(self.account),
                quantity=None if quantity is None else to_decimal(quantity, "quantity"),
                price=None if price is None else to_decimal(price, "price"),
            )
        )  # fmt: skip
        return res.denial

    def cancel_all(self) -> None:
        for h in self.open_orders:
            h.cancel()

    # ------------------------------------------------------------------ reads
    @property
    def open_orders(self) -> list[OrderHandle]:
        return [h for h in self.orders if h.is_open]

    def position(self, symbol: str) -> PositionView:
        """This strategy's account's position in ``symbol`` (all venues together)."""
        return self._need_host().ctx.position(self.account, symbol)

    @property
    def portfolio(self) -> dict[str, Any]:
        return self._need_host().ctx.portfolio(self.account)

    def quote(self, instrument: str) -> Quote | None:
        return self._need_host().ctx.quote(InstrumentId.parse(instrument))

    def book(self, instrument: str, levels: int = 10) -> BookSnapshot | None:
        return self._need_host().ctx.book(InstrumentId.parse(instrument), levels)

    def instrument_rules(self, instrument: str) -> Instrument:
        """The instrument's rules (tick, lot, minimums, currencies)."""
        inst = self._need_host().ctx.instrument(InstrumentId.parse(instrument))
        if inst is None:
            raise ValidationError("instrument", f"{instrument} is not configured")
        return inst

    def round_price(self, instrument: str, price: Decimal, *, up: bool = False) -> Decimal:
        """``price`` on the instrument's tick grid, rounded down (or ``up``)."""
        tick = self.instrument_rules(instrument).tick_size
        steps = (price / tick).to_integral_value(ROUND_CEILING if up else ROUND_FLOOR)
        return steps * tick

    @property
    def risk(self) -> dict[str, Any]:
        """The risk gate's state: kill switches, halts, limits (read-only)."""
        return self._need_host().ctx.risk_state()

    def log(self, message: str) -> None:
        self._need_host().log(self, message)

    # ------------------------------------------------------------------ internals
    def _need_host(self) -> StrategyHost:
        if self._host is None:
            raise RuntimeError(f"strategy {self.name} is not attached (run it with a host)")
        return self._host

    def _ctx_order(self, coid: str) -> Order | None:
        return None if self._host is None else self._host.ctx.order(coid)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, account={self.account!r}, "
            f"state={self.state}, orders={len(self.orders)})"
        )
