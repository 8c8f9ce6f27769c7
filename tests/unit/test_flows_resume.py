"""The demo flow after a restart (``serve --demo-flow`` on a recovered journal): it numbers on
after the last demo order the engine holds and cancels its stale resting orders again."""

from __future__ import annotations

from tradecore.bootstrap import build_system
from tradecore.config import load_config
from tradecore.demo import run_demo
from tradecore.flows import DemoFlow
from tradecore.model import OrderStatus, TimeInForce


def test_a_restarted_flow_numbers_on_and_cancels_its_stale_resting_orders() -> None:
    cfg = load_config()
    system = build_system(cfg)
    report = run_demo(cfg, seconds=40, system=system)
    eng = system.engine
    tops = [o for o in eng.orders if o.parent_id is None and o.client_order_id.startswith("D")]
    assert report.orders > 0 and len(tops) == report.orders

    flow = DemoFlow(system)  # a new process's flow over the recovered engine
    assert flow.resume() == report.orders + 1
    assert flow.order() is not None and flow.n == report.orders + 1  # no id reused
    resting = sorted(
        (o.created_ns, o.client_order_id)
        for o in tops
        if o.is_open and o.time_in_force is not TimeInForce.IOC
    )
    assert resting and list(flow.resting) == resting

    now = system.clock.now_ns()
    assert flow.cancel_stale(now, max_age_ns=now + 1) == 0  # none is that old
    canceled = flow.cancel_stale(now, max_age_ns=0)
    assert canceled == len(resting) and not flow.resting
    for _, coid in resting:
        o = eng.orders.get(coid)
        assert o is not None and o.status in (OrderStatus.PENDING_CANCEL, OrderStatus.CANCELED)
