"""The connector's pieces against the real ccxt client and a local venue server: instruments
from ``load_markets``, exact books, paper mode (real books, simulated fills), credentials."""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tests.integration.venues.local import local_venue
from tradecore.errors import ConfigError
from tradecore.model.commands import SubmitOrder
from tradecore.model.enums import OrderStatus, OrderType, Side, TimeInForce
from tradecore.model.identifiers import AccountId, ClientOrderId, InstrumentId, Venue
from tradecore.venues.ccxt.adapter import CcxtVenueClient, CcxtVenueConfig
from tradecore.venues.ccxt.connect import make_exchange
from tradecore.venues.ccxt.credentials import Credentials, load_credentials
from tradecore.venues.ccxt.markets import to_decimal
from tradecore.venues.ccxt.wiring import build_live
from tradecore.venues.dialects.exchange import Exchange
from tradecore.venues.model import FeeSchedule

BTC = InstrumentId("BTC/USDT", "LOCAL")


@pytest.fixture
def venue(tmp_path: Path) -> Iterator[tuple[str, Exchange]]:
    with local_venue(tmp_path / "v.jsonl") as (url, exchange, _):
        yield url, exchange


def _client(url: str, *, keys: bool = True) -> CcxtVenueClient:
    from tradecore.venues.dialects.server import DEMO_KEY, DEMO_SECRET

    key, secret = (DEMO_KEY, DEMO_SECRET) if keys else (None, None)
    return CcxtVenueClient(
        Venue("LOCAL"),
        lambda: make_exchange("binance", api_key=key, secret=secret, base_url=url),
        CcxtVenueConfig(poll_interval_s=0.05, book_interval_s=0.05),
    )


def test_instruments_come_from_load_markets_with_the_venue_rules(
    venue: tuple[str, Exchange],
) -> None:
    c = _client(venue[0], keys=False)
    try:
        insts = {str(i.id): i for i in c.start()}
    finally:
        c.stop()
    assert set(insts) == {"BTC/USDT@LOCAL", "ETH/USDT@LOCAL"}
    btc, eth = insts["BTC/USDT@LOCAL"], insts["ETH/USDT@LOCAL"]
    assert (btc.tick_size, btc.lot_size, btc.min_quantity, btc.min_notional) == (
        Decimal("0.01"), Decimal("0.0001"), Decimal("0.0001"), Decimal(5),
    )  # fmt: skip
    assert eth.lot_size == Decimal("0.001") and str(btc.quote) == "USDT" and str(btc.base) == "BTC"
    assert btc.max_quantity == Decimal(9000)


def test_books_are_exact_decimals_on_the_tick_grid(venue: tuple[str, Exchange]) -> None:
    c = _client(venue[0], keys=False)
    try:
        c.start()
        system = build_live([(c, list(c.instruments.values()), FeeSchedule())])
        assert system.run_until(lambda: c.book(BTC) is not None, 10)
        book = c.book(BTC)
        assert book is not None
        assert [lvl.price for lvl in book.asks[:2]] == [Decimal("50000.05"), Decimal("50000.06")]
        assert all(
            type(lvl.price) is Decimal and lvl.price % Decimal("0.01") == 0 for lvl in book.bids
        )
        assert book.bids[0].price > book.bids[1].price  # best first
    finally:
        c.stop()


def test_to_decimal_reads_floats_by_their_shortest_text() -> None:
    assert to_decimal(0.1) == Decimal("0.1")
    assert to_decimal(42574.31) == Decimal("42574.31")
    assert to_decimal("0.01000000") == Decimal("0.01")
    assert to_decimal(50000.049999999996, Decimal("0.01")) == Decimal("50000.05")
    assert to_decimal(None) is None and to_decimal("") is None and to_decimal("nan") is None


def test_paper_mode_trades_against_the_venues_real_book_without_sending_it_orders(
    venue: tuple[str, Exchange],
) -> None:
    url, exchange = venue
    c = _client(url, keys=False)  # paper needs no API key
    try:
        insts = c.start()
        system = build_live([(c, insts, FeeSchedule(Decimal(0), Decimal(5)))], paper=True)
        paper = system.execution.clients[Venue("LOCAL")]

        def has_depth() -> bool:
            b = paper.book(BTC)
            return b is not None and bool(b.asks)

        assert system.run_until(has_depth, 10)
        cmd = SubmitOrder(
            client_order_id=ClientOrderId("PAPER1"), account=AccountId("a"), instrument_id=BTC,
            side=Side.BUY, order_type=OrderType.LIMIT, quantity=Decimal("0.7"),
            price=Decimal("50001"), time_in_force=TimeInForce.IOC,
        )  # fmt: skip
        assert system.engine.submit(cmd).ok
        order = system.engine.orders.get(ClientOrderId("PAPER1"))
        assert system.run_until(lambda: order.status.is_terminal, 10)
        assert order.status is OrderStatus.FILLED
        # the venue's own ladder: 0.5 at 50000.05, then 1.0 at 50000.06
        assert order.notional == Decimal("0.5") * Decimal("50000.05") + Decimal("0.2") * Decimal(
            "50000.06"
        )
        assert exchange.orders == {}  # nothing reached the venue
    finally:
        c.stop()


def test_credentials_from_env_or_a_private_secrets_file_and_never_shown(tmp_path: Path) -> None:
    env = {"TRADECORE_BINANCE_API_KEY": "k-1234", "TRADECORE_BINANCE_SECRET": "s3cr3t-value"}
    cred = load_credentials("binance", env=env)
    assert cred == Credentials("k-1234", "s3cr3t-value")
    assert "s3cr3t" not in repr(cred) and "s3cr3t" not in str(cred) and "k-1234" not in repr(cred)
    with pytest.raises(ConfigError, match="SECRET"):
        load_credentials("binance", env={"TRADECORE_BINANCE_API_KEY": "k"})
    f = tmp_path / "secrets.toml"
    f.write_text('[binance]\napi_key = "fk-9876"\nsecret = "file-secret"\n')
    os.chmod(f, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_credentials("binance", f, env={})
    os.chmod(f, 0o600)
    assert load_credentials("binance", f, env={}) == Credentials("fk-9876", "file-secret")
    assert load_credentials("kraken", f, env={}) is None
    assert load_credentials("binance", None, env={}) is None


def test_markets_are_refreshed_and_a_changed_rule_is_logged(
    venue: tuple[str, Exchange], caplog: pytest.LogCaptureFixture
) -> None:
    import dataclasses
    import logging
    import time

    url, exchange = venue
    c = CcxtVenueClient(
        Venue("LOCAL"),
        lambda: make_exchange("binance", base_url=url),
        CcxtVenueConfig(poll_interval_s=0.05, book_interval_s=0.05, markets_refresh_s=0.1),
    )
    caplog.set_level(logging.WARNING, logger="tradecore.venues.ccxt")
    try:
        c.start()
        m = exchange.markets["BTCUSDT"]
        exchange.markets["BTCUSDT"] = dataclasses.replace(m, tick=Decimal("0.1"))
        end = time.monotonic() + 10
        while time.monotonic() < end and not c.rule_changes:
            time.sleep(0.05)
    finally:
        c.stop()
    assert c.rule_changes == ["BTC/USDT@LOCAL tick_size 0.01 -> 0.1"]
    assert "BTC/USDT@LOCAL tick_size 0.01 -> 0.1" in caplog.text
    assert c.instruments[BTC].tick_size == Decimal("0.1")


def test_refreshed_rules_reach_the_engine_registry_and_its_checks(
    venue: tuple[str, Exchange], caplog: pytest.LogCaptureFixture
) -> None:
    import dataclasses
    import logging

    url, exchange = venue
    cfg = CcxtVenueConfig(poll_interval_s=0.05, book_interval_s=0.05, markets_refresh_s=0.1)
    c = _client(url)
    c.config = cfg
    system = build_live([(c, c.start(), FeeSchedule(Decimal(2), Decimal(5)))])
    caplog.set_level(logging.WARNING, logger="tradecore.venues.ccxt")

    def order(coid: str, px: str) -> SubmitOrder:
        return SubmitOrder(
            client_order_id=ClientOrderId(coid), account=AccountId("a"), instrument_id=BTC,
            side=Side.BUY, order_type=OrderType.LIMIT, quantity=Decimal("0.01"),
            price=Decimal(px), time_in_force=TimeInForce.GTC,
        )  # fmt: skip

    try:
        assert system.engine.submit(order("T1", "49000.05")).ok  # on the 0.01 grid
        m = exchange.markets["BTCUSDT"]
        exchange.markets["BTCUSDT"] = dataclasses.replace(m, tick=Decimal("0.1"))
        registry = system.engine.instruments
        assert system.run_until(lambda: registry.get(BTC).tick_size == Decimal("0.1"), 10)
        assert registry.venues_for("BTC/USDT")[0].tick_size == Decimal("0.1")
        off_grid = system.engine.submit(order("T2", "49000.05"))
        assert not off_grid.ok and off_grid.denial is not None
        assert "tick" in off_grid.denial.message.lower()
        assert system.engine.submit(order("T3", "49000.1")).ok
    finally:
        system.stop()
    assert "BTC/USDT@LOCAL tick_size 0.01 -> 0.1" in caplog.text
