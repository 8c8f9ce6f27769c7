"""The CLI's one way to report errors: an expected error is ``error: <field>: <reason>`` on
one line of stderr and exit 2; an unexpected one is one line naming a log file holding the
trace, and exit 1."""

from __future__ import annotations

import sqlite3
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import click
import pydantic
import pytest
import typer
from typer._click.exceptions import UsageError

from tradecore.cli._common import EXIT_INTERNAL, EXIT_USAGE, guarded, order_counts, user_errors
from tradecore.errors import JournalError


def _report(exc: BaseException, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """(exit code, stderr) of a command that raised ``exc``."""

    @guarded
    def command() -> None:
        raise exc

    with pytest.raises(typer.Exit) as done:
        command()
    out = capsys.readouterr()
    assert out.out == ""
    return done.value.exit_code, out.err


class _Limits(pydantic.BaseModel):
    max_qty: int


def _pydantic_error() -> pydantic.ValidationError:
    try:
        _Limits.model_validate({"max_qty": "lots"})
    except pydantic.ValidationError as e:
        return e
    raise AssertionError("validated")


def _toml_error() -> tomllib.TOMLDecodeError:
    try:
        tomllib.loads("[journal\nurl = 1")
    except tomllib.TOMLDecodeError as e:
        return e
    raise AssertionError("parsed")


def test_a_journal_error_has_no_field(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _report(JournalError("append failed: disk full"), capsys)
    assert (code, err) == (EXIT_USAGE, "error: append failed: disk full\n")


def test_a_bad_config_value_names_its_field(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _report(_pydantic_error(), capsys)
    assert code == EXIT_USAGE
    assert err.startswith("error: max_qty: Input should be a valid integer")
    assert err.count("\n") == 1


def test_bad_toml_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    e = _toml_error()
    code, err = _report(e, capsys)
    assert code == EXIT_USAGE
    assert err == "error: toml: not valid TOML: " + " ".join(str(e).split()) + "\n"


def test_a_damaged_database_names_the_journal(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _report(sqlite3.DatabaseError("file is not a database"), capsys)
    assert (code, err) == (
        EXIT_USAGE,
        "error: journal: damaged or not a journal: file is not a database\n",
    )


def test_a_missing_file_names_the_file(capsys: pytest.CaptureFixture[str]) -> None:
    e = FileNotFoundError(2, "No such file or directory", "/no/keys.toml")
    assert _report(e, capsys) == (EXIT_USAGE, "error: /no/keys.toml: No such file or directory\n")


def test_an_os_error_without_a_file_or_message_still_says_what(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _report(PermissionError(), capsys) == (EXIT_USAGE, "error: file: PermissionError\n")


def test_input_that_is_not_utf8_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    e = UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")
    assert _report(e, capsys) == (EXIT_USAGE, "error: input: not UTF-8 text\n")


def test_a_bad_parameter_names_the_option_it_came_from(
    capsys: pytest.CaptureFixture[str],
) -> None:
    opt: Any = click.Option(["--size", "-s"])  # any parameter with its option names
    e = typer.BadParameter("must be positive", param=opt)
    assert _report(e, capsys) == (EXIT_USAGE, "error: --size/-s: must be positive\n")


def test_a_usage_error_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    e = UsageError("Got unexpected extra\n   argument (x)")
    assert _report(e, capsys) == (EXIT_USAGE, "error: Got unexpected extra argument (x)\n")


def test_an_exit_or_abort_passes_through_untouched(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as done, user_errors():
        raise typer.Exit(7)
    assert done.value.exit_code == 7
    with pytest.raises(typer.Abort), user_errors():
        raise typer.Abort()
    assert capsys.readouterr().err == ""


def test_an_unexpected_error_is_logged_where_it_can_be_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fallback = tmp_path / "tmp"
    fallback.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(fallback))
    monkeypatch.setenv("TRADECORE_LOG_DIR", str(tmp_path / "no-such-dir"))
    code, err = _report(RuntimeError("boom\nsecond line"), capsys)
    assert code == EXIT_INTERNAL
    logs = list(fallback.glob("tradecore-error-*.log"))
    assert len(logs) == 1
    assert err == f"error: internal error (RuntimeError: boom second line); trace in {logs[0]}\n"
    trace = logs[0].read_text()
    assert "Traceback" in trace and "RuntimeError: boom" in trace


def test_an_unexpected_error_is_logged_in_the_configured_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRADECORE_LOG_DIR", str(tmp_path))
    code, err = _report(KeyError("k"), capsys)
    logs = list(tmp_path.glob("tradecore-error-*.log"))
    assert code == EXIT_INTERNAL and len(logs) == 1
    assert err.endswith(f"trace in {logs[0]}\n")
    assert "KeyError: 'k'" in logs[0].read_text()


class _O:
    def __init__(self, parent_id: str | None) -> None:
        self.parent_id = parent_id


def test_orders_are_counted_as_client_orders_and_router_children() -> None:
    assert order_counts([]) == (0, 0)
    assert order_counts([_O(None), _O("P"), _O("P"), _O(None), _O("Q")]) == (2, 3)
