"""The real-time monitor: utilisation on fills and price moves, alerts, breach actions."""

from __future__ import annotations

from decimal import Decimal

from tests.unit.risk.conftest import BTC, ETH, desk
from tradecore.model import OrderStatus, ReasonCode, Side
from tradecore.risk.events import BreachActionTaken, RiskAlert

D = Decimal
SEC = 1_000_000_000


def warm_up(d, n: int = 60, vol: float = 0.01) -> None:  # type: ignore[no-untyped-def]
    """Quotes once a second with alternating +-vol moves: a known, stable covariance."""
    btc, eth = 100.0, 10.0
    for i in range(n):
        d.clock.advance_to(d.clock.now_ns() + SEC)
        f = 1 + (vol if i % 2 else -vol)
        btc, eth = btc * f, eth * f
        d.quote(BTC, f"{btc:.1f}", "0.05")
        d.quote(ETH, f"{eth:.2f}", "0.005")


def test_var_limit_denies_an_order_that_would_breach_it() -> None:
    """VaR over one 1 s bar (var_horizon_ms = var_bar_ms: no time scaling)."""
    d = desk({"max_var": "60"}, var_horizon_ms=1000)
    warm_up(d)
    assert d.pipeline.ctx.covariance() is not None
    assert d.submit(Side.BUY, "10").ok  # ~1,000 USD at ~1.6% x 1% moves: VaR well below 60
    res = d.submit(Side.BUY, "100")
    assert res.denial is not None and res.denial.reason is ReasonCode.VAR_LIMIT
    assert D(res.denial.value) > 60 and "VaR with order" in res.denial.message


def test_price_move_breaching_var_fires_the_configured_actions() -> None:
    d = desk(
        {"max_var": "250"}, var_horizon_ms=1000, breach_actions=["cancel_all", "block_new_orders"]
    )
    alerts: list[RiskAlert] = []
    actions: list[BreachActionTaken] = []
    d.engine.bus.subscribe(RiskAlert, alerts.append)
    d.engine.bus.subscribe(BreachActionTaken, actions.append)
    warm_up(d, vol=0.002)
    assert d.submit(Side.BUY, "50").ok
    d.fill_all("100")
    resting = d.submit(Side.SELL, "1", "150").order
    assert resting is not None and resting.status is OrderStatus.ACCEPTED
    assert all(a.level != "BREACH" for a in alerts)
    # the market turns violent: returns of +-8% every second blow up the covariance
    warm_up(d, n=40, vol=0.08)
    breach = [a for a in alerts if a.level == "BREACH" and a.limit == "max_var"]
    assert breach and breach[0].value > D(250)
    assert [a.action for a in actions][:2] == ["cancel_all", "block_new_orders"]
    assert resting.status is OrderStatus.PENDING_CANCEL  # the cancel went out
    res = d.submit(Side.BUY, "0.001")
    assert res.denial is not None and res.denial.reason is ReasonCode.TRADING_HALTED
    assert "max_var breached" in res.denial.message


def test_warn_then_breach_alerts_on_exposure_and_flatten_action() -> None:
    d = desk({"max_gross_exposure": "1000"}, breach_actions=["flatten"], warn_pct="80")
    alerts: list[RiskAlert] = []
    d.engine.bus.subscribe(RiskAlert, alerts.append)
    d.submit(Side.BUY, "8.5")
    d.fill_all("100")  # 850: WARN
    assert [(a.level, a.limit) for a in alerts] == [("WARN", "max_gross_exposure")]
    d.quote(BTC, "130")  # 1105: BREACH by a price move alone (evaluated within 100 ms)
    d.clock.advance_to(d.clock.now_ns() + 100_000_000)
    assert alerts[-1].level == "BREACH" and alerts[-1].utilisation_pct == D("110.50")
    flat = [o for o in d.engine.orders if o.tag == "flatten"]
    assert len(flat) == 1 and flat[0].side is Side.SELL and flat[0].quantity == D("8.5")
    assert flat[0].reduce_only


def test_utilisation_view_lists_every_configured_limit() -> None:
    d = desk({"max_gross_exposure": "1000", "max_position": {"BTC/USD": "10"}, "max_leverage": "2"})
    d.submit(Side.BUY, "2")
    d.fill_all("100")
    util = d.monitor.utilisation["acct"]
    assert util["max_gross_exposure"]["utilisation_pct"] == "20.00"
    assert util["max_position:BTC/USD"]["value"] == "2"
    assert util["max_leverage"]["value"] == "0.00"  # 200 / 100,000, shown at 2 decimals
    assert util["max_leverage"]["level"] == "OK"


def _statistic_of_order(d, name: str) -> Decimal:  # type: ignore[no-untyped-def]
    """The rounded statistic the check compares for a BUY 10 BTC market order."""
    from tradecore.model import AccountId, ClientOrderId, InstrumentId, OrderType
    from tradecore.model.orders import Order

    probe = Order(
        ClientOrderId("probe"),
        AccountId("acct"),
        InstrumentId.parse("BTC/USD@FAKE"),
        Side.BUY,
        OrderType.MARKET,
        D(10),
    )
    ctx = d.pipeline.ctx
    exp = ctx.exposures("acct", ("BTC/USD", probe.side, probe.quantity))
    v = ctx.var(exp) if name == "max_var" else ctx.correlated_exposure(exp)
    return Decimal(repr(round(v, 2)))


def test_var_limit_boundary_and_text() -> None:
    probe = desk({"max_var": "1000000"}, var_horizon_ms=1000)
    warm_up(probe)
    at = _statistic_of_order(probe, "max_var")
    ok = desk({"max_var": str(at)}, var_horizon_ms=1000)
    warm_up(ok)
    assert ok.submit(Side.BUY, "10").ok  # exactly at the limit
    tight = desk({"max_var": str(at - D("0.01"))}, var_horizon_ms=1000)
    warm_up(tight)
    res = tight.submit(Side.BUY, "10")
    assert res.denial is not None and res.denial.reason is ReasonCode.VAR_LIMIT
    assert res.denial.value == str(at) and res.denial.check == "max_var"


def test_correlated_exposure_boundary_and_text() -> None:
    probe = desk({"max_correlated_exposure": "1000000"})
    warm_up(probe)
    at = _statistic_of_order(probe, "max_correlated_exposure")
    assert D(990) < at < D(1001)  # one instrument: sqrt(wCw) = |w| (10 x ~99.7)
    ok = desk({"max_correlated_exposure": str(at)})
    warm_up(ok)
    assert ok.submit(Side.BUY, "10").ok
    tight = desk({"max_correlated_exposure": str(at - D("0.01"))})
    warm_up(tight)
    res = tight.submit(Side.BUY, "10")
    assert res.denial is not None and res.denial.reason is ReasonCode.CORRELATED_EXPOSURE
    assert "correlation-adjusted exposure" in res.denial.message


def test_correlated_exposure_nets_perfectly_correlated_opposite_positions() -> None:
    d = desk({"max_correlated_exposure": "1500"})
    warm_up(d)  # BTC and ETH move together: correlation 1
    assert d.submit(Side.BUY, "10").ok  # ~997 of BTC
    d.fill_all("100")
    assert not d.submit(Side.BUY, "10").ok  # ~1,994 of BTC alone: over the limit
    assert d.submit(Side.SELL, "100", iid=ETH).ok  # a hedge of the same size: ~0 adjusted
    d.fill_all("10")
    assert d.submit(Side.BUY, "10").ok  # now allowed: gross would be ~2,991, adjusted ~997


def test_monitor_does_not_depend_on_subscription_order() -> None:
    from tradecore.model.events import OrderFilled
    from tradecore.model.market import Quote

    d = desk({"max_gross_exposure": "1000", "max_position": {"BTC/USD": "10"}})
    bus = d.engine.bus
    # put the monitor's handlers first: it now hears of a fill or a quote before the
    # position keeper and the risk context do
    for kind in (OrderFilled, Quote):
        hs = bus._by_type[kind]
        mine = [h for h in hs if getattr(h, "__self__", None) is d.monitor]
        bus._by_type[kind] = mine + [h for h in hs if h not in mine]
    bus._resolved.clear()
    d.submit(Side.BUY, "2")
    d.fill_all("100")
    util = d.monitor.utilisation["acct"]
    assert util["max_position:BTC/USD"]["value"] == "2"
    assert D(util["max_gross_exposure"]["value"]) == 200
    d.clock.advance_to(d.clock.now_ns() + SEC)
    d.quote(BTC, "150")
    assert D(d.monitor.utilisation["acct"]["max_gross_exposure"]["value"]) == 300
