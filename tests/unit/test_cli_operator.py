"""Issue 21, CLI findings: each test reproduces one thing a new user ran into.

Found: every option showed ``<bool>`` as metavar; ``--json`` had no help; raw RST (````all````)
and swallowed ``[journal]`` ("overrides  path") in help; no shell completion; ``bench`` with no
argument ran everything; long jobs printed nothing until done; ``serve`` printed no URL;
``replay`` counted child orders where ``run`` did not; ``--duration`` was an undocumented
alias; the README's command list omitted commands.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tradecore.cli import app

ROOT = Path(__file__).resolve().parents[2]
WIDE = {"COLUMNS": "250", "TERM": "xterm", "NO_COLOR": "1"}


def commands() -> dict[str, typer.core.TyperCommand]:
    group = typer.main.get_command(app)
    return dict(group.commands)  # type: ignore[attr-defined]


def cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k != "TTY_COMPATIBLE"}
    full.update({**WIDE, **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "tradecore", *args],
        capture_output=True, text=True, env=full, timeout=timeout, check=False,
    )  # fmt: skip


def help_of(name: str) -> str:
    res = CliRunner().invoke(app, [name, "--help"], env=WIDE, terminal_width=250)
    assert res.exit_code == 0, res.output
    return res.output


@pytest.mark.parametrize("name", sorted(commands()))
def test_every_option_has_a_metavar_and_a_help_text(name: str) -> None:
    out = help_of(name)
    assert "<bool>" not in out and "<str>" not in out and "<path>" not in out, out
    assert "``" not in out, out  # no raw RST
    cmd = commands()[name]
    for p in cmd.get_params(cmd.context_class(cmd)):  # as --help shows them
        if isinstance(p, typer.core.TyperOption):
            assert p.help, f"{name} {p.opts[0]} has no help text"
            if not p.is_flag:
                assert p.metavar and not p.metavar.startswith("<"), f"{name} {p.opts[0]}"


@pytest.mark.parametrize("name", sorted(commands()))
def test_help_texts_are_printed_whole(name: str) -> None:
    """Rich markup once swallowed ``[journal]`` ("then  path"): every word of every help text
    is printed (compared without whitespace, since the table wraps)."""
    flat = re.sub(r"[\s│]+", "", help_of(name))
    for p in commands()[name].params:
        text = getattr(p, "help", None)
        if text:
            for word in re.findall(r"\[[a-z_]+\]", text.replace("\\[", "[")):
                assert word in flat, f"{name}: {word!r} missing from --help"


def test_shell_completion_is_offered_and_completes_commands() -> None:
    root = CliRunner().invoke(app, ["--help"], env=WIDE, terminal_width=250).output
    assert "--install-completion" in root and "--show-completion" in root
    env = {"_TRADECORE_COMPLETE": "complete_bash", "COMP_WORDS": "tradecore be", "COMP_CWORD": "1"}
    res = cli(env=env)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["bench"]


def test_bench_without_a_workload_prints_usage_and_runs_nothing() -> None:
    res = cli("bench", timeout=60)
    assert res.returncode == 2
    assert "Usage: tradecore bench" in res.stdout + res.stderr
    assert "WORKLOAD" in res.stdout + res.stderr
    assert '"workload"' not in res.stdout  # no result line: nothing ran


def test_bench_draws_a_progress_bar_on_a_terminal_and_keeps_stdout_json() -> None:
    res = cli("bench", "W4", "--scale", "0.01", env={"TTY_COMPATIBLE": "1"})
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["workload"] == "W4"
    assert "bench W4" in res.stderr  # the bar, on stderr only


def test_no_progress_frames_when_not_on_a_terminal(tmp_path: Path) -> None:
    res = cli("run", "--journal", str(tmp_path / "j.db"), "--seconds", "5")
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""


def test_run_and_replay_count_orders_the_same_way(tmp_path: Path) -> None:
    db = str(tmp_path / "j.db")
    ran = cli("run", "--journal", db, "--seconds", "30", "--json")
    assert ran.returncode == 0, ran.stderr
    replayed = cli("replay", "--journal", db, "--json")
    assert replayed.returncode == 0, replayed.stderr
    a, b = json.loads(ran.stdout), json.loads(replayed.stdout)
    assert a["orders"] == b["orders"] > 0
    assert a["child_orders"] == b["child_orders"] > 0
    human = cli("replay", "--journal", db).stdout
    assert f"orders: {a['orders']}\n" in human and f"child_orders: {a['child_orders']}\n" in human


def test_run_with_progress_bar_shows_it_on_stderr(tmp_path: Path) -> None:
    res = cli(
        "run", "--journal", str(tmp_path / "j.db"), "--seconds", "5", env={"TTY_COMPATIBLE": "1"}
    )
    assert res.returncode == 0, res.stderr
    assert "run: 5s simulated" in res.stderr
    assert res.stdout.startswith("ran 5s simulated: ")


def test_duration_alias_is_gone() -> None:
    assert "--duration" not in help_of("demo")
    res = cli("demo", "--duration", "5")
    assert res.returncode == 2 and res.stderr.startswith("error: ")


def test_python_dash_m_reports_usage_errors_in_one_line_like_the_command() -> None:
    """Found: ``python -m tradecore`` bypassed the error handler and printed a Typer box."""
    res = cli("demo", "--no-such-option")
    assert res.returncode == 2
    assert res.stderr.splitlines() == ["error: No such option: --no-such-option"]
    assert "╭" not in res.stderr + res.stdout


def test_bench_memory_moves_its_bar_as_events_go() -> None:
    res = cli("bench", "memory", "--scale", "0.001", env={"TTY_COMPATIBLE": "1"})
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["workload"] == "memory"
    assert "bench memory (10000 events)" in res.stderr
    assert "10000/10000" in res.stderr  # the bar reached the end


def test_readme_lists_every_command() -> None:
    readme = (ROOT / "README.md").read_text()
    line = next(x for x in readme.splitlines() if x.startswith("Commands: "))
    listed = set(re.findall(r"[a-z-]+", line.split("`")[1])) - {"tradecore"}
    assert listed == set(commands())


def test_serve_prints_what_it_loaded_and_its_urls(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, **WIDE, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tradecore", "serve", "--port", str(port),
         "--journal", str(tmp_path / "serve.db"), "--no-demo-flow"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip())
            if line.lstrip().startswith("metrics"):
                break
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    out = "\n".join(lines)
    base = f"http://127.0.0.1:{port}"
    assert "new journal" in out
    assert "loaded: config embedded defaults (instruments BTC/USD" in out
    assert "demo flow off" in out
    assert f"serving     {base}/" in out
    assert f"  dashboard {base}/" in out
    assert f"  REST API  {base}/v1/" in out
    assert f"  WebSocket ws://127.0.0.1:{port}/v1/stream" in out
    assert f"  metrics   {base}/metrics" in out


def test_demo_last_progress_line_counts_the_fills_of_the_per_venue_table() -> None:
    """Found: ``fills 683`` on the 100% line against a per-venue table summing to 684."""
    res = cli("demo", "--seconds", "40")
    assert res.returncode == 0, res.stderr
    last = [x for x in res.stdout.splitlines() if x.startswith("[100%]")]
    assert len(last) == 1, res.stdout
    fills = int(re.search(r"fills (\d+)", last[0]).group(1))  # type: ignore[union-attr]
    rows = re.findall(r"^│ (SIM\w)\s+│\s+(\d+) │", res.stdout, re.MULTILINE)
    assert len(rows) == 3 and sum(int(n) for _, n in rows) == fills > 0
