"""The audit's CLI findings: each input once gave a traceback; now one ``error:`` line, exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tradecore.cli import app

HEADER = "timestamp,account,instrument,side,quantity,price,fee,fee_currency\n"


def run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.output


def one_error_line(out: str) -> str:
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1, out
    assert lines[0].startswith("error: "), out
    assert "Traceback" not in out
    return lines[0]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("2024-01-01T00:00:00Z,A,BTC/USD,BUY,1e999999,1,0,USD\n", "line 2, column quantity"),
        ('"2024-01-01T00:00:00Z,A,BTC/USD,BUY,1,1,0,USD\n', "line 2"),
        (",,,,,,,,,,,\n", "line 2: 4 more field(s)"),
        ("2024-01-01T00:00:00Z,A,BTC/USD,BUY,1,NaN,0,USD\n", "line 2, column price"),
    ],
)
def test_a_bad_fills_csv_is_one_line_naming_the_line(tmp_path: Path, body: str, says: str) -> None:
    p = tmp_path / "fills.csv"
    p.write_text(HEADER + body)
    code, out = run("positions", "--fills", str(p))
    assert code == 2
    assert says in one_error_line(out)


def _returns(tmp_path: Path, values: list[str]) -> Path:
    p = tmp_path / "r.csv"
    p.write_text(
        "date,return\n" + "".join(f"2024-01-{i + 1:02d},{v}\n" for i, v in enumerate(values))
    )
    return p


def test_analytics_plot_into_a_missing_directory(tmp_path: Path) -> None:
    code, out = run("analytics", "--returns", str(_returns(tmp_path, ["0.01", "0.02", "-0.01"])),
                    "--plot", "/nonexistent/x.png", "--simulations", "1000")  # fmt: skip
    assert code == 2
    assert one_error_line(out).startswith("error: --plot: /nonexistent is not a directory")


def test_analytics_json_is_valid_json_for_constant_returns(tmp_path: Path) -> None:
    code, out = run("analytics", "--returns", str(_returns(tmp_path, ["0.01"] * 5)), "--json",
                    "--simulations", "1000")  # fmt: skip
    assert code == 0
    json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} is not JSON"))


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    p = tmp_path / "j.db"
    code, out = run("run", "--seconds", "20", "--journal", str(p))
    assert code == 0, out
    return p


def test_replay_and_audit_on_a_journal_corrupted_mid_file(journal: Path) -> None:
    data = bytearray(journal.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 4096] = b"\xa5" * 4096
    journal.write_bytes(bytes(data))
    for args in (["replay"], ["audit", "--account", "DEMO"]):
        code, out = run(*args, "--journal", str(journal))
        assert code == 2
        assert "damaged" in one_error_line(out)


def test_replay_of_a_missing_file(tmp_path: Path) -> None:
    code, out = run("replay", "--journal", str(tmp_path / "nope.db"))
    assert code == 2
    assert "journal not found" in one_error_line(out)


@pytest.mark.parametrize(
    ("toml", "field"),
    [
        ('[journal]\ngroup_ms = "abc"\n', "journal.group_ms"),
        ("[risk.defaults]\nmax_order_notional = 5.5\n", "risk.defaults.max_order_notional"),
        ('[journal]\ndurabilty = "fsync"\n', "journal.durabilty"),
    ],
)
def test_a_bad_config_is_one_line_naming_the_dotted_key(
    tmp_path: Path, toml: str, field: str
) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml)
    for cmd in (["check"], ["replay", "--journal", str(tmp_path / "x.db")], ["demo"]):
        code, out = run(*cmd, "--config", str(cfg))
        assert code == 2
        assert one_error_line(out).startswith(f"error: {field}: ")


def test_serve_on_a_directory(tmp_path: Path) -> None:
    code, out = run("serve", "--journal", str(tmp_path))
    assert code == 2
    assert "is a directory" in one_error_line(out)


def test_an_unexpected_error_is_one_line_and_a_log_file_with_the_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tradecore.cli import _common

    monkeypatch.setenv("TRADECORE_LOG_DIR", str(tmp_path))

    @_common.guarded
    def boom() -> None:
        raise KeyError("surprise")

    t = typer.Typer()
    t.command()(boom)
    res = CliRunner().invoke(t, [])
    assert res.exit_code == 1
    line = one_error_line(res.output)
    assert "internal error (KeyError" in line
    log = Path(line.rsplit("trace in ", 1)[1])
    assert log.parent == tmp_path and "Traceback" in log.read_text()


def test_the_console_script_reports_usage_errors_in_one_line() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "from tradecore.cli import main; main()", "positions", "--nope"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 2
    assert one_error_line(out.stderr) == "error: No such option: --nope"
