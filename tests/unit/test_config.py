"""Configuration: validated, exact, errors name the dotted key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradecore.config import load_config
from tradecore.errors import ConfigError


def test_defaults_are_the_embedded_demo() -> None:
    cfg = load_config()
    assert [v.name for v in cfg.venues] == ["SIMA", "SIMB", "SIMC"]
    assert {i.symbol for i in cfg.instruments} >= {"BTC/USD", "ETH/USD", "SAP"}


def test_a_toml_float_for_money_is_refused_naming_the_key(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text('[[venues]]\nname = "X1"\ntaker_bps = 0.1\n')
    with pytest.raises(ConfigError) as err:
        load_config(p)
    assert err.value.field == "venues.0.taker_bps"
    assert "binary float" in err.value.reason


def test_unknown_keys_and_bad_values_are_reported(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text('[routing]\nstrategy = "fastest"\n')
    with pytest.raises(ConfigError) as err:
        load_config(p)
    assert err.value.field == "routing.strategy"
    p.write_text("[engine]\nsede = 1\n")
    with pytest.raises(ConfigError, match=r"engine\.sede"):
        load_config(p)


def test_broken_toml_and_missing_file(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text("[engine\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(p)
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_pinning_the_engine_to_a_cpu_that_does_not_exist_names_the_key() -> None:
    import os

    from tradecore.bootstrap import build_system

    if not hasattr(os, "sched_setaffinity"):
        pytest.skip("no CPU pinning on this platform")
    with pytest.raises(ConfigError, match=r"engine\.cpu"):
        build_system(load_config(None, {"engine": {"cpu": 100_000}}))
