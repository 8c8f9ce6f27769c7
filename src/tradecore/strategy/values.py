"""Friendly values at the strategy API edge: quantised to the instrument's precision.

Internally everything stays exact (an average price is a 40-digit quotient); what a strategy,
a report or a DataFrame shows is rounded half-even to the instrument's tick (prices), lot
(quantities) or the quote currency's minor unit (PnL, fees). The exact value is kept on the
``exact_*`` fields where a caller may need it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from tradecore.model.instrument import Instrument


def exponent_of(step: Decimal) -> Decimal:
    """The quantum of a step: ``0.01`` for a tick of 0.05, ``1`` for a lot of 10."""
    exp = step.normalize().as_tuple().exponent
    assert isinstance(exp, int)
    return Decimal(1).scaleb(min(exp, 0))


def q(value: Decimal, quantum: Decimal) -> Decimal:
    return value.quantize(quantum, rounding=ROUND_HALF_EVEN)


def price_of(inst: Instrument | None, value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return value if inst is None else q(value, exponent_of(inst.tick_size))


def qty_of(inst: Instrument | None, value: Decimal) -> Decimal:
    return value if inst is None else q(value, exponent_of(inst.lot_size))


def money_of(inst: Instrument | None, value: Decimal) -> Decimal:
    digits = 2 if inst is None else inst.quote.precision
    return q(value, Decimal(1).scaleb(-digits))


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution of a strategy's order (a routed order's child fills each count)."""

    ts: int
    order_id: str  # the strategy's order (the parent for a routed order)
    child_id: str  # the venue order (== order_id for a direct order)
    instrument: str  # symbol@venue where it traded
    side: str
    quantity: Decimal
    price: Decimal
    fee: Decimal
    fee_currency: str
    liquidity: str
    trade_id: str
    exact_fee: Decimal  # the venue's fee, unrounded (``fee`` is rounded to the currency)

    def __repr__(self) -> str:
        return (
            f"Fill({self.side} {self.quantity} {self.instrument} @ {self.price} "
            f"fee={self.fee} {self.fee_currency} {self.liquidity} {self.order_id})"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "ts": self.ts, "order_id": self.order_id, "child_id": self.child_id,
            "instrument": self.instrument, "side": self.side, "quantity": str(self.quantity),
            "price": str(self.price), "fee": str(self.fee), "fee_currency": self.fee_currency,
            "liquidity": self.liquidity, "trade_id": self.trade_id,
            "fee_exact": str(self.exact_fee),
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class PositionView:
    """A read-only position: quantity signed (long > 0), PnL in the quote currency."""

    account: str
    symbol: str
    quantity: Decimal
    avg_price: Decimal | None
    realized: Decimal
    unrealized: Decimal | None
    currency: str

    def __repr__(self) -> str:
        avg = "-" if self.avg_price is None else str(self.avg_price)
        unr = "?" if self.unrealized is None else str(self.unrealized)
        return (
            f"Position({self.account} {self.symbol} {self.quantity} @ {avg} "
            f"realized={self.realized} unrealized={unr} {self.currency})"
        )

    @property
    def flat(self) -> bool:
        return self.quantity == 0
