"""Order handles: what a strategy's ``buy``/``sell``/``limit`` return.

A handle follows its order through replacements (FIX style: a replace gives the order a new
client order id; the handle moves to it) and collects the order's fills. Values are
quantised to the instrument's precision; the engine's order keeps the exact ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from tradecore.model.denial import Denial
from tradecore.model.enums import OrderStatus
from tradecore.model.identifiers import InstrumentId
from tradecore.model.instrument import Instrument
from tradecore.model.orders import Order
from tradecore.strategy.values import Fill, price_of, qty_of

if TYPE_CHECKING:
    from tradecore.strategy.base import Strategy


@dataclass(eq=False)
class OrderHandle:
    """A strategy's order. ``denial`` (with ``reason``) is set when tradecore refused it."""

    id: str
    instrument_id: InstrumentId
    side: str
    order_type: str
    time_in_force: str
    _requested_qty: Decimal
    _requested_price: Decimal | None
    _inst: Instrument | None
    _strategy: Strategy
    denial: Denial | None = None
    fills: list[Fill] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)  # every client order id, oldest first
    arrival_mid: Decimal | None = None  # consolidated mid when sent (execution quality)
    arrival_best_venue: Decimal | None = None  # best single venue's price for the quantity
    submitted_ns: int = 0
    reject_reason: str | None = None  # the venue's, when it refused

    def _order(self) -> Order | None:
        return self._strategy._ctx_order(self.id)

    # ------------------------------------------------------------------ state
    @property
    def status(self) -> OrderStatus:
        o = self._order()
        if o is None:
            return OrderStatus.DENIED
        return o.status

    @property
    def reason(self) -> str | None:
        """The refusal's reason code (tradecore's denial or the venue's reject), else None."""
        if self.denial is not None:
            return self.denial.reason.value
        return self.reject_reason

    @property
    def is_open(self) -> bool:
        o = self._order()
        return o is not None and not o.is_terminal

    @property
    def is_done(self) -> bool:
        return not self.is_open

    @property
    def quantity(self) -> Decimal:
        o = self._order()
        return qty_of(self._inst, o.quantity if o is not None else self._requested_qty)

    @property
    def price(self) -> Decimal | None:
        o = self._order()
        return price_of(self._inst, o.price if o is not None else self._requested_price)

    @property
    def filled(self) -> Decimal:
        o = self._order()
        return qty_of(self._inst, o.filled_qty) if o is not None else Decimal(0)

    @property
    def leaves(self) -> Decimal:
        o = self._order()
        return qty_of(self._inst, o.leaves_qty) if o is not None and o.is_open else Decimal(0)

    @property
    def avg_price(self) -> Decimal | None:
        o = self._order()
        return None if o is None else price_of(self._inst, o.avg_px)

    @property
    def exact_avg_price(self) -> Decimal | None:
        o = self._order()
        return None if o is None else o.avg_px

    # ------------------------------------------------------------------ actions
    def cancel(self) -> Denial | None:
        return self._strategy.cancel(self)

    def replace(
        self, *, quantity: object | None = None, price: object | None = None
    ) -> Denial | None:
        return self._strategy.replace(self, quantity=quantity, price=price)

    def __repr__(self) -> str:
        px = "" if self.price is None else f" @ {self.price}"
        extra = f" reason={self.reason}" if self.reason else ""
        avg = "" if self.avg_price is None else f" avg={self.avg_price}"
        return (
            f"OrderHandle({self.id} {self.side} {self.quantity} {self.instrument_id}"
            f"{px} {self.order_type} {self.time_in_force} {self.status.value} "
            f"filled={self.filled}{avg}{extra})"
        )
