"""Canonical encoding: the same record always gives the same bytes, and decodes back."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradecore.errors import ValidationError
from tradecore.model import InstrumentId, Money, codec
from tradecore.model.enums import LiquiditySide, OrderType, Side, TimeInForce
from tradecore.model.events import OrderAccepted, OrderFilled, OrderInitialized
from tradecore.model.values import Currency


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


_ids = st.text("abcXYZ019-.", min_size=1, max_size=8)
_qty = st.decimals(min_value="0.00000001", max_value="1000000", places=8)
_iids = st.sampled_from(["BTC/USD@SIMA", "ETH/USD@SIMB", "SOL/EUR@X"]).map(InstrumentId.parse)
_fees = st.builds(Money.of, _qty, st.sampled_from(["USD", "EUR", "BTC", "XYZ", "usd"]))
_records = st.one_of(
    st.builds(
        OrderFilled, st.integers(1, 2**40), st.integers(0, 2**62), _ids, _ids, _iids, _ids, _ids,
        st.sampled_from(Side), _qty, _qty, _fees, st.sampled_from(LiquiditySide),
        st.none() | _ids,
    ),
    st.builds(
        OrderInitialized, st.integers(1, 2**40), st.integers(0, 2**62), _ids, _ids, _iids,
        st.sampled_from(Side), st.sampled_from(OrderType), _qty, st.none() | _qty,
        st.sampled_from(TimeInForce), st.booleans(), st.booleans(), st.none() | _ids, _ids,
        st.none() | _qty,
    ),
    st.builds(OrderAccepted, st.integers(1, 2**40), st.integers(0, 2**62), _ids, _ids, _ids),
    st.builds(AuditNote, st.integers(0, 99), _iids, _fees, _ids),
)  # fmt: skip


@given(st.lists(_records, max_size=30))
def test_a_chunk_decodes_to_what_decoding_each_record_gives(records: list[object]) -> None:
    """Recovery decodes a journal chunk (a JSON array of payloads) in one call: the records,
    their types, ids, currencies (precision included) and decimals as written are those
    that decoding each payload alone gives, also when a chunk holds a non-struct record."""
    raws = [codec.dumps(r) for r in records]
    one_by_one = [codec.loads(raw) for raw in raws]
    chunk = codec.loads_array(b"[" + b",".join(raws) + b"]")
    assert chunk == one_by_one == records
    assert [type(r) for r in chunk] == [type(r) for r in records]
    assert [codec.dumps(r) for r in chunk] == raws
    for got in chunk:
        fee = getattr(got, "fee", None) or getattr(got, "amount", None)
        if isinstance(fee, Money):
            assert fee.currency.precision == Currency.of(fee.currency.code).precision
