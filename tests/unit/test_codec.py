"""Canonical encoding: the same record always gives the same bytes, and decodes back."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from tradecore.errors import ValidationError
from tradecore.model import InstrumentId, Money, codec


@dataclass(frozen=True)
class AuditNote:
    seq: int
    instrument_id: InstrumentId
    amount: Money
    text: str


codec.register(AuditNote)


def test_registered_dataclass_records_round_trip() -> None:
    note = AuditNote(3, InstrumentId.parse("ETH/USD@SIMB"), Money.of("1.50", "USD"), "hi")
    raw = codec.dumps(note)
    assert raw == (
        b'{"amount":{"amount":"1.50","currency":"USD"},"instrument_id":"ETH/USD@SIMB",'
        b'"seq":3,"text":"hi","type":"AuditNote"}'
    )
    assert codec.loads(raw) == note
    assert codec.decode(codec.encode(note)) == note


def test_decimals_keep_their_written_form() -> None:
    m = Money(Decimal("0.10"), Money.of("0", "USD").currency)
    assert codec.encode(AuditNote(1, InstrumentId.parse("A@B"), m, ""))["amount"] == {
        "amount": "0.10",
        "currency": "USD",
    }


def test_unknown_record_type_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="type"):
        codec.loads(b'{"type":"Nope","x":1}')
