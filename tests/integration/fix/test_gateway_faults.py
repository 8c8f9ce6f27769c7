"""Session faults on the gateway side: ``tradecore serve --fix`` killed (SIGKILL) and
restarted on its journal and FIX store, the client stopped and restarted on its store while
the gateway goes on: sequence numbers survive both, nothing is entered twice, and a report
the client missed is resent (PossDupFlag=Y) and seen once."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("quickfix", reason="the fix extra (QuickFIX) is not installed")

from tests.integration.fix.harness import Serve, client, er, invalid, nos, now
from tradecore.fix import tags as T

pytestmark = pytest.mark.timeout(60)


def logon_seqs(c: object) -> list[int]:
    return [int(f[34]) for f in c.edge.admin_received if f.get(35) == "A"]  # type: ignore[attr-defined]


def test_serve_killed_and_restarted_goes_on_with_its_orders_and_sequence_numbers(
    tmp_path: Path,
) -> None:
    serve = Serve(tmp_path)
    c = client(tmp_path, serve.fix_port)
    try:
        assert c.start(20)
        c.send("D", nos("L1"))
        serve.known("L1")
        serve.advance()
        assert c.wait(er("L1", "0")) is not None
        serve.kill()  # SIGKILL: no logout, no shutdown hook
        serve = Serve(tmp_path, fix_port=serve.fix_port)  # the same journal and FIX store
        assert c.wait(lambda f: False, 0) is None
        seen = len(c.inbox)
        c.send("H", [(11, "L1"), (55, "BTC/USD"), (54, "1")])
        st = c.wait(er("L1", "I"), 20, start=seen)
        assert st is not None and st[T.ORD_STATUS] == "0"  # recovered from the journal
        assert c.logons == 2 and logon_seqs(c)[-1] > 1  # the gateway's numbers went on
        # the same ClOrdID again after the restart: still the one order
        c.send("D", nos("L1"))
        assert c.wait(er("L1", "I"), 10, start=seen + 1) is not None
        # the restarted gateway still reports the order to its session
        c.send("F", [(11, "L1-C"), (41, "L1"), (55, "BTC/USD"), (54, "1"), (60, now()),
                     (38, "0.01")])  # fmt: skip
        serve.advance()
        assert c.wait(er("L1-C", "4")) is not None
        orders = serve.http.get("/v1/orders", params={"account": "DEMO"}).json()["items"]
        assert [o["client_order_id"] for o in orders if o["parent_id"] is None] == ["L1"]
        assert invalid(c) == []
    finally:
        c.stop()
        serve.stop()


def test_a_client_restarted_on_its_store_gets_what_it_missed_once(tmp_path: Path) -> None:
    serve = Serve(tmp_path)
    c = client(tmp_path, serve.fix_port)
    try:
        assert c.start(20)
        c.send("D", nos("M1", t40="1", t44="", t38="0.2", t59="3"))
        serve.known("M1")
        c.stop()  # the client goes away before the venue answers
        serve.advance(5)  # the order fills meanwhile: the reports are numbered and stored
        sent_before = logon_seqs(c)[-1]
        assert c.start(20)  # a new QuickFIX initiator on the same store (as a new process)
        done = c.wait(er("M1", "F", t39="2"), 20)
        assert done is not None and done.get(T.POSS_DUP) == "Y"  # resent by the gateway
        c.wait(lambda f: False, 1.0)
        assert len(c.where(er("M1", "F", t39="2"))) == 1
        assert logon_seqs(c)[-1] > sent_before  # numbers went on, no reset
        assert "2" in c.edge.admin_sent  # the client asked for what it missed
        assert invalid(c) == []
    finally:
        c.stop()
        serve.stop()


def test_a_logon_with_a_wrong_password_is_refused(tmp_path: Path) -> None:
    from tradecore.service.auth import hash_secret

    serve = Serve(tmp_path, client_extra=f'password_hash = "{hash_secret("s3cret")}"\n')
    bad = client(tmp_path / "bad", serve.fix_port, password="guess")
    try:
        assert not bad.start(3)  # RejectLogon: QuickFIX logs it out
        bad.stop()
        good = client(tmp_path / "good", serve.fix_port, password="s3cret")
        assert good.start(20)
        good.stop()
    finally:
        bad.stop()
        serve.stop()
