"""The FIX venue adapter's reading of what a venue sends (pure: no QuickFIX)."""

from __future__ import annotations

from decimal import Decimal

from tradecore.fix.qf import parse
from tradecore.model.enums import LiquiditySide, ReasonCode
from tradecore.model.identifiers import ClientOrderId
from tradecore.venues.fix.inbound import book_of, reports_of, status_of
from tradecore.venues.protocol import VenueTrade

SOH = "\x01"


def er(**tags: str) -> dict[int, str]:
    return {35: "8", **{int(k[1:]): v for k, v in tags.items()}}


def test_each_exec_type_is_one_sink_call() -> None:
    cancels = {"A1~C1": ClientOrderId("A1")}
    assert reports_of(er(t150="0", t11="A1", t37="V1"), cancels) == [("on_accepted", ("A1", "V1"))]
    (fill,) = reports_of(er(t150="F", t11="A1", t17="X9", t32="0.3", t31="60000.5", t12="0.01",
                            t851="1"), cancels)  # fmt: skip
    assert fill == ("fill", ("A1", VenueTrade("X9", Decimal("0.3"), Decimal("60000.5"),
                                              Decimal("0.01"), LiquiditySide.MAKER)))  # fmt: skip
    assert reports_of(er(t150="4", t11="A1~C1", t41="A1"), cancels)[0][1][0] == "A1"
    assert reports_of(er(t150="5", t11="A2", t41="A1", t37="V1"), cancels) == [
        ("on_replaced", ("A1", "V1"))]  # fmt: skip
    assert reports_of(er(t150="8", t11="A1", t58="no"), cancels) == [
        ("on_rejected", ("A1", ReasonCode.VENUE_REJECT, "no"))]  # fmt: skip
    assert reports_of(er(t150="6", t11="A1"), cancels) == []
    assert reports_of(er(t150="Z", t11="A1"), cancels) == []


def test_a_resent_report_maps_exactly_like_the_first() -> None:
    first = er(t150="F", t11="A1", t17="X9", t32="0.3", t31="60000.5")
    again = {**first, 43: "Y", 97: "Y"}
    assert reports_of(first, {}) == reports_of(again, {})


def test_cancel_rejects_name_the_order_and_what_was_refused() -> None:
    cxl = {35: "9", 11: "A1~C1", 41: "A1", 434: "1", 102: "0", 58: "too late"}
    assert reports_of(cxl, {"A1~C1": ClientOrderId("A1")}) == [
        ("on_cancel_rejected", ("A1", ReasonCode.ORDER_NOT_OPEN, "too late"))]  # fmt: skip
    rpl = {35: "9", 11: "A2", 41: "A1", 434: "2", 102: "99"}
    assert reports_of(rpl, {})[0][0] == "on_replace_rejected"


def test_status_answers_tell_unknown_orders_apart() -> None:
    unknown = status_of(er(t150="I", t39="8", t37="NONE", t14="0"), ClientOrderId("Q"), ())
    assert not unknown.known and unknown.venue_order_id is None
    known = status_of(
        er(t150="I", t39="1", t37="V1", t14="0.2", t6="60000"), ClientOrderId("Q"), ()
    )
    assert known.known and known.open and known.filled_qty == Decimal("0.2")


def test_a_book_snapshot_reads_both_sides_best_first() -> None:
    raw = SOH.join(["8=FIX.4.4", "35=W", "55=BTC/USD", "268=3", "269=1", "270=60001", "271=1",
                    "269=0", "270=59999", "271=2", "269=1", "270=60000.5", "271=0.3",
                    "10=000"]) + SOH  # fmt: skip
    book = book_of(parse(raw), raw, "FIXV", 1, 1)
    assert [(str(lv.price), str(lv.size)) for lv in book.asks] == [
        ("60000.5", "0.3"),
        ("60001", "1"),
    ]
    assert [str(lv.price) for lv in book.bids] == ["59999"]
    assert str(book.instrument_id) == "BTC/USD@FIXV"
