"""``serve --fix``: refused naming the option when QuickFIX is missing; the settings the
gateway gives QuickFIX."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradecore.errors import ConfigError
from tradecore.fix import qf
from tradecore.service.fix.config import acceptor_settings, load_fix_config
from tradecore.service.fix.wiring import load


def test_without_quickfix_serve_fix_is_refused_naming_the_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "fix.toml").write_text('[clients.DESK1]\naccounts = ["A"]\n')
    monkeypatch.setattr(qf, "available", lambda: False)
    with pytest.raises(ConfigError) as e:
        load(tmp_path / "fix.toml")
    assert e.value.field == "--fix" and "pip install 'tradecore[fix]'" in e.value.reason


def test_a_bad_file_is_refused_naming_the_field(tmp_path: Path) -> None:
    p = tmp_path / "fix.toml"
    p.write_text('[session]\nport = 0\n[clients.DESK1]\naccounts = ["A"]\n')
    with pytest.raises(ConfigError) as e:
        load_fix_config(p)
    assert e.value.field == "fix.session.port"
    p.write_text("[session\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_fix_config(p)
    p.write_bytes(b"\xff\xfe")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_fix_config(p)


def test_one_acceptor_session_per_client_with_the_store_beside_the_file(tmp_path: Path) -> None:
    p = tmp_path / "fix.toml"
    p.write_text('[session]\nport = 9999\nstore = "st"\n[clients.B]\naccounts = ["A"]\n'
                 '[clients.A2]\naccounts = ["*"]\n')  # fmt: skip
    cfg, base = load_fix_config(p)
    text = acceptor_settings(cfg, base)
    assert text.count("[SESSION]") == 2 and "TargetCompID=A2" in text
    assert f"FileStorePath={tmp_path / 'st'}" in text and "ResetOnLogon=N" in text
    assert "UseDataDictionary=Y" in text and "SocketAcceptPort=9999" in text
