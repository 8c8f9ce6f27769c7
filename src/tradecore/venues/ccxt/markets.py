"""ccxt's unified markets (``load_markets()``) as tradecore instruments, and exact decimals
from what ccxt hands back."""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from tradecore.model.identifiers import InstrumentId, Venue
from tradecore.model.instrument import Instrument
from tradecore.model.values import Currency

log = logging.getLogger("tradecore.venues.ccxt")


def to_decimal(value: Any, tick: Decimal | None = None) -> Decimal | None:
    """An exact Decimal from a ccxt number. ccxt is told to keep the venue's decimal strings
    (``exchange.number = str``), so most values are exact already; its order books are parsed
    to floats by ccxt itself: those go through ``repr`` (the shortest decimal that reads back
    as the same float, which is the venue's text for any price of up to 15 significant
    digits) and, given the instrument's ``tick``, onto the tick grid."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    try:
        d = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except InvalidOperation:
        return None
    if not d.is_finite():
        return None
    if tick is not None and d % tick != 0:
        d = (d / tick).quantize(Decimal(1)) * tick
    return d


def instruments_from_markets(markets: dict[str, Any], venue: Venue) -> list[Instrument]:
    """Spot markets that are active, each as ``SYMBOL@venue`` (the unified symbol, e.g.
    ``BTC/USDT@BINANCE``) with its tick, lot, min/max quantity and min notional."""
    out = []
    for symbol, m in sorted(markets.items()):
        if not m.get("spot", False) or m.get("active") is False:
            continue
        prec = m.get("precision") or {}
        limits = m.get("limits") or {}
        tick = to_decimal(prec.get("price"))
        lot = to_decimal(prec.get("amount"))
        if tick is None or lot is None or tick <= 0 or lot <= 0:
            log.warning("market %s on %s has no tick/lot precision: skipped", symbol, venue)
            continue
        amount = limits.get("amount") or {}
        cost = limits.get("cost") or {}
        min_q = to_decimal(amount.get("min")) or Decimal(0)
        max_q = to_decimal(amount.get("max"))
        out.append(Instrument(
            id=InstrumentId(symbol, venue), base=Currency.of(m["base"]),
            quote=Currency.of(m["quote"]), tick_size=clean(tick), lot_size=clean(lot),
            min_quantity=clean(min_q),
            max_quantity=clean(max_q) if max_q is not None and max_q > 0 else None,
            min_notional=clean(to_decimal(cost.get("min")) or Decimal(0)),
        ))  # fmt: skip
    return out


def clean(d: Decimal) -> Decimal:
    """Trailing zeros off (``0.01000000`` -> ``0.01``), never an exponent (``9000``)."""
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


def fee_rates(markets: dict[str, Any], symbol: str) -> tuple[Decimal, Decimal]:
    """(maker, taker) as fractions of notional, from the market's fee fields."""
    m = markets.get(symbol) or {}
    return to_decimal(m.get("maker")) or Decimal(0), to_decimal(m.get("taker")) or Decimal(0)


RULES = ("tick_size", "lot_size", "min_quantity", "max_quantity", "min_notional")


def rule_changes(old: dict[Any, Instrument], new: dict[Any, Instrument]) -> list[str]:
    """What changed between two listings, one line each, in instrument order."""
    out = []
    for iid in sorted(set(old) | set(new), key=str):
        a, b = old.get(iid), new.get(iid)
        if a is None:
            out.append(f"{iid} listed")
        elif b is None:
            out.append(f"{iid} delisted")
        else:
            for rule in RULES:
                x, y = getattr(a, rule), getattr(b, rule)
                if x != y:
                    out.append(f"{iid} {rule} {x} -> {y}")
    return out
