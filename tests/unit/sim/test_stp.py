"""Self-trade prevention at the simulated venue: the exchange modes, per venue and per order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.sim.simkit import IID, Recorder, order, send, venue
from tradecore.model import ClientOrderId, LiquiditySide, OrderType, Side, StpMode, TimeInForce

D = Decimal
M = StpMode


def status(v: object, coid: str) -> tuple[bool, Decimal]:
    st_ = v.order_status(ClientOrderId(coid))
    return st_.open, st_.filled_qty


@pytest.mark.parametrize(
    ("mode", "maker_open", "taker_open", "ended"),
    [
        (M.EXPIRE_TAKER, True, False, {"take"}),
        (M.EXPIRE_MAKER, False, True, {"rest"}),
        (M.EXPIRE_BOTH, False, False, {"rest", "take"}),
    ],
)
def test_each_mode_expires_its_side_and_nothing_trades(
    mode: StpMode, maker_open: bool, taker_open: bool, ended: set[str]
) -> None:
    v, clock, rec = venue(mode)
    send(
        v,
        clock,
        order("rest", "A", Side.SELL, "2", "100"),
        order("take", "A", Side.BUY, "1", "100"),
    )
    assert rec.fills == {}
    assert set(rec.ends) == ended
    for coid in ended:
        [(kind, msg)] = rec.ends[coid]
        assert kind == "canceled" and "self-trade prevention" in msg and mode.value in msg
    assert status(v, "rest") == (maker_open, D(0))
    assert status(v, "take") == (taker_open, D(0))
    assert v.self_matches_prevented == 1 and v.self_matches == 0
    book = v.books[IID]
    assert (book.get("rest") is not None) is maker_open
    assert (book.get("take") is not None) is taker_open


def test_none_trades_and_counts_the_self_match() -> None:
    v, clock, rec = venue(M.NONE)
    send(
        v,
        clock,
        order("rest", "A", Side.SELL, "2", "100"),
        order("take", "A", Side.BUY, "1", "100"),
    )
    assert [f[4] for f in rec.fills["rest"]] == [LiquiditySide.MAKER]
    assert [f[4] for f in rec.fills["take"]] == [LiquiditySide.TAKER]
    assert rec.fills["rest"][0][0] == rec.fills["take"][0][0] + "M"
    assert v.self_matches == 1 and v.self_matches_prevented == 0


def test_fills_before_our_own_order_stand_and_expire_taker_stops_there() -> None:
    v, clock, rec = venue(M.EXPIRE_TAKER)
    send(
        v, clock,
        order("other", "B", Side.SELL, "1", "99.5"),
        order("mine", "A", Side.SELL, "1", "100"),
        order("take", "A", Side.BUY, "3", "101"),
    )  # fmt: skip
    assert [(f[1], f[2]) for f in rec.fills["take"]] == [(D(1), D("99.5"))]
    assert rec.filled("other") == D(1)
    assert rec.ends["take"][0][0] == "canceled" and "remainder 2 expired" in rec.ends["take"][0][1]
    assert status(v, "mine") == (True, D(0))  # the ask at 101 (market maker) was never reached


def test_expire_maker_takes_our_order_off_and_trades_with_what_is_behind_it() -> None:
    v, clock, rec = venue(M.EXPIRE_MAKER)
    send(
        v, clock,
        order("mine", "A", Side.SELL, "1", "100"),
        order("other", "B", Side.SELL, "1", "100"),
        order("take", "A", Side.BUY, "1.5", "100"),
    )  # fmt: skip
    assert "mine" not in rec.fills and rec.ends["mine"][0][0] == "canceled"
    assert rec.filled("other") == D(1) and rec.filled("take") == D(1)
    assert status(v, "take") == (True, D(1))  # its remainder rests at 100


def test_another_account_is_never_prevented() -> None:
    for mode in M:
        v, clock, rec = venue(mode)
        send(
            v, clock, order("r", "A", Side.SELL, "1", "100"), order("t", "B", Side.BUY, "1", "100")
        )
        assert rec.filled("r") == rec.filled("t") == D(1)
        assert v.self_matches == v.self_matches_prevented == 0


def test_an_order_overrides_the_venue_mode() -> None:
    v, clock, rec = venue(M.NONE)
    send(
        v, clock,
        order("r", "A", Side.SELL, "1", "100"),
        order("t", "A", Side.BUY, "1", "100", stp=M.EXPIRE_TAKER),
    )  # fmt: skip
    assert rec.fills == {} and v.self_matches_prevented == 1
    v, clock, rec = venue(M.EXPIRE_BOTH)
    send(
        v, clock,
        order("r", "A", Side.SELL, "1", "100"),
        order("t", "A", Side.BUY, "1", "100", stp=M.NONE),
    )  # fmt: skip
    assert rec.filled("r") == rec.filled("t") == D(1) and v.self_matches == 1


def test_fok_counts_only_what_it_can_reach_before_our_own_order() -> None:
    v, clock, rec = venue(M.EXPIRE_TAKER)
    send(
        v, clock,
        order("mine", "A", Side.SELL, "1", "100"),
        order("fok", "A", Side.BUY, "2", "101", tif=TimeInForce.FOK),
    )  # fmt: skip
    assert rec.fills == {} and rec.ends["fok"] == [("canceled", "FOK: not fillable in full")]
    assert status(v, "mine") == (True, D(0))


# ---------------------------------------------------------------- property test
ACCOUNTS = ("A", "B")
_submit = st.tuples(
    st.just("submit"),
    st.sampled_from(ACCOUNTS),
    st.sampled_from([Side.BUY, Side.SELL]),
    st.integers(1, 30),  # quantity in lots of 0.1
    st.integers(-3, 2),  # price offset from 100 in ticks of 0.5 (-3: a market order)
    st.sampled_from([TimeInForce.GTC, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK]),
    st.sampled_from([None, None, 3, 10]),  # iceberg display in lots
)
_stop = st.tuples(
    st.just("stop"),
    st.sampled_from(ACCOUNTS),
    st.sampled_from([Side.BUY, Side.SELL]),
    st.integers(1, 30),
    st.integers(-4, 4),  # trigger offset from 100 in ticks
    st.booleans(),  # STOP_LIMIT (limit = trigger) or STOP_MARKET
)
_cancel = st.tuples(st.just("cancel"), st.integers(0, 40))
_market = st.tuples(st.just("market"), st.integers(-4, 4), st.integers(1, 20))
_wait = st.tuples(st.just("wait"), st.integers(0, 700))
OPS = st.lists(
    st.one_of(_submit, _submit, _submit, _stop, _cancel, _market, _wait, _wait),
    min_size=5,
    max_size=50,
)


def _run(mode: StpMode, ops: list[tuple[object, ...]]) -> tuple[object, Recorder, list[object]]:
    v, clock, rec = venue(mode)
    orders: list[object] = []
    for op in ops:
        kind = op[0]
        if kind == "submit":
            _, acct, side, lots, off, tif, disp = op
            px = None if off == -3 else str(D(100) + D(off) * D("0.5"))
            if px is None:
                tif = TimeInForce.IOC
            o = order(
                f"o{len(orders)}", str(acct), side, str(D(lots) / 10), px, tif=tif,
                display=None if disp is None or px is None or tif is not TimeInForce.GTC
                else str(D(disp) / 10),
            )  # fmt: skip
            orders.append(o)
            v.submit(o)
        elif kind == "stop":
            _, acct, side, lots, off, is_limit = op
            trig = str(D(100) + D(off) * D("0.5"))
            o = order(
                f"o{len(orders)}", str(acct), side, str(D(lots) / 10),
                trig if is_limit else None, trigger=trig,
                order_type=OrderType.STOP_LIMIT if is_limit else OrderType.STOP_MARKET,
            )  # fmt: skip
            orders.append(o)
            v.submit(o)
        elif kind == "cancel" and orders:
            v.cancel(orders[int(op[1]) % len(orders)])
        elif kind == "market":
            mid = D(100) + D(op[1]) * D("0.5")
            size = D(op[2]) / 10
            v.on_market(IID, ((mid - D("1.5"), size),), ((mid + D("1.5"), size),))
        elif kind == "wait":
            clock.advance_to(clock.now_ns() + int(op[1]) * 1000)
    clock.run_all()
    return v, rec, orders


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(list(M)), OPS)
def test_no_self_trade_unless_none_and_every_fill_is_accounted_for(
    mode: StpMode, ops: list[tuple[object, ...]]
) -> None:
    v, rec, orders = _run(mode, ops)
    account = {o.client_order_id: o.account for o in orders}
    side = {o.client_order_id: o.side for o in orders}
    legs = {f[0]: (coid, f) for coid, fs in rec.fills.items() for f in fs}
    for tid, (maker, f) in legs.items():
        if not tid.endswith("M"):
            continue
        taker, tf = legs[tid[:-1]]  # both legs of a match: same size and price, opposite sides
        assert (f[1], f[2], f[4], tf[4]) == (tf[1], tf[2], LiquiditySide.MAKER, LiquiditySide.TAKER)
        assert side[maker] is not side[taker]
        if mode is not M.NONE:
            assert account[maker] != account[taker], "a self-trade under STP"
    if mode is M.NONE:
        assert v.self_matches_prevented == 0
    else:
        assert v.self_matches == 0
    book = v.books[IID]
    for o in orders:
        coid = o.client_order_id
        vs = v.order_status(coid)
        got = rec.filled(coid)
        assert vs.filled_qty == got <= o.quantity
        # the same trades (a passive fill may be reported before an earlier taker fill)
        assert sorted(t[0] for t in vs.trades) == sorted(f[0] for f in rec.fills.get(coid, []))
        ends = rec.ends.get(coid, [])
        resting = book.get(coid)
        waiting = any(t.coid == coid for p in v._stops.values() for t in p.tickets)
        if waiting:  # a stop not triggered yet: open, off the book, untouched
            assert vs.open and resting is None and got == 0 and ends == []
        elif vs.open:  # quantity is conserved: what rests is what is neither filled nor ended
            assert ends == [] and resting is not None
            assert resting.qty + resting.hidden == o.quantity - got
        else:
            assert resting is None
            assert got == o.quantity or len(ends) == 1, (coid, got, ends)
