"""FIX order entry fields -> the REST request models (pure: no QuickFIX): code tables,
ExpireTime, ExecInst, and the tag a refused replace names."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tradecore.fix import tags as T
from tradecore.model.enums import TimeInForce
from tradecore.service.fix.requests import FixRefusal, expire_ns, order_request, replace_request

NOS = {T.CL_ORD_ID: "C1", T.SYMBOL: "BTC/USD", T.SIDE: "1", T.ORDER_QTY: "0.5",
       T.ORD_TYPE: "2", T.PRICE: "60000"}  # fmt: skip
SECOND = 1_000_000_000


def at(y: int, mo: int, d: int, h: int, mi: int, s: int) -> int:
    return int(datetime(y, mo, d, h, mi, s, tzinfo=UTC).timestamp()) * SECOND


@pytest.mark.parametrize(
    ("tag", "value", "label"),
    [(T.SIDE, "7", "Side(54)"), (T.ORD_TYPE, "P", "OrdType(40)"),
     (T.TIME_IN_FORCE, "2", "TimeInForce(59)")],
)  # fmt: skip
def test_a_code_outside_the_table_is_refused_naming_its_tag(
    tag: int, value: str, label: str
) -> None:
    with pytest.raises(FixRefusal) as e:
        order_request({**NOS, tag: value}, "DEMO")
    assert e.value.code == T.VALIDATION_ERROR
    assert e.value.tag == tag
    assert e.value.text == f"{label}: unsupported value {value!r}"
    assert e.value.message.startswith(f"validation_error: {label}")


def test_expire_time_is_read_as_exact_utc_nanoseconds() -> None:
    assert expire_ns(None) is None
    assert expire_ns("20260102-03:04:05") == at(2026, 1, 2, 3, 4, 5)
    assert expire_ns("20260102-03:04:05.123") == at(2026, 1, 2, 3, 4, 5) + 123_000_000
    assert expire_ns("20260102-03:04:05.000000007") == at(2026, 1, 2, 3, 4, 5) + 7
    # finer than a nanosecond: cut, never rounded up into the next one
    assert expire_ns("20260102-03:04:05.9999999999") == at(2026, 1, 2, 3, 4, 5) + 999_999_999


@pytest.mark.parametrize(
    ("raw", "text"),
    [("2026-01-02T03:04:05", "ExpireTime(126): not a UTCTimestamp"),
     ("20261302-03:04:05", "ExpireTime(126): not a UTCTimestamp"),
     ("20260102-03:04:05.12x", "ExpireTime(126): bad fraction"),
     ("20260102-03:04:05.-1", "ExpireTime(126): bad fraction")],
)  # fmt: skip
def test_a_malformed_expire_time_is_refused_naming_tag_126(raw: str, text: str) -> None:
    with pytest.raises(FixRefusal) as e:
        expire_ns(raw)
    assert (e.value.code, e.value.tag, e.value.text) == (T.VALIDATION_ERROR, T.EXPIRE_TIME, text)
    with pytest.raises(FixRefusal) as e2:  # and so is the order carrying it
        order_request({**NOS, T.TIME_IN_FORCE: "6", T.EXPIRE_TIME: raw}, "DEMO")
    assert e2.value.tag == T.EXPIRE_TIME


def test_a_gtd_order_carries_its_expiry_into_the_rest_request() -> None:
    req = order_request({**NOS, T.TIME_IN_FORCE: "6", T.EXPIRE_TIME: "20300101-00:00:00.5"},
                        "DEMO")  # fmt: skip
    assert req.time_in_force is TimeInForce.GTD
    assert req.expire_ns == at(2030, 1, 1, 0, 0, 0) + 500_000_000


@pytest.mark.parametrize(("inst", "post_only"), [("6", True), ("1 6", True), ("1", False),
                                                 ("", False), ("60", False)])  # fmt: skip
def test_exec_inst_6_among_the_instructions_makes_the_order_post_only(
    inst: str, post_only: bool
) -> None:
    req = order_request({**NOS, T.EXEC_INST: inst}, "DEMO")
    assert req.post_only is post_only


def test_a_replace_reads_the_new_clordid_quantity_and_price() -> None:
    req = replace_request({T.CL_ORD_ID: "C2", T.ORIG_CL_ORD_ID: "C1", T.ORDER_QTY: "0.2",
                           T.PRICE: "59000.5"}, "DEMO")  # fmt: skip
    assert (req.account, req.new_client_order_id, req.quantity, req.price) == (
        "DEMO", "C2", "0.2", "59000.5")  # fmt: skip
    only_qty = replace_request({T.CL_ORD_ID: "C3", T.ORDER_QTY: "1"}, "DEMO")
    assert only_qty.quantity == "1" and only_qty.price is None


@pytest.mark.parametrize(
    ("fields", "tag", "where"),
    [({T.CL_ORD_ID: "C2", T.ORDER_QTY: "-1"}, T.ORDER_QTY, "OrderQty(38) [quantity]"),
     ({T.CL_ORD_ID: "C2", T.PRICE: "1e5"}, T.PRICE, "Price(44) [price]"),
     ({T.ORDER_QTY: "1"}, T.CL_ORD_ID, "ClOrdID(11) [new_client_order_id]"),
     ({T.CL_ORD_ID: "bad id!", T.PRICE: "1"}, T.CL_ORD_ID, "ClOrdID(11) [new_client_order_id]")],
)  # fmt: skip
def test_a_refused_replace_names_the_fix_tag_and_the_rest_field(
    fields: dict[int, str], tag: int, where: str
) -> None:
    with pytest.raises(FixRefusal) as e:
        replace_request(fields, "DEMO")
    assert e.value.code == T.VALIDATION_ERROR
    assert e.value.tag == tag
    assert e.value.text.startswith(f"{where}: "), e.value.text


def test_a_replace_refused_for_a_field_with_no_tag_names_the_field() -> None:
    with pytest.raises(FixRefusal) as e:
        replace_request({T.CL_ORD_ID: "C2", T.PRICE: "1"}, "not an account!")
    assert e.value.tag is None
    assert e.value.text.startswith("account: ")


def test_a_fraction_of_non_ascii_digits_is_refused_naming_expire_time() -> None:
    with pytest.raises(FixRefusal) as e:
        expire_ns("20260102-03:04:05.\u00b9")
    assert e.value.tag == T.EXPIRE_TIME
