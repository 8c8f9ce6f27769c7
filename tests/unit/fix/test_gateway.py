"""The FIX gateway's engine side, without QuickFIX: FIX requests (as tag -> value) into a
real serve graph (manual market clock), the ExecutionReports it answers with."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradecore.cli.serve import build_service
from tradecore.fix import tags as T
from tradecore.service.fix.config import FixConfig
from tradecore.service.fix.gateway import FixGateway
from tradecore.service.fix.wiring import ServiceEntry
from tradecore.service.models import OrderRequest, submit_command

CFG = FixConfig.model_validate(
    {
        "clients": {
            "DESK1": {"accounts": ["DEMO"], "scopes": ["read", "trade"]},
            "VIEWER": {"accounts": ["DEMO"], "scopes": ["read"]},
            "OTHER": {"accounts": ["ACME"]},
            "DROP": {"accounts": ["DEMO"], "scopes": ["read"], "drop_copy": True},
        }
    }
)


class Desk:
    def __init__(self) -> None:
        _, self.service, _ = build_service(
            None, None, speed=1.0, demo_flow=False, journal=None, clock="manual"
        )
        self.service.advance(0)
        self.sent: list[tuple[str, str, dict[int, str]]] = []
        self.gw = FixGateway(ServiceEntry(self.service), CFG, self._send)

    def _send(self, comp: str, out: tuple[str, list[tuple[int, str]]]) -> None:
        self.sent.append((comp, out[0], dict(out[1])))

    def step(self, n: int = 3) -> None:
        self.service.advance(self.service.step + n)

    def nos(self, coid: str, comp: str = "DESK1", **extra: str) -> None:
        f = {
            T.MSG_TYPE: "D",
            T.CL_ORD_ID: coid,
            T.SYMBOL: "BTC/USD",
            T.SIDE: "1",
            T.ORDER_QTY: "0.01",
            T.ORD_TYPE: "2",
            T.PRICE: "59900",
            T.TRANSACT_TIME: "x",
        }
        f.update({int(k[1:]): v for k, v in extra.items()})
        self.gw.handle(comp, {k: v for k, v in f.items() if v != ""})

    def reports(self, coid: str | None = None, comp: str = "DESK1") -> list[dict[int, str]]:
        return [f for c, t, f in self.sent
                if c == comp and t == "8" and (coid is None or f[11] == coid)]  # fmt: skip


@pytest.fixture
def desk() -> Desk:
    return Desk()


def test_a_resting_limit_order_is_acknowledged_new(desk: Desk) -> None:
    desk.nos("L1")
    desk.step()
    (new,) = desk.reports("L1")
    assert (new[150], new[39], new[151], new[14]) == ("0", "0", "0.01", "0")
    assert new[1] == "DEMO" and new[55] == "BTC/USD" and new[44] == "59900"


def test_a_marketable_order_is_reported_fill_by_fill_up_to_filled(desk: Desk) -> None:
    desk.nos("M1", t40="1", t44="", t38="0.5")
    desk.step(5)
    trades = [r for r in desk.reports("M1") if r[150] == "F"]
    assert trades, desk.sent
    assert sum(Decimal(r[32]) for r in trades) == Decimal("0.5")
    assert trades[-1][39] == "2" and trades[-1][14] == "0.5" and trades[-1][151] == "0"
    assert all(r[39] == "1" for r in trades[:-1])
    exec_ids = [r[17] for r in desk.reports()]
    assert len(exec_ids) == len(set(exec_ids))


def test_a_risk_denial_carries_the_same_reason_code_as_rest(desk: Desk) -> None:
    desk.nos("BIG", t38="10")  # over max_order_quantity BTC/USD = 5
    (rej,) = desk.reports("BIG")
    assert (rej[150], rej[39], rej[103]) == ("8", "8", "3")
    other = Desk()
    rest = other.service.submit_timed(submit_command(OrderRequest(
        client_order_id="BIG", account="DEMO", symbol="BTC/USD", side="BUY", quantity="10",
        type="LIMIT", price="59900")))  # fmt: skip
    assert rej[58].startswith(f"{rest.denial.reason.value}: ")


def test_invalid_fields_are_refused_naming_the_tag(desk: Desk) -> None:
    desk.nos("BAD", t38="-1")
    (rej,) = desk.reports("BAD")
    assert rej[150] == "8" and rej[58].startswith("validation_error: OrderQty(38) [quantity]")
    desk.nos("NOPX", t44="")
    (rej,) = desk.reports("NOPX")
    assert rej[58].startswith("validation_error: Price(44)")
    assert desk.service.system.engine.orders.get("BAD") is None


def test_a_repeated_clordid_answers_with_the_order_never_a_second_one(desk: Desk) -> None:
    desk.nos("D1")
    desk.step()
    n_orders = len(desk.service.system.engine.orders)
    desk.nos("D1", t38="0.02")
    last = desk.reports("D1")[-1]
    assert last[150] == "I" and last[38] == "0.01"
    assert last[58].startswith("DUPLICATE_CLIENT_ORDER_ID")
    assert len(desk.service.system.engine.orders) == n_orders


def test_cancel_goes_pending_then_canceled_with_the_request_ids(desk: Desk) -> None:
    desk.nos("C1")
    desk.step()
    desk.gw.handle("DESK1", {T.MSG_TYPE: "F", T.CL_ORD_ID: "C1-X", T.ORIG_CL_ORD_ID: "C1"})
    desk.step()
    got = [(r[150], r[39], r.get(41)) for r in desk.reports("C1-X")]
    assert got == [("6", "6", "C1"), ("4", "4", "C1")]


def test_replace_goes_pending_then_replaced_under_the_new_clordid(desk: Desk) -> None:
    desk.nos("R1", t100="SIMA")
    desk.step()
    desk.gw.handle("DESK1", {T.MSG_TYPE: "G", T.CL_ORD_ID: "R2", T.ORIG_CL_ORD_ID: "R1",
                             T.ORDER_QTY: "0.02", T.PRICE: "59910"})  # fmt: skip
    desk.step()
    got = [(r[150], r[39], r.get(41), r[38]) for r in desk.reports("R2")]
    assert got[-1] == ("5", "0", "R1", "0.02")
    assert got[0][0] == "E"


def test_a_smart_parent_replace_is_refused_with_order_cancel_reject(desk: Desk) -> None:
    desk.nos("P1")
    desk.step()
    desk.gw.handle("DESK1", {T.MSG_TYPE: "G", T.CL_ORD_ID: "P2", T.ORIG_CL_ORD_ID: "P1",
                             T.ORDER_QTY: "0.02"})  # fmt: skip
    rej = [f for _, t, f in desk.sent if t == "9"]
    assert len(rej) == 1 and rej[0][434] == "2" and rej[0][58].startswith("INVALID_ORDER")
    assert rej[0][11] == "P2" and rej[0][41] == "P1"


def test_unknown_and_foreign_orders_are_not_found(desk: Desk) -> None:
    desk.nos("F1")
    desk.gw.handle("OTHER", {T.MSG_TYPE: "F", T.CL_ORD_ID: "X", T.ORIG_CL_ORD_ID: "F1"})
    desk.gw.handle("DESK1", {T.MSG_TYPE: "F", T.CL_ORD_ID: "Y", T.ORIG_CL_ORD_ID: "NOPE"})
    rej = [(c, f[102], f[58].split(":")[0]) for c, t, f in desk.sent if t == "9"]
    assert rej == [("OTHER", "1", "not_found"), ("DESK1", "1", "not_found")]


def test_scopes_and_accounts_are_enforced_like_api_keys(desk: Desk) -> None:
    desk.nos("V1", comp="VIEWER")
    desk.nos("A1", t1="ACME")
    codes = [f[58].split(":")[0] for _, t, f in desk.sent if t == "8"]
    assert codes == ["scope_forbidden", "account_forbidden"]
    desk.gw.handle("VIEWER", {T.MSG_TYPE: "H", T.CL_ORD_ID: "V1"})
    assert desk.sent[-1][2][150] == "I" and desk.sent[-1][2][39] == "8"


def test_status_request_reports_the_order_as_it_stands(desk: Desk) -> None:
    desk.nos("S1")
    desk.step()
    desk.gw.handle("VIEWER", {T.MSG_TYPE: "H", T.CL_ORD_ID: "S1"})
    st = desk.sent[-1][2]
    assert (st[150], st[39], st[11], st[151]) == ("I", "0", "S1", "0.01")


def test_mass_cancel_cancels_every_open_order_of_the_session(desk: Desk) -> None:
    for c, px in (("K1", "59900"), ("K2", "59901"), ("K3", "59902")):
        desk.nos(c, t44=px)
    desk.step()
    desk.gw.handle("DESK1", {T.MSG_TYPE: "q", T.CL_ORD_ID: "MC", T.MASS_CANCEL_REQUEST_TYPE: "7"})
    (rep,) = [f for _, t, f in desk.sent if t == "r"]
    assert (rep[531], rep[533]) == ("7", "3")
    desk.step()
    assert {r[11] for r in desk.reports() if r[150] == "4"} == {"K1", "K2", "K3"}


def test_a_drop_copy_session_hears_of_every_order_of_its_accounts(desk: Desk) -> None:
    desk.nos("FX1", t40="1", t44="", t38="0.3", t59="3")
    rest = desk.service.submit_timed(submit_command(OrderRequest(
        client_order_id="REST1", account="DEMO", symbol="BTC/USD", side="SELL",
        quantity="0.2")))  # fmt: skip
    assert rest.ok
    desk.step(5)
    by = {(c, f[11], f[150], f[39]) for c, t, f in desk.sent if t == "8"}
    for comp in ("DESK1", "DROP"):
        assert (comp, "FX1", "F", "2") in by
    assert ("DROP", "REST1", "F", "2") in by  # entered over REST: the drop copy hears of it
    assert not any(c == "DESK1" and coid == "REST1" for c, coid, _, _ in by)
    desk.nos("D9", comp="DROP")  # a drop copy enters nothing
    assert desk.sent[-1][2][58].startswith("scope_forbidden")


def test_a_drop_copy_that_could_trade_is_refused_naming_the_field() -> None:
    from tradecore.errors import ConfigError
    from tradecore.service.fix.config import load_fix_config

    bad = {"clients": {"DROP": {"accounts": ["A"], "drop_copy": True}}}
    with pytest.raises(ValueError, match="read-only"):
        FixConfig.model_validate(bad)
    import tempfile
    from pathlib import Path

    p = Path(tempfile.mkdtemp()) / "fix.toml"
    p.write_text('[clients.DESK1]\naccounts = ["A"]\nscopes = ["trade", "fly"]\n')
    with pytest.raises(ConfigError) as e:
        load_fix_config(p)
    assert e.value.field == "fix.clients.DESK1.scopes"
