"""The value types' edges: every refusal names its field, Money is exact and one-currency,
an instrument's rules are checked where it is built."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from tradecore.errors import CurrencyMismatch, OffLotQuantity, ValidationError
from tradecore.model import Currency, Money, Price, Quantity, spot
from tradecore.model.identifiers import Venue
from tradecore.model.values import to_decimal

USD = Currency.of("USD")


@pytest.mark.parametrize(
    ("value", "field", "reason"),
    [
        (True, "qty", "a boolean is not a number"),
        ([1], "qty", "list is not a decimal number"),
        ("1.2.3", "qty", "'1.2.3' is not a decimal number"),
        ("Infinity", "qty", "'Infinity' is not finite"),
        (Decimal("NaN"), "qty", "Decimal('NaN') is not finite"),
    ],
)
def test_to_decimal_refuses_non_numbers_naming_the_field(
    value: object, field: str, reason: str
) -> None:
    with pytest.raises(ValidationError) as e:
        to_decimal(value, field)
    assert (e.value.field, e.value.reason) == (field, reason)


def test_to_decimal_takes_ints_and_padded_strings_exactly() -> None:
    assert to_decimal(7) == Decimal(7)
    assert to_decimal(" 0.10 ") == Decimal("0.10")
    assert str(Price(" -1.5")) == "-1.5"  # a price may be negative (spreads)


@pytest.mark.parametrize(
    ("code", "precision", "field"),
    [
        ("usd", 2, "currency"),
        ("", 2, "currency"),
        ("US-D", 2, "currency"),
        ("USD", 19, "currency.precision"),
        ("USD", -1, "currency.precision"),
    ],
)
def test_currency_refuses_bad_codes_and_precisions(code: str, precision: int, field: str) -> None:
    with pytest.raises(ValidationError) as e:
        Currency(code, precision)
    assert e.value.field == field


def test_currency_of_knows_the_table_any_case_and_defaults_to_8_digits() -> None:
    assert Currency.of(" jpy ") == Currency("JPY", 0)
    assert Currency.of("eth").precision == 18
    assert Currency.of("DOGE") == Currency("DOGE", 8)
    assert repr(Currency.of("USD")) == "Currency('USD', 2)" and str(Currency.of("USD")) == "USD"
    assert Currency("USD", 2) != Currency("USD", 3) and Currency("USD", 2) != "USD"
    assert hash(Currency("USD", 2)) == hash(Currency("USD", 3))  # hashed by code


def test_money_arithmetic_is_exact_and_keeps_its_currency() -> None:
    a, b = Money.of("10.05", "USD"), Money.of("0.10", USD)
    assert a - b == Money(Decimal("9.95"), USD)
    assert -a == Money(Decimal("-10.05"), USD)
    assert a * 3 == Money(Decimal("30.15"), USD) and 3 * a == a * 3
    assert Money.zero("USD") + a == a
    assert str(a - b) == "9.95 USD"
    assert (b < a, b <= b, a > b, a >= a, a < b) == (True, True, True, True, False)


def test_money_refuses_a_second_currency_in_every_other_operation() -> None:
    usd, eur = Money.of("1", "USD"), Money.of("1", "EUR")  # + and < in test_values.py
    for op in (lambda: usd - eur, lambda: usd <= eur, lambda: usd > eur, lambda: usd >= eur):
        with pytest.raises(CurrencyMismatch):
            op()


def test_money_is_rounded_only_when_asked() -> None:
    assert Money.of("2.345", "USD").amount == Decimal("2.345")
    assert Money.of("2.345", "USD").rounded().amount == Decimal("2.34")  # half-even


BTC = spot("BTC/USD", "SIMA", tick="0.01", lot="0.001", min_quantity="0.01")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tick_size": Decimal(0)}, "tick_size"),
        ({"lot_size": Decimal("-0.1")}, "lot_size"),
        ({"min_quantity": Decimal(-1)}, "min_quantity"),
        ({"max_quantity": Decimal("0.001")}, "max_quantity"),  # below min 0.01
        ({"multiplier": Decimal(0)}, "multiplier"),
    ],
)
def test_an_instrument_with_bad_rules_is_refused_naming_the_rule(
    change: dict[str, Decimal], field: str
) -> None:
    with pytest.raises(ValidationError) as e:
        replace(BTC, **change)  # type: ignore[arg-type]
    assert e.value.field == field


def test_instrument_quantity_bounds_and_helpers() -> None:
    capped = replace(BTC, max_quantity=Decimal("5"))
    assert capped.quantity("5") == Decimal("5")
    for bad, reason in (
        ("0", "0 must be > 0"),
        ("0.005", "0.005 is below the minimum 0.01"),
        ("5.001", "5.001 is above the maximum 5"),
    ):
        with pytest.raises(OffLotQuantity) as e:
            capped.quantity(bad)
        assert e.value.reason == reason
    assert (BTC.symbol, BTC.venue) == ("BTC/USD", Venue("SIMA"))
    assert BTC.notional(Decimal("0.5"), Decimal("100.01")) == Money(Decimal("50.005"), USD)
    assert BTC.round_down_lot(Decimal("1.23456")) == Decimal("1.234")
    on_b = BTC.on("SIMB")
    assert on_b.venue == Venue("SIMB") and on_b.tick_size == BTC.tick_size


def test_an_equity_symbol_needs_its_quote_currency() -> None:
    with pytest.raises(ValidationError) as e:
        spot("AAPL", "XNAS", tick="0.01", lot="1")
    assert e.value.field == "quote"
    aapl = spot("AAPL", "XNAS", tick="0.01", lot="1", quote="USD", calendar="XNYS")
    assert (aapl.base.code, aapl.quote.code, aapl.calendar) == ("AAPL", "USD", "XNYS")
    assert Quantity("3") == Decimal(3)
