"""The local exchange behind every dialect (``venues/dialects/exchange.py``), driven directly:
its refusals, time in force, fills of resting orders when the market makers re-quote through
them, balance locks, and the journal it rebuilds its state from after a kill."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from pathlib import Path

import pytest

from tradecore.model.enums import Side
from tradecore.venues.dialects.exchange import (
    Exchange,
    ExchangeConfig,
    ExchangeError,
    Market,
    Trade,
)
from tradecore.venues.dialects.server import default_markets

D = Decimal
INITIAL = (("USDT", D(10_000_000)), ("BTC", D(1000)), ("ETH", D(1000)))


def _exchange(journal: Path | None = None, markets: tuple[Market, ...] | None = None) -> Exchange:
    cfg = ExchangeConfig(markets or default_markets(5, {}), initial=INITIAL)
    return Exchange(cfg, journal, now_ms=lambda: 1_000)


def _refusal(ex: Exchange, *args: object) -> ExchangeError:
    with pytest.raises(ExchangeError) as info:
        ex.place("a", *args)  # type: ignore[arg-type]
    return info.value


# BTCUSDT's ladder (mid 50000, tick 0.01, 5 ticks half spread): asks 50000.05 x 0.5,
# 50000.06 x 1.0, ... ten levels of 0.5 * n (27.5 in all); bids 49999.95 x 0.5, ...


def test_fok_that_cannot_fill_completely_expires_without_a_trade() -> None:
    ex = _exchange()
    seen: list[str] = []
    ex.listeners.append(lambda kind, o, t: seen.append(kind))
    o = ex.place("a", "BTCUSDT", Side.BUY, "LIMIT", "FOK", D(1), D("50000.05"), "fok1")
    assert (o.status, o.executed, o.trades) == ("EXPIRED", D(0), [])
    assert seen == ["NEW", "EXPIRED"]
    assert ex.trades == [] and ex.balance("a")["USDT"] == (D(10_000_000), D(0))
    assert not o.open and ex.open_orders("a", None) == []


def test_ioc_fills_what_it_reaches_and_expires_the_rest_with_the_taker_fee() -> None:
    ex = _exchange()
    seen: list[str] = []
    ex.listeners.append(lambda kind, o, t: seen.append(kind))
    o = ex.place("a", "BTCUSDT", Side.BUY, "LIMIT", "IOC", D(1), D("50000.05"), "ioc1")
    assert (o.status, o.executed) == ("EXPIRED", D("0.5"))
    [t] = o.trades
    assert (t.price, t.qty, t.maker) == (D("50000.05"), D("0.5"), False)
    # 0.5 * 50000.05 * 5 bps = 12.5000125, to 8 places half-even
    assert t.commission == D("12.50001250")
    assert seen == ["NEW", "TRADE", "EXPIRED"]
    free, locked = ex.balance("a")["USDT"]
    assert free == D(10_000_000) - D("0.5") * D("50000.05") - D("12.50001250") and locked == 0
    assert ex.balance("a")["BTC"] == (D("1000.5"), D(0))


def test_a_market_order_beyond_the_ladder_fills_every_level_and_expires_its_rest() -> None:
    ex = _exchange()
    o = ex.place("a", "BTCUSDT", Side.SELL, "MARKET", "GTC", D(28), None, "mkt1")
    assert o.status == "EXPIRED" and o.executed == D("27.5")  # 0.5 + 1.0 + ... + 5.0
    assert [t.price for t in o.trades][:2] == [D("49999.95"), D("49999.94")]
    assert o.quote_qty == sum((t.price * t.qty for t in o.trades), D(0))
    assert ex.books["BTCUSDT"].depth(Side.BUY, 1) == []  # every bid level taken
    assert ex.open_orders("a", None) == []  # and nothing of it rests


def test_a_resting_order_is_filled_as_maker_at_its_price_when_the_makers_requote_through_it() -> (
    None
):
    ex = _exchange()
    bid = ex.place("a", "BTCUSDT", Side.BUY, "LIMIT", "GTC", D("0.2"), D("49999.99"), "rest1")
    assert bid.status == "NEW" and bid.executed == 0
    # the market moves down: the makers' asks now start at 49990.05, through our bid
    ex.markets["BTCUSDT"] = dataclasses.replace(ex.markets["BTCUSDT"], mid=D(49_990))
    events: list[tuple[str, int, Trade | None]] = []
    ex.listeners.append(lambda kind, o, t: events.append((kind, o.id, t)))
    other = ex.place("b", "BTCUSDT", Side.SELL, "LIMIT", "GTC", D("0.1"), D(60_000), "far1")
    assert bid.status == "FILLED" and bid.executed == D("0.2")
    [t] = bid.trades
    assert (t.price, t.qty, t.maker) == (D("49999.99"), D("0.2"), True)
    assert t.commission == D("1.99999960")  # 0.2 * 49999.99 * 2 bps (maker)
    assert [(k, i) for k, i, _ in events] == [("NEW", other.id), ("TRADE", bid.id)]
    assert other.status == "NEW"  # the order that triggered the re-quote rests, untouched


def test_resting_orders_lock_quote_for_buys_and_base_for_sells() -> None:
    ex = _exchange()
    ex.place("a", "BTCUSDT", Side.SELL, "LIMIT", "GTC", D(2), D(50_001), "s1")
    ex.place("a", "BTCUSDT", Side.BUY, "LIMIT", "GTC", D("0.5"), D(49_000), "b1")
    bal = ex.balance("a")
    assert bal["BTC"] == (D(998), D(2))
    assert bal["USDT"] == (D(10_000_000) - D(24_500), D(24_500))
    assert bal["ETH"] == (D(1000), D(0))
    assert ex.balance("b")["BTC"] == (D(1000), D(0))  # another account: its own wallet


def test_refusals_name_their_filter_and_change_nothing() -> None:
    fine_lot = Market("BTC", "USDT", D("0.01"), D("0.0001"), D("0.001"), D(5), D(50_000))
    ex = _exchange(markets=(fine_lot,))
    ex.place("a", "BTCUSDT", Side.BUY, "LIMIT", "GTC", D("0.01"), D(49_000), "dup")
    cases = {
        "duplicate": ("BTCUSDT", Side.BUY, "LIMIT", "GTC", D("0.01"), D(49_000), "dup"),
        "lot": ("BTCUSDT", Side.BUY, "LIMIT", "GTC", D("0.00015"), D(49_000), "l1"),
        "post_only": ("BTCUSDT", Side.BUY, "LIMIT_MAKER", "GTC", D("0.01"), D("50000.05"), "p1"),
        "bad_symbol": ("DOGEUSDT", Side.BUY, "LIMIT", "GTC", D(1), D(1), "x1"),
        # 0.001 * 4999 = 4.999, below the 5 USDT minimum notional
        "notional": ("BTCUSDT", Side.BUY, "LIMIT", "GTC", D("0.001"), D(4_999), "n1"),
    }
    for kind, args in cases.items():
        assert _refusal(ex, *args).kind == kind, kind
    # a multiple of the lot below the minimum quantity is a LOT_SIZE failure too
    below_min = _refusal(ex, "BTCUSDT", Side.BUY, "LIMIT", "GTC", D("0.0005"), D(49_000), "m1")
    assert (below_min.kind, below_min.message) == ("lot", "Filter failure: LOT_SIZE")
    post = _refusal(ex, *cases["post_only"])
    assert post.message == "Order would immediately match and take."
    assert len(ex.orders) == 1 and ex.trades == []
    # a post-only order that does not cross rests
    maker = ex.place("a", "BTCUSDT", Side.BUY, "LIMIT_MAKER", "GTC", D("0.01"), D(49_999), "p2")
    assert maker.status == "NEW" and maker.open


def test_cancel_and_replace_of_a_closed_order_are_refused() -> None:
    ex = _exchange()
    o = ex.place("a", "BTCUSDT", Side.BUY, "LIMIT", "GTC", D("0.1"), D(49_000), "c1")
    assert ex.cancel("a", "BTCUSDT", None, "c1").status == "CANCELED"
    with pytest.raises(ExchangeError) as again:
        ex.cancel("a", "BTCUSDT", o.id, None)
    assert again.value.kind == "unknown_order"
    with pytest.raises(ExchangeError) as rep:
        ex.replace("a", "BTCUSDT", o.id, None, Side.BUY, "LIMIT", "GTC", D("0.1"), D(49_001), "c2")
    assert (rep.value.kind, rep.value.message) == ("cancel_unknown", "Unknown order sent.")
    with pytest.raises(ExchangeError):  # the replacement was never placed
        ex.find("a", "BTCUSDT", None, "c2")


def test_a_replacement_that_fails_its_checks_leaves_the_original_working() -> None:
    ex = _exchange()
    o = ex.place("a", "BTCUSDT", Side.BUY, "LIMIT", "GTC", D("0.1"), D(49_000), "r1")
    with pytest.raises(ExchangeError) as info:
        ex.replace("a", "BTCUSDT", o.id, None, Side.BUY, "LIMIT", "GTC", D("0.1"), D("1.001"), "r2")
    assert info.value.kind == "price"
    assert o.status == "NEW" and ex.open_orders("a", "BTCUSDT") == [o]


def _state(ex: Exchange) -> list[tuple[int, str, str, Decimal]]:
    return [(o.id, o.client_id, o.status, o.executed) for o in ex.orders.values()]


def test_the_journal_rebuilds_orders_and_cancels_and_skips_a_torn_last_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ex.jsonl"
    ex = _exchange(path)
    ex.place("a", "BTCUSDT", Side.BUY, "LIMIT", "GTC", D("0.1"), D(49_000), "j1")
    ex.cancel("a", "BTCUSDT", None, "j1")
    ex.place("a", "BTCUSDT", Side.BUY, "LIMIT", "IOC", D(1), D("50000.05"), "j2")
    ex.place("a", "ETHUSDT", Side.SELL, "LIMIT", "GTC", D(1), D(3_100), "j3")
    before = _state(ex)
    ex.close()
    with path.open("a", encoding="utf-8") as f:
        f.write("\n   \n")  # blank lines are skipped
        f.write('{"op": "order", "account": "a", "sym')  # killed mid-write: never answered
    again = _exchange(path)
    try:
        assert _state(again) == before
        assert before[0][2] == "CANCELED" and before[1][2:] == ("EXPIRED", D("0.5"))
        assert [t.id for t in again.trades] == [1]
        assert again.balance("a")["ETH"] == (D(999), D(1))  # the resting sell still locks
        nxt = again.place("a", "BTCUSDT", Side.BUY, "LIMIT", "GTC", D("0.1"), D(49_000), "j4")
        assert nxt.id == 4
        with pytest.raises(ExchangeError):  # its client order id is still taken
            again.place("a", "BTCUSDT", Side.BUY, "LIMIT", "GTC", D("0.1"), D(49_000), "j1")
    finally:
        again.close()


def test_commands_after_a_torn_line_survive_a_second_restart(tmp_path: Path) -> None:
    path = tmp_path / "ex.jsonl"
    ex = _exchange(path)
    ex.place("a", "BTCUSDT", Side.BUY, "LIMIT", "GTC", D("0.1"), D(49_000), "t1")
    ex.close()
    with path.open("a", encoding="utf-8") as f:
        f.write('{"op": "order", "acc')  # a SIGKILL in the middle of a write
    second = _exchange(path)
    second.place("a", "BTCUSDT", Side.BUY, "LIMIT", "GTC", D("0.1"), D(48_000), "t2")
    second.close()
    third = _exchange(path)
    try:
        assert [o.client_id for o in third.orders.values()] == ["t1", "t2"]
    finally:
        third.close()


def test_a_journaled_command_refused_on_replay_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "ex.jsonl"
    ok = {"op": "order", "account": "a", "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
          "tif": "GTC", "qty": "0.1", "price": "49000", "client_id": "k1", "ts": 5}  # fmt: skip
    off_tick = ok | {"price": "49000.001", "client_id": "k2"}
    path.write_text("\n".join(json.dumps(c) for c in (ok, off_tick, ok)) + "\n", encoding="utf-8")
    ex = _exchange(path)
    try:
        assert [(o.client_id, o.price, o.time_ms) for o in ex.orders.values()] == [
            ("k1", D(49_000), 5)
        ]
    finally:
        ex.close()


def test_orders_are_found_only_by_their_own_account_and_symbol() -> None:
    ex = _exchange()
    o = ex.place("a", "BTCUSDT", Side.BUY, "LIMIT", "GTC", D("0.1"), D(49_000), "f1")
    assert ex.find("a", "BTCUSDT", o.id, None) is o
    assert ex.find("a", "BTCUSDT", None, "f1") is o
    for account, symbol in (("b", "BTCUSDT"), ("a", "ETHUSDT")):
        with pytest.raises(ExchangeError) as info:
            ex.find(account, symbol, o.id, None)
        assert info.value.kind == "unknown_order"
