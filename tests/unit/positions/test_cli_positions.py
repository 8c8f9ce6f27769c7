"""`tradecore positions` and `tradecore analytics` through the CLI, as users run them."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from scipy.stats import norm
from typer.testing import CliRunner

from tradecore.cli import app

HEADER = "timestamp,account,instrument,side,quantity,price,fee,fee_currency\n"


def write(tmp: Path, name: str, text: str) -> Path:
    p = tmp / name
    p.write_text(text)
    return p


def test_positions_json_follows_the_data_contract(tmp_path: Path) -> None:
    fills = write(tmp_path, "f.csv", HEADER + (
        "2026-01-02T10:00:00Z,A1,BTC/USD,BUY,1,100,0.1,USD\n"
        "2026-01-02T10:01:00Z,A1,BTC/USD,BUY,2,200,0.2,USD\n"
        "2026-01-02T10:02:00Z,A1,BTC/USD,SELL,1,300,0.3,USD\n"
        "2026-01-02T10:03:00Z,A1,SAP,BUY,10,150.25,1,EUR\n"
        "2026-01-02T10:04:00Z,A1,ETH/USD,BUY,1,10,0,USD\n"
        "2026-01-02T10:05:00Z,A1,ETH/USD,SELL,1,12,0,USD\n"
    ))  # fmt: skip
    marks = write(tmp_path, "m.csv", "instrument,price\nBTC/USD,240\nSAP,151\n")
    res = CliRunner().invoke(
        app,
        [
            "positions",
            "--fills",
            str(fills),
            "--marks",
            str(marks),
            "--method",
            "fifo",
            "--json",
            "--currency",
            "EUR",
        ],
    )
    assert res.exit_code == 0, res.output
    by = {p["instrument"]: p for p in json.loads(res.output)["positions"]}
    assert by["BTC/USD"]["quantity"] == "2" and by["BTC/USD"]["avg_price"] == "200"
    assert by["BTC/USD"]["realized_pnl"] == "200" and by["BTC/USD"]["unrealized_pnl"] == "80"
    assert by["SAP"]["currency"] == "EUR" and by["SAP"]["unrealized_pnl"] == "7.50"
    assert by["ETH/USD"]["avg_price"] is None and by["ETH/USD"]["quantity"] == "0"
    assert by["ETH/USD"]["realized_pnl"] == "2"


def test_malformed_row_names_line_and_column_and_nothing_is_printed(tmp_path: Path) -> None:
    fills = write(
        tmp_path,
        "f.csv",
        HEADER
        + "2026-01-02T10:00:00Z,A1,BTC/USD,BUY,1,100,0,USD\n2026-01-02T10:00:00Z,A1,BTC/USD,HOLD,1,100,0,USD\n",
    )
    res = CliRunner().invoke(app, ["positions", "--fills", str(fills), "--json"])
    assert res.exit_code == 2
    assert "line 3, column side" in res.output and "Traceback" not in res.output
    assert "positions" not in res.stdout


def test_float_like_text_is_exact_and_a_thousand_tenths_make_a_hundred(tmp_path: Path) -> None:
    rows = "".join("2026-01-02T10:00:00Z,A,X/USD,BUY,0.1,1,0,USD\n" for _ in range(1000))
    fills = write(tmp_path, "f.csv", HEADER + rows)
    res = CliRunner().invoke(app, ["positions", "--fills", str(fills), "--json"])
    assert json.loads(res.output)["positions"][0]["quantity"] == "100.0"


def test_analytics_matches_the_documented_formulas(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    r = rng.normal(0.0005, 0.01, 300).round(6)
    text = "date,return\n" + "".join(f"2025-01-{i:04d},{x}\n" for i, x in enumerate(r))
    res = CliRunner().invoke(
        app, ["analytics", "--returns", str(write(tmp_path, "r.csv", text)), "--json"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    mean, sd = r.mean(), r.std(ddof=1)
    eq = np.concatenate(([1.0], np.cumprod(1 + r)))
    assert math.isclose(out["volatility"], sd * math.sqrt(252), rel_tol=1e-12)
    assert math.isclose(out["sharpe"], mean / sd * math.sqrt(252), rel_tol=1e-12)
    assert math.isclose(
        out["sortino"],
        mean / math.sqrt((r[r < 0] ** 2).sum() / len(r)) * math.sqrt(252),
        rel_tol=1e-12,
    )
    assert math.isclose(
        out["max_drawdown"], (eq / np.maximum.accumulate(eq) - 1).min(), rel_tol=1e-12
    )
    assert math.isclose(out["cagr"], np.prod(1 + r) ** (252 / len(r)) - 1, rel_tol=1e-12)
    z = norm.ppf(0.05)
    assert math.isclose(out["value_at_risk"], mean + sd * z, rel_tol=1e-12)
    assert math.isclose(
        out["conditional_value_at_risk"], mean - sd * norm.pdf(z) / 0.05, rel_tol=1e-12
    )
    assert out["value_at_risk"] < 0 and out["max_drawdown"] < 0


def test_analytics_hand_worked_drawdown_and_plot(tmp_path: Path) -> None:
    # equity 1.0 -> 1.1 -> 0.88 -> 0.968: worst drawdown 0.88/1.1 - 1 = -20%
    returns = write(tmp_path, "r.csv", "date,return\nd1,0.1\nd2,-0.2\nd3,0.1\n")
    png = tmp_path / "eq.png"
    res = CliRunner().invoke(
        app, ["analytics", "--returns", str(returns), "--json", "--plot", str(png)]
    )
    assert res.exit_code == 0, res.output
    assert math.isclose(json.loads(res.output)["max_drawdown"], -0.2, rel_tol=1e-12)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_analytics_bad_return_is_reported_with_its_line(tmp_path: Path) -> None:
    returns = write(tmp_path, "r.csv", "date,return\nd1,0.1\nd2,oops\n")
    res = CliRunner().invoke(app, ["analytics", "--returns", str(returns)])
    assert res.exit_code == 2 and "line 3, column return" in res.output


def test_positions_table_shows_each_position_with_its_pnl_and_fees(tmp_path: Path) -> None:
    fills = write(tmp_path, "f.csv", HEADER + (
        "2026-01-02T10:00:00Z,A1,BTC/USD,BUY,1,100,0.1,USD\n"
        "2026-01-02T10:01:00Z,A1,BTC/USD,BUY,2,200,0.2,USD\n"
        "2026-01-02T10:02:00Z,A1,BTC/USD,SELL,1,300,0.3,USD\n"
        "2026-01-02T10:04:00Z,B2,ETH/USD,BUY,1,10,0,USD\n"
    ))  # fmt: skip
    res = CliRunner().invoke(
        app, ["positions", "--fills", str(fills), "--method", "fifo"], terminal_width=200
    )
    assert res.exit_code == 0, res.output
    assert "positions (fifo)" in res.output
    cells = [[c for c in line.split() if c != "│"] for line in res.output.splitlines()]
    rows = {r[0]: r for r in cells if r and r[0] in ("A1", "B2")}
    btc = rows["A1"]
    assert btc[:5] == ["A1", "BTC/USD", "2", "200", "200"]  # FIFO: sold the lot at 100
    assert btc[5] == "-"  # no mark: no unrealized PnL
    assert "0.6" in btc and "USD" in btc  # the fees, per currency
    eth = rows["B2"]
    assert eth[:4] == ["B2", "ETH/USD", "1", "10"]
