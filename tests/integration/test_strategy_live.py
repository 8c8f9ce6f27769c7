"""One strategy file, three runs: the Python API, ``tradecore backtest``, and live through
the serve runner, with the same fills for the same seed and data."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from typer.testing import CliRunner

import tradecore
from tradecore.bootstrap import market_source
from tradecore.cli import app
from tradecore.cli.serve import build_service
from tradecore.config import load_config
from tradecore.marketdata import replay
from tradecore.strategy import BacktestResult, backtest
from tradecore.strategy.live import result, run_for

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MM = EXAMPLES / "market_maker.py"


def _key(f: dict[str, object]) -> tuple[object, ...]:
    return tuple(sorted(f.items()))


def test_the_same_strategy_file_gives_the_same_fills_live_through_serve() -> None:
    seconds = 20
    bt = backtest(MM, seconds=seconds)
    last_data_ts = bt.report["equity"][0]["ts"] + (seconds * 10 - 1) * 100_000_000
    _, service, _ = build_service(
        None, None, speed=1000, demo_flow=False, journal=None, strategy=MM
    )
    asyncio.run(run_for(service, seconds + 1))
    live = result(service.system, service.system.extras["strategies"], "serve")
    want = [f for f in bt.report["fills"] if f["ts"] <= last_data_ts]
    got = [f for f in live.report["fills"] if f["ts"] <= last_data_ts]
    assert len(want) > 5
    assert got == want
    # the orders the strategy sent in that window, too
    sent = lambda r: [o["ids"] for o in r.report["orders"]]  # noqa: E731
    assert sent(live)[: len(sent(bt)) - 2] == sent(bt)[: len(sent(bt)) - 2]


def test_python_api_top_level_name_returns_a_result() -> None:
    res = tradecore.backtest(MM, seconds=5)
    assert isinstance(res, BacktestResult)
    assert repr(res).startswith("BacktestResult(MarketMaker: ")


def test_cli_backtest_on_recorded_data_writes_html_and_json(tmp_path: Path) -> None:
    data = tmp_path / "quotes.csv"
    replay.write_csv(data, market_source(load_config(), 10))
    out = tmp_path / "rep"
    r = CliRunner().invoke(app, ["backtest", str(MM), "--data", str(data), "--out", str(out)])
    assert r.exit_code == 0, r.output
    rep = json.loads((out / "market_maker.json").read_text())
    assert rep["meta"]["data"] == str(data) and rep["stats"]["fills"] > 0
    assert (out / "market_maker.html").read_text().startswith("<!doctype html>")
    # the same data through the Python API gives the same report
    assert backtest(MM, data=data).to_json() == (out / "market_maker.json").read_text()


def test_cli_backtest_bad_input_is_one_error_line(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["backtest", str(MM), "--data", "x.csv", "--synthetic"])
    assert r.exit_code == 2 and "--data" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(app, ["backtest", str(tmp_path / "nope.py")])
    assert r.exit_code == 2 and "strategy file not found" in r.output
    bad = tmp_path / "bad.py"
    bad.write_text("x = 1\n")
    r = CliRunner().invoke(app, ["backtest", str(bad)])
    assert r.exit_code == 2 and "defines no tradecore.strategy.Strategy subclass" in r.output


def test_cli_run_strategy_live_writes_the_same_report_shape(tmp_path: Path) -> None:
    jr = tmp_path / "live.db"
    r = CliRunner().invoke(
        app, ["run", "--strategy", str(MM), "--seconds", "3", "--speed", "1000",
              "--out", str(tmp_path), "--journal", str(jr)],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    rep = json.loads((tmp_path / "market_maker.json").read_text())
    assert set(rep) == {"meta", "stats", "equity", "samples", "fills", "orders", "alerts"}
    assert rep["stats"]["fills"] > 0 and "MarketMaker" in r.output
    # the run was journaled: the audit trail has the strategy's orders
    r = CliRunner().invoke(app, ["audit", "--journal", str(jr), "--order", "MarketMaker-1"])
    assert r.exit_code == 0 and "MarketMaker-1" in r.output


def test_a_failing_live_strategy_is_in_the_journal_audit_trail(tmp_path: Path) -> None:
    boom = tmp_path / "boom.py"
    boom.write_text(
        "from tradecore.strategy import Strategy\n\n\n"
        "class Boom(Strategy):\n"
        "    account = 'BOOM'\n\n"
        "    def on_start(self):\n"
        "        self.subscribe('BTC/USD@SIMA')\n\n"
        "    def on_quote(self, quote):\n"
        "        raise RuntimeError('boom')\n"
    )
    jr = tmp_path / "j.db"
    r = CliRunner().invoke(
        app, ["run", "--strategy", str(boom), "--seconds", "2", "--speed", "1000",
              "--journal", str(jr), "--out", str(tmp_path)],
    )  # fmt: skip
    assert r.exit_code == 0 and "RuntimeError: boom (in on_quote)" in r.output
    r = CliRunner().invoke(app, ["audit", "--journal", str(jr), "--account", "BOOM", "--json"])
    assert r.exit_code == 0 and "StrategyAlert" in r.output and "RuntimeError: boom" in r.output
