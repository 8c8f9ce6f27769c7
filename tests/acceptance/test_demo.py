"""`tradecore demo`, as a user runs it."""

from __future__ import annotations

from typer.testing import CliRunner

from tradecore.cli import app
from tradecore.config import load_config
from tradecore.demo import run_demo


def test_demo_prints_every_summary_section() -> None:
    res = CliRunner().invoke(app, ["demo", "--seconds", "30"])
    assert res.exit_code == 0, res.output
    for section in (
        "orders",
        "fills per venue",
        "positions",
        "portfolio (USD)",
        "denials",
        "latency:",
    ):
        assert section in res.output
    for venue in ("SIMA", "SIMB", "SIMC"):
        assert venue in res.output


def test_demo_is_deterministic_for_a_seed_and_routes_large_orders_across_venues() -> None:
    cfg = load_config(None, {"demo": {"seconds": 60}})
    a, b = run_demo(cfg), run_demo(cfg)
    assert a.state_digest == b.state_digest and a.events == b.events
    assert a.split_orders > 0 and max(a.venues_per_split) >= 2
    assert len(a.fills_by_venue) == 3
    c = run_demo(load_config(None, {"demo": {"seconds": 60}, "engine": {"seed": 8}}))
    assert c.state_digest != a.state_digest


def test_demo_with_a_bad_config_says_which_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "bad.toml"
    p.write_text("[demo]\nseconds = -5\n")
    res = CliRunner().invoke(app, ["demo", "--config", str(p)])
    assert res.exit_code == 2 and "demo.seconds" in res.output and "Traceback" not in res.output


def test_demo_has_no_self_trade_false_positives_and_no_self_match() -> None:
    """The demo's flow rests limit orders and sends SMART orders against them: the router cuts
    each venue's depth before our own order (counted), so risk denies none as SELF_TRADE
    (before: 50 denials, 45 of them for orders no child could have routed into our own) and no
    order of ours trades with another at a venue."""
    r = run_demo(load_config(None, {"demo": {"seconds": 120}}))
    assert r.stp_router > 0
    assert r.denials.get("SELF_TRADE", 0) == 0
    assert r.self_matches == 0
    res = CliRunner().invoke(app, ["demo", "--seconds", "30"])
    assert "self-trade: 0 denials" in res.output
