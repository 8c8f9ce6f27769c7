"""The smart order router on the three-venue demo market."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.routing.conftest import ACC, build_market
from tradecore.model import (
    CancelOrder,
    ClientOrderId,
    InstrumentId,
    OrderStatus,
    OrderType,
    ReasonCode,
    Side,
    SubmitOrder,
    TimeInForce,
)
from tradecore.model.values import DIVISION
from tradecore.routing.config import RoutingConfig, Strategy
from tradecore.routing.health import BreakerState
from tradecore.venues.sim.client import SimVenueConfig

D = Decimal
NO_PENALTY = {"latency_penalty_bps_per_ms": D(0)}


def test_split_beats_the_best_single_venue_on_all_in_price() -> None:
    """Buy 3 (more than any top of book): the split pays 300.45005, the best venue 301.301."""
    split = build_market(RoutingConfig(strategy=Strategy.SPLIT, **NO_PENALTY))
    split.submit("P", Side.BUY, "3")
    split.clock.run_all()
    parent = split.engine.orders.get(ClientOrderId("P"))
    assert parent is not None and parent.status is OrderStatus.FILLED
    # SIMA 1 @ 100.00 (10bp) + SIMC 1 @ 100.10 (5bp) + SIMB 1 @ 100.00 (20bp)
    assert split.all_in_cost("P") == D("300.45005")

    best = build_market(RoutingConfig(strategy=Strategy.BEST, **NO_PENALTY))
    best.submit("P", Side.BUY, "3")
    best.clock.run_all()
    # `best` follows the venue score: SIMC (lowest fee, enough depth) scores highest, and
    # takes all 3: 1 @ 100.10 + 2 @ 101.00, plus 5bp
    top = max(best.decisions[0].scores, key=lambda s: s.score)
    assert top.venue == "SIMC" and "best score on SIMC" in best.decisions[0].reason
    assert best.all_in_cost("P") == D("302.25105")
    assert {f.instrument_id.venue for f in best.fills} == {"SIMC"}
    assert split.all_in_cost("P") / 3 < best.all_in_cost("P") / 3


def test_parent_aggregates_children_fills_average_and_state() -> None:
    m = build_market(RoutingConfig(**NO_PENALTY))
    m.submit("P", Side.BUY, "3")
    m.clock.run_all()
    parent = m.engine.orders.get(ClientOrderId("P"))
    assert parent is not None
    children = m.engine.orders.children(ClientOrderId("P"))
    assert len(children) == 3 and all(c.status is OrderStatus.FILLED for c in children)
    assert parent.filled_qty == D(3)
    assert parent.notional == D("300.10")  # exact; avg_px is its one rounded quotient
    assert parent.avg_px == DIVISION.divide(D("300.10"), D(3))
    assert m.engine.orders.open_orders() == []
    assert all(f.parent_id == "P" for f in m.fills)  # positions count children, never the parent


def test_every_decision_records_inputs_scores_and_reason() -> None:
    m = build_market(RoutingConfig(**NO_PENALTY))
    m.submit("P", Side.BUY, "3")
    d = m.decisions[0]
    assert d.parent_id == "P" and d.strategy == "split"
    assert [s.venue for s in d.scores] == ["SIMA", "SIMB", "SIMC"]
    assert [s.available for s in d.scores] == [D(3), D(2), D(6)]
    assert {c.venue: c.quantity for c in d.children} == {"SIMA": D(1), "SIMB": D(1), "SIMC": D(1)}
    assert "split by all-in price across 3 venues" in d.reason
    assert d.to_dict()["type"] == "RoutingDecision"


def test_ioc_leftover_is_rerouted_to_the_next_best_venue() -> None:
    m = build_market(RoutingConfig(**NO_PENALTY))
    m.submit("P", Side.BUY, "3")
    # before the children arrive, someone takes SIMA's and SIMB's top levels
    for name in ("SIMA", "SIMB"):
        m.venues[name].books[next(iter(m.venues[name].books))].match(Side.BUY, D(1), None)
    m.clock.run_all()
    parent = m.engine.orders.get(ClientOrderId("P"))
    assert parent is not None and parent.status is OrderStatus.FILLED
    assert len(m.decisions) >= 2 and m.decisions[1].attempt == 2


def test_parent_with_every_venue_down_is_denied_with_a_reason_code() -> None:
    m = build_market(RoutingConfig(**NO_PENALTY))
    for v in m.venues.values():
        v.set_down(True)
    cmd = SubmitOrder(
        client_order_id=ClientOrderId("X"), account=ACC,
        instrument_id=InstrumentId.parse("BTC/USD@SMART"), side=Side.BUY,
        order_type=OrderType.MARKET, quantity=D(1),
    )  # fmt: skip
    res = m.engine.submit(cmd)
    assert res.denial is not None and res.denial.reason is ReasonCode.VENUE_UNAVAILABLE
    assert res.order is not None and res.order.status is OrderStatus.DENIED
    assert all(s.excluded == "venue DOWN" for s in m.decisions[-1].scores)


def test_gtc_limit_rest_is_posted_passively_on_the_best_scored_venue() -> None:
    m = build_market(RoutingConfig(**NO_PENALTY))
    m.submit("L", Side.BUY, "5", "100.00", TimeInForce.GTC)
    m.clock.run_all()
    parent = m.engine.orders.get(ClientOrderId("L"))
    assert parent is not None and parent.filled_qty == D(2)  # SIMA and SIMB at 100.00
    resting = [c for c in m.engine.orders.children(ClientOrderId("L")) if c.is_open]
    assert len(resting) == 1 and resting[0].leaves_qty == D(3) and resting[0].price == D("100.00")
    assert parent.status is OrderStatus.PARTIALLY_FILLED


def test_cancel_of_a_parent_cancels_its_resting_children() -> None:
    m = build_market(RoutingConfig(**NO_PENALTY))
    m.submit("L", Side.BUY, "5", "99.00", TimeInForce.GTC)
    m.clock.run_all()
    res = m.engine.cancel(CancelOrder(client_order_id=ClientOrderId("L"), account=ACC))
    assert res.ok
    m.clock.run_all()
    parent = m.engine.orders.get(ClientOrderId("L"))
    assert parent is not None and parent.status is OrderStatus.CANCELED
    assert all(
        c.status is OrderStatus.CANCELED for c in m.engine.orders.children(ClientOrderId("L"))
    )


def test_a_failing_venue_leaves_routing_and_comes_back_after_it_recovers() -> None:
    m = build_market(
        RoutingConfig(**NO_PENALTY),
        sim=lambda n: SimVenueConfig(ack_jitter_us=0, reject_rate=1.0 if n == "SIMA" else 0.0),
    )
    for i in range(3):
        m.reset_books()
        m.submit(f"F{i}", Side.BUY, "1")
        m.clock.run_all()
        assert m.engine.orders.get(ClientOrderId(f"F{i}")).status is OrderStatus.FILLED  # type: ignore[union-attr]
    assert m.router.breakers["SIMA"].state is BreakerState.OPEN  # type: ignore[index]
    m.reset_books()
    m.submit("G", Side.BUY, "1")
    sima = next(s for s in m.decisions[-1].scores if s.venue == "SIMA")
    assert sima.excluded == "circuit breaker OPEN"
    m.clock.run_all()
    # the venue heals; after open_ms the breaker lets one probe through, which succeeds
    m.venues["SIMA"].config = SimVenueConfig(ack_jitter_us=0)
    m.clock.advance_to(m.clock.now_ns() + 2_100_000_000)
    assert m.router.breakers["SIMA"].state is BreakerState.HALF_OPEN  # type: ignore[index]
    m.reset_books()
    m.submit("H", Side.BUY, "3")
    m.clock.run_all()
    assert m.router.breakers["SIMA"].state is BreakerState.CLOSED  # type: ignore[index]
    assert any(f.instrument_id.venue == "SIMA" and f.parent_id == "H" for f in m.fills)


@settings(max_examples=40, deadline=None)
@given(
    st.floats(min_value=0.0, max_value=1.0),
    st.integers(0, 10_000),
    st.lists(st.tuples(st.booleans(), st.integers(1, 40)), min_size=1, max_size=8),
)
def test_no_duplicate_child_and_no_lost_or_doubled_fill_under_timeouts(
    timeout_rate: float, seed: int, flow: list[tuple[bool, int]]
) -> None:
    m = build_market(
        RoutingConfig(**NO_PENALTY),
        sim=lambda n: SimVenueConfig(
            ack_jitter_us=50, timeout_rate=timeout_rate, seed=seed + len(n)
        ),
    )
    for i, (buy, tenths) in enumerate(flow):
        m.reset_books()
        m.submit(f"T{i}", Side.BUY if buy else Side.SELL, str(D(tenths) / 10))
        m.clock.run_all()
    for i, (_, tenths) in enumerate(flow):
        pid = ClientOrderId(f"T{i}")
        parent = m.engine.orders.get(pid)
        assert parent is not None and parent.status.is_terminal
        children = m.engine.orders.children(pid)
        executed = D(0)
        for c in children:
            # what the venue really executed for this child equals what the engine applied
            st_ = m.venues[c.instrument_id.venue].order_status(c.client_order_id)
            assert st_.filled_qty == c.filled_qty
            executed += st_.filled_qty
        assert executed == parent.filled_qty <= D(tenths) / 10
        engine_fills = sum((f.quantity for f in m.fills if f.parent_id == pid), D(0))
        assert engine_fills == executed


def test_routing_state_of_finished_parents_is_forgotten() -> None:
    """Memory stays flat on long runs: nothing per parent survives its completion."""
    m = build_market(RoutingConfig(**NO_PENALTY))
    for i in range(30):
        m.reset_books()
        m.submit(f"M{i}", Side.BUY if i % 2 else Side.SELL, "2.5")
        m.clock.run_all()
    assert all(m.engine.orders.get(ClientOrderId(f"M{i}")).status.is_terminal for i in range(30))  # type: ignore[union-attr]
    r = m.router
    assert r._attempts == {} and r._excluded == {} and r._n_children == {}
    assert r._reject_reasons == {} and r._sent_at == {}
