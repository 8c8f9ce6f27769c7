"""Must-show (1): a QuickFIX initiator (the client, UseDataDictionary=Y) sends orders,
cancels and replaces into ``tradecore serve --fix`` (another process) and checks the
ExecutionReports; every message the gateway sends validates against FIX44.xml."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("quickfix", reason="the fix extra (QuickFIX) is not installed")

from tests.integration.fix.harness import Serve, client, er, invalid, nos, now
from tradecore.fix import tags as T

pytestmark = pytest.mark.timeout(60)


def test_orders_cancels_and_replaces_over_fix_answer_with_execution_reports(
    tmp_path: Path,
) -> None:
    serve = Serve(tmp_path)
    c = client(tmp_path, serve.fix_port)
    try:
        assert c.start(20), serve.log.read_text()
        # a resting limit order on SMART: New
        c.send("D", nos("L1"))
        serve.known("L1")
        serve.advance()
        new = c.wait(er("L1", "0"))
        assert new is not None and (new[T.ORD_STATUS], new[T.LEAVES_QTY]) == ("0", "0.01")
        # cancel it: pending cancel, then canceled, under the cancel request's ClOrdID
        c.send("F", [(11, "L1-C"), (41, "L1"), (55, "BTC/USD"), (54, "1"), (60, now()),
                     (38, "0.01")])  # fmt: skip
        assert c.wait(er("L1-C", "6"), 10) is not None
        serve.advance()
        done = c.wait(er("L1-C", "4"))
        assert done is not None and done[T.ORIG_CL_ORD_ID] == "L1" and done[T.ORD_STATUS] == "4"
        # a direct venue order replaced: pending replace, then replaced under the new ClOrdID
        c.send("D", nos("R1", t100="SIMA"))
        serve.known("R1")
        serve.advance()
        assert c.wait(er("R1", "0")) is not None
        c.send("G", [(11, "R2"), (41, "R1"), (55, "BTC/USD"), (54, "1"), (60, now()),
                     (38, "0.02"), (40, "2"), (44, "59910")])  # fmt: skip
        assert c.wait(er("R2", "E")) is not None
        serve.advance()
        rep = c.wait(er("R2", "5"))
        assert rep is not None and (rep[T.ORIG_CL_ORD_ID], rep[T.ORDER_QTY], rep[T.PRICE]) == (
            "R1", "0.02", "59910")  # fmt: skip
        # a marketable order: trade reports up to filled
        c.send("D", nos("M1", t40="1", t44="", t38="0.5", t59="3"))
        serve.known("M1")
        serve.advance(5)
        filled = c.wait(er("M1", "F", t39="2"))
        assert filled is not None and filled[T.CUM_QTY] == "0.5"
        trades = c.where(er("M1", "F"))
        assert sum(Decimal(t[T.LAST_QTY]) for t in trades) == Decimal("0.5")
        assert len({t[T.EXEC_ID] for t in trades}) == len(trades)
        # refused by risk: OrdRejReason and the reason code REST gives for the same order
        c.send("D", nos("BIG", t38="10"))
        rej = c.wait(er("BIG", "8"))
        assert rej is not None and rej[T.ORD_REJ_REASON] == "3"
        body = {"client_order_id": "BIG-REST", "account": "DEMO", "symbol": "BTC/USD",
                "side": "BUY", "type": "LIMIT", "quantity": "10", "price": "59900"}  # fmt: skip
        rest = serve.http.post("/v1/orders", json=body).json()
        assert rej[T.TEXT].startswith(rest["denial"]["reason"] + ":")
        # the same ClOrdID again: the order's status, not a second order
        c.send("D", nos("M1", t40="1", t44="", t38="0.5", t59="3"))
        again = c.wait(er("M1", "I"))
        assert again is not None and again[T.CUM_QTY] == "0.5"
        assert serve.http.get("/v1/orders", params={"account": "DEMO"}).json()["items"]
        # status request and mass cancel
        c.send("D", nos("K1"))
        serve.known("K1")
        serve.advance()
        assert c.wait(er("K1", "0")) is not None
        c.send("H", [(11, "K1"), (55, "BTC/USD"), (54, "1")])
        st = c.wait(er("K1", "I"))
        assert st is not None and st[T.ORD_STATUS] == "0"
        c.send("q", [(11, "MC1"), (530, "7"), (60, now())])
        mc = c.wait(lambda f: f.get(35) == "r")
        assert mc is not None and (mc[531], mc[533]) == ("7", "2")  # K1 and R2 were open
        serve.advance()
        assert c.wait(er("K1", "4")) is not None and c.wait(er("R2", "4")) is not None
        # every message the gateway sent is valid FIX 4.4; the client refused none
        assert invalid(c) == []
        assert "3" not in c.edge.admin_sent and c.where(lambda f: f.get(35) == "j") == []
    finally:
        c.stop()
        serve.stop()
