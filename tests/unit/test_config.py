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


@pytest.mark.parametrize(
    ("toml", "field"),
    [
        ('[journal]\ndurabilty = "fsync"\n', "journal.durabilty"),
        ("[journal]\ngroup_ms = -1\n", "journal.group_ms"),
        ('[journal]\ndurability = "sometimes"\n', "journal.durability"),
        ('[journal]\nbackend = "mysql"\n', "journal.backend"),
        ('[engine]\ninitial_cash = "-5"\n', "engine.initial_cash"),
        ('[engine]\nbase_currency = "XXXX"\n', "engine.base_currency"),
        (
            '[[instruments]]\nsymbol = "BTC/USD"\ntick = "0.01"\nlot = "1"\nstart_price = "-1"\n',
            "instruments.0.start_price",
        ),
        ("[service]\nport = 0\n", "service.port"),
        ("[service]\nspeeed = 2\n", "service.speeed"),
        ('[risk]\nmode = "some"\n', "risk.mode"),
    ],
)
def test_every_section_is_typed_and_names_the_dotted_key(
    tmp_path: Path, toml: str, field: str
) -> None:
    p = tmp_path / "c.toml"
    p.write_text(toml)
    with pytest.raises(ConfigError) as err:
        load_config(p)
    assert err.value.field == field


def test_one_risk_account_keeps_the_packaged_defaults(tmp_path: Path) -> None:
    from tradecore.risk import RiskConfig

    p = tmp_path / "c.toml"
    p.write_text('[risk.accounts.X]\nmax_order_notional = "1000"\n')
    risk = RiskConfig.from_dict(load_config(p).risk)
    packaged = RiskConfig.from_dict(load_config().risk)
    assert risk.defaults == packaged.defaults  # the packaged limits are still on
    x = risk.limits_for("X")
    assert x.max_order_notional == 1000  # the account's own key wins
    assert x.max_position == packaged.defaults.max_position  # the rest comes from defaults


def test_environment_overrides_single_keys_and_the_journal_url() -> None:
    cfg = load_config(
        None,
        env={
            "TRADECORE_JOURNAL__DURABILITY": "fsync",
            "TRADECORE_ENGINE__SEED": "3",
            "TRADECORE_JOURNAL": "sqlite:///x.db",
        },
    )
    assert cfg.journal.durability.value == "fsync"
    assert cfg.engine.seed == 3
    assert cfg.journal.url == "sqlite:///x.db"
    with pytest.raises(ConfigError) as err:
        load_config(None, env={"TRADECORE_JOURNAL__GROUP_MS": "abc"})
    assert err.value.field == "journal.group_ms"
