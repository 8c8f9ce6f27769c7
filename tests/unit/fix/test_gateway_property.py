"""Property: whatever a FIX session sends (orders, cancels, replaces, in any order, with the
market moving between them), the reports tell each order's story as the engine has it: the
OrdStatus the client last heard (ExecutionReport or OrderCancelReject) and the last CumQty
are the order's, CumQty never goes down, the trades add up to it, no ExecID repeats and no
ClOrdID is entered twice."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.fix.test_gateway import Desk
from tradecore.fix import tags as T
from tradecore.model.enums import OrderStatus

NEW = st.tuples(st.just("new"), st.integers(0, 5), st.sampled_from(["limit", "market", "direct"]),
                st.sampled_from(["0.01", "0.3", "0.7"]))  # fmt: skip
CANCEL = st.tuples(st.just("cancel"), st.integers(0, 5))
REPLACE = st.tuples(st.just("replace"), st.integers(0, 5), st.sampled_from(["0.02", "0.05"]))
STEP = st.tuples(st.just("step"), st.integers(1, 4))
OPS = st.lists(st.one_of(NEW, CANCEL, REPLACE, STEP), min_size=1, max_size=14)


def run(desk: Desk, ops: list[tuple[object, ...]]) -> None:
    n = 0
    for op in ops:
        kind = op[0]
        if kind == "new":
            _, i, how, qty = op
            extra = {"t38": str(qty), "t44": str(59900 + int(str(i)))}
            if how == "market":
                extra.update(t40="1", t44="", t59="3")
            if how == "direct":
                extra["t100"] = "SIMA"
            desk.nos(f"O{i}", **extra)  # a repeated id: must not be a second order
        elif kind == "cancel":
            n += 1
            desk.gw.handle("DESK1", {35: "F", 11: f"C{n}", 41: f"O{op[1]}"})
        elif kind == "replace":
            n += 1
            desk.gw.handle("DESK1", {35: "G", 11: f"N{n}", 41: f"O{op[1]}", 38: str(op[2])})
        else:
            desk.step(int(str(op[1])))
    desk.step(10)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPS)
def test_the_reports_follow_every_order_exactly(ops: list[tuple[object, ...]]) -> None:
    desk = Desk()
    run(desk, ops)
    reports = desk.reports()
    exec_ids = [r[T.EXEC_ID] for r in reports]
    assert len(exec_ids) == len(set(exec_ids))
    eng = desk.service.system.engine
    roots = [o for o in eng.orders if o.parent_id is None]
    assert len({str(o.client_order_id) for o in roots}) == len(roots)
    for o in roots:
        mine = [r for r in reports if r[T.ORDER_ID] == str(o.client_order_id)]
        story = [r for r in mine if r[T.EXEC_TYPE] != T.EXEC_STATUS]
        cums = [Decimal(r[T.CUM_QTY]) for r in story]
        assert cums == sorted(cums), (o, story)
        trades = sum((Decimal(r[T.LAST_QTY]) for r in story if r[T.EXEC_TYPE] == "F"), Decimal(0))
        if o.status in (OrderStatus.SUBMITTED, OrderStatus.REPLACED) or not story:
            continue  # not answered yet / its story goes on under the new ClOrdID
        # the order's status as the client last heard it: an ExecutionReport, or the
        # OrdStatus of an OrderCancelReject (a refused cancel or replace after pending)
        said = [f for c, t, f in desk.sent if c == "DESK1" and f.get(T.ORDER_ID) == str(
            o.client_order_id) and (t == "9" or (t == "8" and f[T.EXEC_TYPE] != "I"))]  # fmt: skip
        assert said[-1][T.ORD_STATUS] == T.STATUS_CODE[o.status], (o, said[-1])
        assert Decimal(story[-1][T.CUM_QTY]) == o.filled_qty
        if o.replaced_by is None and not any(r[T.EXEC_TYPE] == "5" for r in story):
            assert trades == o.filled_qty
