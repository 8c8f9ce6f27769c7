"""The venue's `stp` key and the instrument's `calendar` key, from TOML to the simulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradecore.bootstrap import build_system
from tradecore.config import load_config
from tradecore.errors import ConfigError
from tradecore.model import InstrumentId, StpMode, Venue

VENUES = """
[[venues]]
name = "SIMA"
stp = "EXPIRE_MAKER"

[[venues]]
name = "SIMB"
"""


def test_stp_per_venue_from_the_config(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text(VENUES)
    system = build_system(load_config(p))
    assert system.venues[Venue("SIMA")].config.stp is StpMode.EXPIRE_MAKER
    assert system.venues[Venue("SIMB")].config.stp is StpMode.NONE  # the default


def test_a_bad_stp_mode_names_the_key(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text('[[venues]]\nname = "SIMA"\nstp = "EXPIRE_ALL"\n')
    with pytest.raises(ConfigError) as err:
        load_config(p)
    assert err.value.field == "venues.0.stp"


def test_an_instrument_names_its_calendar_or_inherits_the_risk_map() -> None:
    system = build_system(load_config())
    sap = system.instruments.get(InstrumentId.parse("SAP@SIMA"))
    btc = system.instruments.get(InstrumentId.parse("BTC/USD@SIMA"))
    assert sap is not None and sap.calendar == "XETR"  # from [risk.calendars]
    assert btc is not None and btc.calendar is None  # 24/7
