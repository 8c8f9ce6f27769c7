"""Each pre-trade check: passes below its limit, passes AT it, denies just above, with text."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.unit.risk.conftest import ETH, SAP, START, desk
from tradecore.errors import ConfigError
from tradecore.model import OrderStatus, ReasonCode, Side
from tradecore.risk import RiskConfig

D = Decimal


def reason(res) -> ReasonCode | None:  # type: ignore[no-untyped-def]
    return None if res.denial is None else res.denial.reason


def test_max_order_quantity_boundary() -> None:
    d = desk({"max_order_quantity": {"BTC/USD": "2", "*": "100"}})
    assert d.submit(Side.BUY, "2").ok
    res = d.submit(Side.BUY, "2.001")
    assert reason(res) is ReasonCode.MAX_ORDER_QUANTITY
    assert (res.denial.check, res.denial.limit, res.denial.value) == (
        "max_order_quantity",
        "2",
        "2.001",
    )
    assert "quantity 2.001 > max 2" in res.denial.message
    assert d.submit(Side.BUY, "100", iid=ETH).ok and not d.submit(Side.BUY, "100.01", iid=ETH).ok


def test_max_order_notional_uses_limit_or_reference_price() -> None:
    d = desk({"max_order_notional": "1000"})
    assert d.submit(Side.BUY, "10", "100").ok  # exactly 1000
    res = d.submit(Side.BUY, "10.001", "100")
    assert reason(res) is ReasonCode.MAX_ORDER_NOTIONAL and res.denial.value == "1000.100"
    assert (
        reason(d.submit(Side.SELL, "11")) is ReasonCode.MAX_ORDER_NOTIONAL
    )  # market: 11 x mid 100


def test_price_band_against_the_reference_mid() -> None:
    d = desk({"price_band_bps": "50"})
    assert d.submit(Side.BUY, "1", "100.5").ok  # exactly 50 bps
    res = d.submit(Side.BUY, "1", "101")
    assert (
        reason(res) is ReasonCode.PRICE_BAND
        and "100.00 bps from reference 100" in res.denial.message
    )


def test_price_band_without_reference_denies() -> None:
    d = desk({"price_band_bps": "50"})
    d.pipeline.ctx.mid.clear()
    assert reason(d.submit(Side.BUY, "1", "100")) is ReasonCode.NO_REFERENCE_PRICE


def test_max_position_counts_the_order() -> None:
    d = desk({"max_position": {"BTC/USD": "3"}})
    d.submit(Side.BUY, "2")
    d.fill_all("100")
    assert d.submit(Side.BUY, "1").ok  # 3 after: allowed
    d.fill_all("100")
    res = d.submit(Side.BUY, "0.5")
    assert reason(res) is ReasonCode.MAX_POSITION and res.denial.value == "3.5"
    assert d.submit(Side.SELL, "6").ok  # -3 after: allowed
    assert reason(d.submit(Side.SELL, "6.5")) is ReasonCode.MAX_POSITION


def test_gross_and_net_exposure() -> None:
    d = desk({"max_gross_exposure": "1500", "max_net_exposure": "500"})
    d.submit(Side.BUY, "5")
    d.fill_all("100")  # +500 BTC
    assert d.submit(Side.SELL, "100", iid=ETH).ok  # -1000 ETH: gross 1500, net -500
    d.fill_all("10")
    res = d.submit(Side.SELL, "1", iid=ETH)
    assert reason(res) is ReasonCode.GROSS_EXPOSURE and res.denial.value == "1510.0"
    d2 = desk({"max_net_exposure": "500"})
    assert d2.submit(Side.BUY, "5").ok
    assert reason(d2.submit(Side.BUY, "5.001")) is ReasonCode.NET_EXPOSURE


def test_concentration_share_of_gross() -> None:
    d = desk({"max_concentration_pct": "60", "concentration_min_gross": "200"})
    assert d.submit(Side.BUY, "2").ok  # gross 200: not above the floor, not checked
    d.fill_all("100")  # 200 BTC
    assert d.submit(Side.BUY, "20", iid=ETH).ok
    d.fill_all("10")  # 200 ETH
    assert d.submit(Side.BUY, "1").ok  # BTC 300 of 500 = 60% exactly
    d.fill_all("100")
    res = d.submit(Side.BUY, "0.01")  # 301 of 501
    assert reason(res) is ReasonCode.CONCENTRATION and res.denial.value == "60.08"


def test_leverage_gross_over_equity() -> None:
    d = desk({"max_leverage": "2"})  # equity 100,000
    assert d.submit(Side.BUY, "2000").ok  # 200,000 / 100,000 = 2
    assert reason(d.submit(Side.BUY, "2000.001")) is ReasonCode.LEVERAGE


def test_order_rate_limit_sliding_window() -> None:
    d = desk({"max_orders_per_window": 3, "rate_window_ms": 1000})
    assert all(d.submit(Side.BUY, "0.001").ok for _ in range(3))
    res = d.submit(Side.BUY, "0.001")
    assert reason(res) is ReasonCode.ORDER_RATE and "3 orders in 1000 ms" in res.denial.message
    d.clock.advance_to(START + 1_000_000_001)
    assert d.submit(Side.BUY, "0.001").ok


def test_cancel_rate_limit() -> None:
    from tradecore.model import CancelOrder

    d = desk({"max_cancels_per_window": 2})
    ids = [d.submit(Side.BUY, "1", "99").order.client_order_id for _ in range(3)]
    results = [
        d.engine.cancel(CancelOrder(client_order_id=i, account=d.order(Side.BUY, "1").account))
        for i in ids
    ]
    assert [r.ok for r in results] == [True, True, False]
    assert results[2].denial.reason is ReasonCode.CANCEL_RATE


def test_duplicate_order_guard() -> None:
    d = desk({"duplicate_window_ms": 500})
    assert d.submit(Side.BUY, "1", "99").ok
    res = d.submit(Side.BUY, "1", "99")
    assert reason(res) is ReasonCode.DUPLICATE_ORDER
    assert d.submit(Side.BUY, "1", "98.5").ok  # a different price is not a duplicate
    d.clock.advance_to(START + 500_000_000)
    assert d.submit(Side.BUY, "1", "99").ok  # the window has passed


def test_self_trade_prevention_against_our_resting_orders() -> None:
    d = desk({"self_trade_prevention": True})
    assert d.submit(Side.SELL, "1", "101").ok  # rests
    assert d.submit(Side.BUY, "1", "100.5").ok  # below our ask: fine
    res = d.submit(Side.BUY, "1", "101")
    assert reason(res) is ReasonCode.SELF_TRADE and res.denial.limit == "101"
    assert reason(d.submit(Side.BUY, "1")) is ReasonCode.SELF_TRADE  # market order
    d.fill_all("101")
    assert d.submit(Side.BUY, "1", "101").ok  # our ask is gone


def test_reduce_only_flag_and_state() -> None:
    d = desk()
    d.submit(Side.BUY, "2")
    d.fill_all("100")
    assert d.submit(Side.SELL, "2", reduce_only=True).ok
    res = d.submit(Side.SELL, "2.001", reduce_only=True)
    # the first reduce-only SELL 2 is still working: -2.001 if both filled
    assert reason(res) is ReasonCode.REDUCE_ONLY and res.denial.value == "-2.001"
    d.pipeline.set_reduce_only("acct")
    assert reason(d.submit(Side.BUY, "0.001")) is ReasonCode.REDUCE_ONLY


def test_halted_account_and_symbol() -> None:
    d = desk({"halted": True})
    assert reason(d.submit(Side.BUY, "1")) is ReasonCode.TRADING_HALTED
    d2 = desk()
    d2.pipeline.halted_symbols.add("ETH/USD")
    assert reason(d2.submit(Side.BUY, "1", iid=ETH)) is ReasonCode.TRADING_HALTED
    assert d2.submit(Side.BUY, "1").ok


def test_trading_hours_from_the_exchange_calendar() -> None:
    d = desk({"trading_hours": True}, calendars={"SAP": "XNYS"})
    d.clock.advance_to(1_767_618_000_000_000_000)  # Mon 2026-01-05 13:00 UTC: before NYSE opens
    res = d.submit(Side.BUY, "1", iid=SAP)
    assert reason(res) is ReasonCode.MARKET_CLOSED and "XNYS" in res.denial.message
    d.clock.advance_to(1_767_636_000_000_000_000)  # 18:00 UTC = 13:00 New York: open
    assert d.submit(Side.BUY, "1", iid=SAP).ok
    assert d.submit(Side.BUY, "1").ok  # crypto trades 24/7
    d.clock.advance_to(1_767_880_800_000_000_000)  # Thu 2026-01-08 14:00 UTC... weekday pre-open
    assert reason(d.submit(Side.BUY, "1", iid=SAP)) is ReasonCode.MARKET_CLOSED


def test_kill_switch_records_who_when_why_and_blocks_everything() -> None:
    d = desk()
    d.pipeline.engage("acct", who="risk-officer", why="runaway algo")
    res = d.submit(Side.BUY, "1")
    assert (
        reason(res) is ReasonCode.KILL_SWITCH and "risk-officer: runaway algo" in res.denial.message
    )
    assert res.order.status is OrderStatus.DENIED
    d.pipeline.release("acct", "risk-officer", "fixed")
    assert d.submit(Side.BUY, "1").ok
    d.pipeline.engage("*", "cro", "exchange incident")
    assert reason(d.submit(Side.BUY, "1")) is ReasonCode.KILL_SWITCH


def test_all_mode_evaluates_every_check() -> None:
    d = desk({"max_order_quantity": {"*": "1"}, "price_band_bps": "10"}, mode="all")
    res = d.submit(Side.BUY, "2", "105")
    assert reason(res) is ReasonCode.MAX_ORDER_QUANTITY
    assert [x.reason for x in d.pipeline.last_all] == [
        ReasonCode.MAX_ORDER_QUANTITY,
        ReasonCode.PRICE_BAND,
    ]


def test_bad_risk_config_names_the_key() -> None:
    with pytest.raises(ConfigError) as err:
        RiskConfig.from_dict({"defaults": {"max_leverage": 2.5}})
    assert err.value.field == "risk.defaults.max_leverage"
    with pytest.raises(ConfigError, match="max_lvrg"):
        RiskConfig.from_dict({"accounts": {"A": {"max_lvrg": "2"}}})


def test_self_trade_index_stays_bounded_as_orders_close() -> None:
    from tradecore.model import CancelOrder

    d = desk({"self_trade_prevention": True})
    for i in range(600):
        o = d.submit(Side.SELL, "0.001", str(110 + (i % 10)))
        d.engine.cancel(
            CancelOrder(client_order_id=o.order.client_order_id, account=o.order.account)
        )
        d.venue.sink.on_canceled(o.order.client_order_id)  # type: ignore[union-attr]
    execution = d.engine.gateway
    heaps = execution.resting._heaps  # type: ignore[union-attr]
    assert max(len(h) for h in heaps.values()) < 300  # compacted, not 600
    assert d.submit(Side.BUY, "1", "115").ok  # nothing resting: no false self-trade


def test_every_session_bound_instrument_must_name_its_calendar() -> None:
    from tradecore.engine import InstrumentRegistry
    from tradecore.model import AssetClass, spot

    eq = spot("SAP", "FAKE", tick="0.01", lot="1", quote="EUR", asset_class=AssetClass.EQUITY)
    fx = spot("EUR/USD", "FAKE", tick="0.00001", lot="1000", asset_class=AssetClass.FX)
    reg = InstrumentRegistry([eq, fx])
    with pytest.raises(ConfigError) as err:
        RiskConfig.from_dict({"calendars": {"EUR/USD": "24/7"}}).check_calendars(reg)
    assert err.value.field == "risk.calendars.SAP" and "names no calendar" in err.value.reason
    with pytest.raises(ConfigError) as err:
        RiskConfig.from_dict({"calendars": {"SAP": "XETR"}}).check_calendars(reg)
    assert err.value.field == "risk.calendars.EUR/USD"  # FX is checked too
    with pytest.raises(ConfigError) as err:
        RiskConfig.from_dict(
            {"calendars": {"SAP": "XNOPE", "EUR/USD": "24/7"}, "defaults": {"trading_hours": True}}
        ).check_calendars(reg)
    assert "unknown exchange calendar" in err.value.reason
    RiskConfig.from_dict({"calendars": {"SAP": "XETR", "EUR/USD": "24/7"}}).check_calendars(reg)


def test_trading_hours_applies_to_fx_and_a_24_7_calendar_is_always_open() -> None:
    d = desk({"trading_hours": True}, calendars={"SAP": "24/7"})
    d.clock.advance_to(1_767_880_800_000_000_000)  # Thu 14:00 UTC, any time
    assert d.submit(Side.BUY, "1", iid=SAP).ok


def test_an_instrument_calendar_key_satisfies_the_rule_and_24_7_means_no_session() -> None:
    from tradecore.bootstrap import instruments_from
    from tradecore.config import load_config
    from tradecore.engine import InstrumentRegistry
    from tradecore.model import AssetClass, spot

    own = spot(
        "SAP",
        "FAKE",
        tick="0.01",
        lot="1",
        quote="EUR",
        asset_class=AssetClass.EQUITY,
        calendar="XETR",
    )
    RiskConfig.from_dict({}).check_calendars(InstrumentRegistry([own]))  # its own key names it
    insts = {i.symbol: i for i in instruments_from(load_config(None))}
    assert insts["SAP"].calendar == "XETR" and insts["EUR/USD"].calendar is None  # "24/7"
