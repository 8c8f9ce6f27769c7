"""Open-order exposure: limits count the filled position plus the worst case of the working
orders per side, kept incrementally from order events."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tests.unit.risk.conftest import ACC, BTC, ETH, Desk, desk
from tradecore.model import CancelOrder, ClientOrderId, OrderStatus, ReasonCode, ReplaceOrder, Side

D = Decimal


def reason(res) -> ReasonCode | None:  # type: ignore[no-untyped-def]
    return None if res.denial is None else res.denial.reason


def test_three_resting_buys_over_max_position_the_third_is_denied() -> None:
    d = desk({"max_position": {"BTC/USD": "3"}})
    assert d.submit(Side.BUY, "2", "99").ok
    res = d.submit(Side.BUY, "2", "99")
    assert reason(res) is ReasonCode.MAX_POSITION and res.denial.value == "4"
    assert d.submit(Side.BUY, "1", "99").ok  # 3 working: at the limit
    assert reason(d.submit(Side.BUY, "2", "99")) is ReasonCode.MAX_POSITION
    d.fill_all("99")
    assert d.positions.signed_quantity(ACC, "BTC/USD") == D(3)
    # sells are the other side: -3 worst case
    assert d.submit(Side.SELL, "6", "101").ok
    assert reason(d.submit(Side.SELL, "0.001", "101")) is ReasonCode.MAX_POSITION


def test_cancel_and_fill_release_working_quantity() -> None:
    d = desk({"max_position": {"BTC/USD": "3"}})
    o = d.submit(Side.BUY, "3", "99").order
    assert o is not None
    assert not d.submit(Side.BUY, "1", "99").ok
    d.engine.cancel(CancelOrder(client_order_id=o.client_order_id, account=ACC))
    assert not d.submit(Side.BUY, "1", "99").ok  # PENDING_CANCEL may still fill
    d.venue.sink.on_canceled(o.client_order_id)  # type: ignore[union-attr]
    assert d.submit(Side.BUY, "1", "99").ok
    assert d.pipeline.ctx.working.totals(ACC, "BTC/USD").buy == D(1)


def test_two_reduce_only_sells_against_a_long_of_one_the_second_is_denied() -> None:
    d = desk()
    d.submit(Side.BUY, "1")
    d.fill_all("100")
    assert d.submit(Side.SELL, "1", "101", reduce_only=True).ok
    res = d.submit(Side.SELL, "1", "101", reduce_only=True)
    assert reason(res) is ReasonCode.REDUCE_ONLY and res.denial.value == "-1"
    # nor can a plain sell let the working reduce-only order flip the position
    res = d.submit(Side.SELL, "1", "101")
    assert reason(res) is ReasonCode.REDUCE_ONLY and "flip" in res.denial.message
    d.fill_all("101")
    assert d.positions.signed_quantity(ACC, "BTC/USD") == 0


def test_concentration_one_name_is_100_percent() -> None:
    d = desk({"max_concentration_pct": "50"})
    res = d.submit(Side.BUY, "1")
    assert reason(res) is ReasonCode.CONCENTRATION and res.denial.value == "100.00"


def test_gross_and_leverage_count_working_orders() -> None:
    d = desk({"max_gross_exposure": "1000"})
    assert d.submit(Side.BUY, "6", "99").ok  # 600 working
    res = d.submit(Side.SELL, "50", "10.5", iid=ETH)  # worst: 600 + 500
    assert reason(res) is ReasonCode.GROSS_EXPOSURE and res.denial.value == "1100.0"
    # a sell of what is not yet bought: gross takes the larger side per name (600)
    assert d.submit(Side.SELL, "6", "101").ok


def test_smart_parent_counts_once() -> None:
    from tradecore.bootstrap import build_system, market_source, pump
    from tradecore.config import load_config
    from tradecore.model import AccountId, InstrumentId, OrderType, SubmitOrder
    from tradecore.model.identifiers import SMART

    cfg = load_config(None)
    system = build_system(cfg)
    pump(system, market_source(cfg, seconds=1))
    mid = next(q.bid for i, q in system.engine.last_quotes.items() if i.symbol == "BTC/USD")
    res = system.engine.submit(
        SubmitOrder(
            client_order_id=ClientOrderId("p1"),
            account=AccountId("A"),
            instrument_id=InstrumentId.of("BTC/USD", SMART),
            side=Side.BUY,
            order_type=OrderType.LIMIT,
            quantity=D("2"),
            price=mid - 50,
        )
    )
    assert res.ok, res.denial
    system.clock.run_all()
    kids = system.engine.orders.children(ClientOrderId("p1"))
    assert kids, "the router sent children"
    ctx = system.risk.ctx  # type: ignore[union-attr]
    assert ctx.working.totals("A", "BTC/USD").buy == D(2)  # not 2 + the children's 2


# ---------------------------------------------------------------------- property test
CAP_POS = D(3)
CAP_GROSS = D(500)  # BTC at 100, ETH at 10

op = st.one_of(
    st.tuples(
        st.just("submit"),
        st.sampled_from([BTC, ETH]),
        st.sampled_from([Side.BUY, Side.SELL]),
        st.integers(1, 40),  # tenths of a lot step
        st.booleans(),  # reduce-only
    ),
    st.tuples(st.just("replace"), st.integers(0, 30), st.integers(1, 40)),
    st.tuples(st.just("cancel"), st.integers(0, 30)),
    st.tuples(st.just("fill"), st.integers(0, 30), st.integers(1, 10)),  # tenths of leaves
    st.tuples(st.just("confirm"), st.integers(0, 30)),  # venue answers a pending request
)


def _open(d: Desk) -> list:  # type: ignore[type-arg]
    return sorted(
        (o for o in d.engine.orders.open_orders() if o.parent_id is None),
        key=lambda o: o.client_order_id,
    )


def _qty(iid: object, n: int) -> D:
    return D(n) / 10 if iid == BTC else D(n)


def _step(d: Desk, action: tuple) -> bool | None:  # type: ignore[type-arg]
    """Run one action; for a fill, whether the filled order was reduce-only."""
    kind = action[0]
    opens = _open(d)
    sink = d.venue.sink
    assert sink is not None
    if kind == "submit":
        _, iid, side, n, ro = action
        px = "100" if iid == BTC else "10"
        d.submit(side, str(_qty(iid, n)), px, iid=iid, reduce_only=ro)
        return None
    if not opens:
        return None
    o = opens[action[1] % len(opens)]
    if kind == "replace" and o.status in (OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED):
        q = o.filled_qty + _qty(BTC if o.instrument_id == BTC else ETH, action[2])
        d.n += 1
        d.engine.replace(
            ReplaceOrder(
                client_order_id=o.client_order_id,
                new_client_order_id=ClientOrderId(f"x{d.n}"),
                account=ACC,
                quantity=q,
            )
        )
    elif kind == "cancel":
        d.engine.cancel(CancelOrder(client_order_id=o.client_order_id, account=ACC))
    elif kind == "fill" and o.leaves_qty > 0:
        lot = D("0.001") if o.instrument_id == BTC else D("0.01")
        q = max((o.leaves_qty * action[2] / 10).quantize(lot), lot)
        d.venue.fill(o.client_order_id, str(min(q, o.leaves_qty)), str(o.price))
        return o.reduce_only
    elif kind == "confirm":
        if o.status is OrderStatus.PENDING_CANCEL:
            sink.on_canceled(o.client_order_id)
        elif o.status is OrderStatus.PENDING_REPLACE:
            sink.on_replaced(o.client_order_id, d.venue.next_vid())
    return None


def _worst(d: Desk, sym: str) -> tuple[D, D]:
    pos = d.positions.signed_quantity(ACC, sym)
    buy = sell = D(0)
    for o in _open(d):  # an independent count: a scan of the open orders
        if o.instrument_id.symbol != sym:
            continue
        leaves = o.leaves_qty
        if o.status is OrderStatus.PENDING_REPLACE:
            p = d.engine.state.pending_replace.get(o.client_order_id)
            if p is not None:
                leaves = max(leaves, p.quantity - o.filled_qty)
        if o.side is Side.BUY:
            buy += leaves
        else:
            sell += leaves
    return pos + buy, pos - sell


@given(st.lists(op, min_size=1, max_size=40))
def test_no_flow_of_orders_breaches_position_gross_or_reduce_only(actions: list) -> None:  # type: ignore[type-arg]
    d = desk(
        {
            "max_position": {"BTC/USD": str(CAP_POS), "ETH/USD": "30"},
            "max_gross_exposure": str(CAP_GROSS),
        }
    )
    for action in actions:
        before = {s: d.positions.signed_quantity(ACC, s) for s in ("BTC/USD", "ETH/USD")}
        filled_reduce_only = _step(d, action)
        gross = D(0)
        for sym, mark, cap in (("BTC/USD", 100, CAP_POS), ("ETH/USD", 10, D(30))):
            long_, short = _worst(d, sym)
            assert long_ <= cap and short >= -cap, (sym, long_, short)
            gross += max(abs(long_), abs(short)) * mark
            # the incremental totals equal the scan
            t = d.pipeline.ctx.working.totals(ACC, sym)
            pos = d.positions.signed_quantity(ACC, sym)
            assert (pos + t.buy, pos - t.sell) == (long_, short)
            if filled_reduce_only:
                # a reduce-only order never flips nor increases the position
                was = before[sym]
                assert abs(pos) <= abs(was) and (pos == 0 or (pos > 0) == (was > 0))
        assert gross <= CAP_GROSS
