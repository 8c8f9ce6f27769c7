"""Exact money: no float ever becomes a price, a quantity or an amount."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradecore.errors import (
    CurrencyMismatch,
    FloatNotAllowed,
    OffLotQuantity,
    OffTickPrice,
    ValidationError,
)
from tradecore.model import Currency, Money, Price, Quantity, spot
from tradecore.model.values import EXACT


def test_a_thousand_fills_of_one_tenth_sum_to_exactly_one_hundred() -> None:
    total = Quantity("0")
    for _ in range(1000):
        total = Quantity(total + Quantity("0.1"))
    assert total == Decimal("100")
    assert str(total) == "100.0"


def test_money_sums_cents_exactly() -> None:
    m = Money.zero("USD")
    for _ in range(10_000):
        m = m + Money.of("0.01", "USD")
    assert m == Money.of("100.00", "USD")


@pytest.mark.parametrize("ctor", [Price, Quantity])
def test_binary_floats_are_refused_naming_the_field(ctor: type) -> None:
    with pytest.raises(FloatNotAllowed) as err:
        ctor(0.1)
    assert err.value.field in {"price", "quantity"}


def test_money_refuses_float_amount_and_factor() -> None:
    with pytest.raises(FloatNotAllowed):
        Money.of(1.5, "USD")
    with pytest.raises(FloatNotAllowed):
        Money.of("1.5", "USD") * 1.5  # type: ignore[operator]


@pytest.mark.parametrize("bad", ["NaN", "inf", "-Infinity", "abc", ""])
def test_non_finite_or_junk_values_are_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        Price(bad)


def test_negative_quantity_is_refused() -> None:
    with pytest.raises(ValidationError, match="quantity"):
        Quantity("-1")


def test_mixing_currencies_raises() -> None:
    with pytest.raises(CurrencyMismatch):
        _ = Money.of("1", "USD") + Money.of("1", "EUR")
    with pytest.raises(CurrencyMismatch):
        _ = Money.of("1", "USD") < Money.of("1", "EUR")


def test_rounding_is_explicit_and_half_even() -> None:
    assert Money.of("0.125", "USD").rounded() == Money.of("0.12", "USD")
    assert Money.of("0.135", "USD").rounded() == Money.of("0.14", "USD")
    assert Money.of("1.5", "JPY").rounded().amount == Decimal("2")


def test_instrument_rejects_off_grid_values() -> None:
    inst = spot("BTC/USD", "X", tick="0.5", lot="0.01", min_quantity="0.02")
    assert inst.price("100.5") == Decimal("100.5")
    with pytest.raises(OffTickPrice, match=r"tick size 0\.5"):
        inst.price("100.25")
    with pytest.raises(OffLotQuantity, match="lot size"):
        inst.quantity("0.015")
    with pytest.raises(OffLotQuantity, match="minimum"):
        inst.quantity("0.01")
    assert inst.notional(Decimal("2"), Decimal("100.5")) == Money.of("201.0", "USD")


def test_exact_context_traps_rounding() -> None:
    import decimal

    with pytest.raises(decimal.Inexact):
        EXACT.divide(Decimal(1), Decimal(3))


def test_currency_codes_are_validated() -> None:
    with pytest.raises(ValidationError):
        Currency("usd")
    assert Currency.of("btc").precision == 8


@given(
    st.lists(
        st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=8), max_size=50
    )
)
def test_money_addition_is_exact_and_order_independent(amounts: list[Decimal]) -> None:
    fwd = sum((Money(a, Currency.of("USD")) for a in amounts), Money.zero("USD"))
    rev = sum((Money(a, Currency.of("USD")) for a in reversed(amounts)), Money.zero("USD"))
    assert fwd == rev
    assert fwd.amount == sum(amounts, Decimal(0))
