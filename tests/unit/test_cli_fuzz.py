"""CLI fuzz: whatever the fills CSV, returns CSV, config TOML or keys file holds, the command
exits 0 or prints one ``error:`` line and exits 2; never a traceback, never exit 1."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tradecore.cli import app

FILLS_HEADER = "timestamp,account,instrument,side,quantity,price,fee,fee_currency"
RUNS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

cell = st.one_of(
    st.sampled_from(["", "1", "-1", "0.5", "1e999999", "NaN", "inf", "BUY", "SELL", "USD",
                     '"', '""', ",", "2024-01-01T00:00:00Z", "BTC/USD", "A", " ", "1_0", "\x00"]),
    st.text(max_size=12),
)  # fmt: skip
row = st.lists(cell, min_size=0, max_size=10).map(",".join)
csv_text = st.one_of(
    st.lists(row, max_size=6).map(lambda rows: "\n".join([FILLS_HEADER, *rows])),
    st.text(max_size=200),
)
returns_text = st.one_of(
    st.lists(st.tuples(cell, cell), max_size=8).map(
        lambda rows: "\n".join(["date,return", *(f"{a},{b}" for a, b in rows)])
    ),
    st.text(max_size=200),
)
toml_scalar = st.one_of(
    st.integers(-(10**20), 10**20), st.floats(allow_nan=True), st.booleans(),
    st.sampled_from(["abc", "-5", "1e999999", "XXXX", "fsync", "sqlite", "0.01", ""]),
    st.text(max_size=8),
)  # fmt: skip
SECTIONS = {
    "engine": ["seed", "retain_closed", "base_currency", "initial_cash", "cpu", "typo"],
    "journal": ["backend", "path", "durability", "group_ms", "group_events", "durabilty", "url"],
    "service": ["port", "speed", "host", "demo_flow"],
    "marketdata": ["step_ms", "replay"],
    "demo": ["seconds", "order_every", "account"],
    "routing": ["strategy", "max_venues"],
    "risk": ["mode", "warn_pct", "var_bar_ms", "enabled"],
}
config_doc = st.dictionaries(
    st.sampled_from(sorted(SECTIONS)),
    st.dictionaries(
        st.sampled_from(sorted({k for v in SECTIONS.values() for k in v})), toml_scalar, max_size=3
    ),
    max_size=3,
)
keys_doc = st.fixed_dictionaries(
    {},
    optional={
        "rate_per_s": toml_scalar,
        "burst": toml_scalar,
        "keys": st.dictionaries(
            st.sampled_from(["desk1", "a.b", "x"]),
            st.dictionaries(
                st.sampled_from(["hash", "accounts", "scopes", "other"]),
                st.one_of(
                    toml_scalar, st.lists(st.sampled_from(["*", "DEMO", "read", "trade", ""]))
                ),
                max_size=4,
            ),
            max_size=3,
        ),
    },
)


def _invoke(args: list[str]) -> None:
    res = CliRunner().invoke(app, args)
    out = res.output
    assert "Traceback" not in out, out
    assert res.exit_code in (0, 2), (res.exit_code, out)
    if res.exit_code == 2:
        lines = [line for line in out.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), out


def _file(text: str, name: str) -> Path:
    p = Path(tempfile.mkdtemp()) / name
    p.write_bytes(text.encode("utf-8", "surrogatepass"))
    return p


def _toml(doc: dict[str, object]) -> str:
    try:
        return tomli_w.dumps(doc)
    except (TypeError, ValueError):  # NaN and friends: written by hand
        return "\n".join(
            f"[{s}]\n" + "\n".join(f"{k} = {v!r}" for k, v in t.items()) for s, t in doc.items()
        )  # type: ignore[attr-defined]


@RUNS
@given(csv_text)
def test_fills_csv(text: str) -> None:
    _invoke(["positions", "--fills", str(_file(text, "fills.csv")), "--json"])


@RUNS
@given(returns_text)
def test_returns_csv(text: str) -> None:
    _invoke(
        ["analytics", "--returns", str(_file(text, "r.csv")), "--json", "--simulations", "1000"]
    )


@RUNS
@given(st.one_of(config_doc.map(_toml), st.text(max_size=120)))
def test_config_toml(text: str) -> None:
    _invoke(["check", "--config", str(_file(text, "c.toml"))])


@RUNS
@given(st.one_of(keys_doc.map(_toml), st.text(max_size=120)))
def test_keys_file(text: str) -> None:
    _invoke(["check", "--keys", str(_file(text, "keys.toml"))])


def test_a_few_real_processes() -> None:
    """The console script, not the in-process runner: same contract."""
    bad = [
        ("positions", "--fills", _file(FILLS_HEADER + "\n,,,,,,,,,,\n", "f.csv")),
        ("analytics", "--returns", _file("date,return\n2024-01-01,1e999999\n", "r.csv")),
        ("check", "--config", _file('[journal]\ndurabilty = "fsync"\n', "c.toml")),
        ("check", "--keys", _file("[keys.a]\n[keys.a]\n", "k.toml")),
    ]
    for cmd, flag, path in bad:
        out = subprocess.run(
            [sys.executable, "-c", "from tradecore.cli import main; main()", cmd, flag, str(path)],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert out.returncode == 2, out.stderr
        assert len(out.stderr.strip().splitlines()) == 1 and out.stderr.startswith("error: ")
