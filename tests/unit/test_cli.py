from __future__ import annotations

from typer.testing import CliRunner

from tradecore import __version__
from tradecore.cli import app


def test_version_flag_prints_the_version() -> None:
    res = CliRunner().invoke(app, ["--version"])
    assert res.exit_code == 0
    assert __version__ in res.output


def test_help_lists_commands() -> None:
    res = CliRunner().invoke(app, ["--help"])
    assert res.exit_code == 0
    assert "info" in res.output
