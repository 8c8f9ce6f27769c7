"""Every message tradecore writes validates against QuickFIX's FIX44.xml: the gateway's
answers of every kind, and the adapter's orders, cancels, replaces and status requests."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("quickfix", reason="the fix extra (QuickFIX) is not installed")

from tests.unit.fix.test_gateway import Desk
from tradecore.fix.edge import Validator
from tradecore.model.enums import OrderType, Side, TimeInForce
from tradecore.model.identifiers import AccountId, ClientOrderId, InstrumentId, Venue
from tradecore.model.instrument import spot
from tradecore.model.orders import Order
from tradecore.venues.fix.client import FixVenueClient
from tradecore.venues.fix.config import FixVenueConfig

DICTIONARY = Path(sys.prefix) / "share" / "quickfix" / "FIX44.xml"


def test_every_gateway_answer_is_valid_fix44() -> None:
    desk = Desk()
    desk.nos("L1")
    desk.nos("M1", t40="1", t44="", t38="0.5", t59="3")
    desk.nos("BIG", t38="10")
    desk.nos("BAD", t38="-1")
    desk.nos("R1", t100="SIMA", t44="59901")
    desk.step(5)
    desk.nos("L1")  # repeated: status
    desk.gw.handle("DESK1", {35: "G", 11: "R2", 41: "R1", 38: "0.02", 44: "59910"})
    desk.gw.handle("DESK1", {35: "G", 11: "L2", 41: "L1", 38: "0.02"})  # refused: SMART
    desk.gw.handle("DESK1", {35: "F", 11: "X1", 41: "NOPE"})
    desk.gw.handle("DESK1", {35: "H", 11: "NOPE"})
    desk.gw.handle("DESK1", {35: "H", 11: "M1"})
    desk.step(3)
    desk.gw.handle("DESK1", {35: "q", 11: "MC", 530: "7"})
    desk.gw.handle("DESK1", {35: "q", 11: "MC2", 530: "3"})
    desk.step(3)
    kinds = {t for _, t, _ in desk.sent}
    assert kinds == {"8", "9", "r"}
    execs = {f[150] for _, t, f in desk.sent if t == "8"}
    assert execs >= {"0", "F", "8", "I", "E", "5", "6", "4"}
    v = Validator(DICTIONARY)
    bad = [(t, f, p) for _, t, f in desk.sent if (p := v.check(t, list(f.items())))]
    assert bad == []


def test_every_adapter_message_is_valid_fix44(tmp_path: Path) -> None:
    inst = spot("BTC/USD", "FIXV", tick="0.01", lot="0.0001")
    cfg = FixVenueConfig(port=1, target_comp_id="XVENUE", store=tmp_path, status_timeout_s=0.01,
                         account="ACC1")  # fmt: skip
    client = FixVenueClient(Venue("FIXV"), cfg, [inst], dictionary=DICTIONARY)
    sent: list[tuple[str, list[tuple[int, str]]]] = []
    client._send = lambda kind, fields: sent.append((kind, fields)) or True  # type: ignore[method-assign]
    client.logged_on.set()
    o = Order(ClientOrderId("A1"), AccountId("ACC"), InstrumentId.of("BTC/USD", "FIXV"), Side.BUY,
              OrderType.LIMIT, Decimal("0.1"), Decimal("59000.5"), TimeInForce.GTC, post_only=True)  # fmt: skip
    new = Order(ClientOrderId("A2"), AccountId("ACC"), o.instrument_id, Side.BUY, OrderType.LIMIT,
                Decimal("0.2"), Decimal("59001"))  # fmt: skip
    client.submit(o)
    client.cancel(o)
    client.replace(o, new)
    client.order_status(ClientOrderId("A1"))
    assert [k for k, _ in sent] == ["D", "F", "G", "H"]
    v = Validator(DICTIONARY)
    assert [(k, p) for k, f in sent if (p := v.check(k, f))] == []
