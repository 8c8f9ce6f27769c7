"""``tradecore record`` -> the replay path: books recorded through ccxt from a local venue
(its top of book moved by another trader meanwhile) replay into the engine, and two runs on
the same file reach the same state digest."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from tests.integration.venues.local import local_venue
from tradecore.cli import app
from tradecore.config import load_config
from tradecore.demo import run_demo
from tradecore.marketdata import replay
from tradecore.venues.ccxt.connect import make_exchange
from tradecore.venues.dialects.server import DEMO_KEY, DEMO_SECRET

CONFIG = """
[engine]
seed = 3
base_currency = "USD"
initial_cash = "1000000"
[marketdata]
replay = "{books}"
[demo]
seconds = 5
order_every = 1
account = "DEMO"
[risk]
enabled = false
[[instruments]]
symbol = "BTC/USDT"
tick = "0.01"
lot = "0.0001"
min_quantity = "0.0001"
start_price = "50000"
[[venues]]
name = "BINANCE"
taker_bps = "5"
maker_bps = "2"
"""


async def _move_the_book(url: str, stop: asyncio.Event) -> None:
    """Another trader improves the best bid step by step (new top of book each time)."""
    ex = make_exchange("binance", api_key=DEMO_KEY, secret=DEMO_SECRET, base_url=url)
    taker = make_exchange("binance", api_key="other", secret="other-secret", base_url=url)
    try:
        await ex.load_markets()
        await taker.load_markets()
        k = 0
        while not stop.is_set():
            k += 1
            px = str(Decimal("49999.95") + Decimal("0.001") * 10 * min(k, 8))
            await ex.create_order("BTC/USDT", "limit", "buy", "0.01", px)
            await taker.create_order("BTC/USDT", "market", "sell", "0.003")  # a public trade
            await asyncio.sleep(0.15)
    finally:
        await ex.close()
        await taker.close()


def test_recorded_books_replay_to_the_same_digest_twice(tmp_path: Path) -> None:
    books, trades = tmp_path / "books.parquet", tmp_path / "trades.parquet"
    keys = ((DEMO_KEY, DEMO_SECRET), ("other", "other-secret"))
    with local_venue(tmp_path / "v.jsonl", keys=keys) as (url, _, _):

        async def mover() -> None:
            stop = asyncio.Event()
            task = asyncio.ensure_future(_move_the_book(url, stop))
            await asyncio.sleep(4.0)  # generous: a loaded machine records fewer books
            stop.set()
            await task

        import threading

        t = threading.Thread(target=lambda: asyncio.run(mover()))
        t.start()
        res = CliRunner().invoke(app, [
            "record", "--url", url, "--symbol", "BTC/USDT", "--seconds", "4",
            "--interval-ms", "50", "--out", str(books), "--trades", str(trades),
        ])  # fmt: skip
        t.join()
    assert res.exit_code == 0, res.output
    rows = replay.read(books)
    assert len(rows) >= 10
    assert len({r.bids[0][0] for r in rows}) >= 3  # the top of book moved while recording
    assert all(str(r.instrument_id) == "BTC/USDT@BINANCE" for r in rows)
    import pyarrow.parquet as pq

    tape = pq.read_table(trades).to_pylist()
    assert tape and len({t["trade_id"] for t in tape}) == len(tape)  # each trade once

    cfg_file = tmp_path / "replay.toml"
    cfg_file.write_text(CONFIG.format(books=books))
    cfg = load_config(cfg_file)
    first, second = run_demo(cfg), run_demo(load_config(cfg_file))
    assert first.orders > 0
    assert first.state_digest == second.state_digest


def test_record_refuses_an_unlisted_symbol_with_a_clear_error(tmp_path: Path) -> None:
    with local_venue(tmp_path / "v.jsonl") as (url, _, _):
        res = CliRunner().invoke(app, [
            "record", "--url", url, "--symbol", "DOGE/USDT", "--seconds", "1",
            "--out", str(tmp_path / "b.parquet"),
        ])  # fmt: skip
    assert res.exit_code == 2
    assert "--symbol" in res.output and "DOGE/USDT" in res.output
    assert "Traceback" not in res.output
