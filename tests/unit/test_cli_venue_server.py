"""``tradecore venue-server`` and ``tradecore record``: bad input is one error line naming the
option (exit 2), before a port is bound or a file is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecore.cli import app


def _error(*args: str) -> str:
    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == 2, res.output
    lines = res.output.splitlines()
    assert len(lines) == 1 and "Traceback" not in res.output, res.output
    return lines[0]


@pytest.mark.parametrize("port", ["65536", "-1"])
def test_a_port_out_of_range_is_refused(port: str) -> None:
    assert _error("venue-server", "--port", port) == (f"error: --port: {port} is not a port number")


def test_a_spread_below_one_tick_is_refused() -> None:
    assert _error("venue-server", "--spread-ticks", "0") == "error: --spread-ticks: must be >= 1"


def test_every_key_is_checked_even_after_one_with_a_passphrase(tmp_path: Path) -> None:
    port_file = tmp_path / "port"
    line = _error(
        "venue-server", "--key", "k1:s1:phrase", "--key", "k2:", "--port-file", str(port_file)
    )
    assert line == "error: --key: expected KEY:SECRET or KEY:SECRET:PASSPHRASE"
    assert not port_file.exists()  # refused before listening


@pytest.mark.parametrize("opt", [("--seconds", "0"), ("--seconds", "-2"), ("--interval-ms", "0")])
def test_record_needs_a_positive_duration_and_interval(
    tmp_path: Path, opt: tuple[str, str]
) -> None:
    out = tmp_path / "books.parquet"
    assert _error("record", "--out", str(out), *opt) == (
        "error: --seconds/--interval-ms: must be > 0"
    )
    assert not out.exists()


def test_record_names_an_unknown_exchange(tmp_path: Path) -> None:
    out = tmp_path / "books.parquet"
    line = _error("record", "--out", str(out), "--exchange", "nosuchex")
    assert line == "error: --exchange: ccxt has no exchange 'nosuchex'"
    assert not out.exists()


def test_record_from_a_venue_server_that_does_not_answer_names_the_url(tmp_path: Path) -> None:
    out, url = tmp_path / "books.parquet", "http://127.0.0.1:1"  # nothing listens on port 1
    line = _error("record", "--out", str(out), "--url", url, "--seconds", "1")
    assert line.startswith("error: --url: ExchangeNotAvailable: binance GET ")
    assert url in line
    assert not out.exists()
