"""Shared CLI plumbing: one way to report bad input (no traceback, exit code 2).

Every command runs inside :func:`guarded` (installed by ``tradecore.cli`` on each registered
command): an expected error prints ``error: <field>: <reason>`` on stderr and exits 2; an
unexpected one prints one line naming a log file that holds the trace, and exits 1.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import tempfile
import time
import tomllib
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pydantic
import typer

from tradecore.config_types import format_pydantic_error
from tradecore.errors import TradecoreError, ValidationError

F = TypeVar("F", bound=Callable[..., Any])
EXIT_USAGE = 2
EXIT_INTERNAL = 1


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _fail(field: str | None, reason: str) -> typer.Exit:
    msg = f"error: {field}: {reason}" if field else f"error: {reason}"
    typer.echo(_one_line(msg), err=True)
    return typer.Exit(EXIT_USAGE)


def _os_error(e: OSError) -> typer.Exit:
    where = e.filename if e.filename is not None else "file"
    return _fail(str(where), e.strerror or type(e).__name__)


def _bad_param(e: typer.BadParameter) -> typer.Exit:
    hint = e.param_hint if isinstance(e.param_hint, str) else None
    if hint is None and e.param is not None:
        hint = "/".join(getattr(e.param, "opts", []) or [str(e.param.name)])
    return _fail(hint, e.message)


def usage_message(e: typer.TyperException) -> str:
    """The one-line text of a command-line usage error."""
    fmt = getattr(e, "format_message", None)
    return _one_line(fmt() if callable(fmt) else str(e))


def _expected(e: BaseException) -> typer.Exit | None:
    """The table of expected errors: the Exit that reports each, or None."""
    if isinstance(e, ValidationError):
        return _fail(e.field, e.reason)
    if isinstance(e, TradecoreError):
        return _fail(None, str(e))
    if isinstance(e, pydantic.ValidationError):
        return _fail(*format_pydantic_error(e))
    if isinstance(e, typer.BadParameter):
        return _bad_param(e)
    if isinstance(e, typer.TyperException):
        return _fail(None, usage_message(e))
    if isinstance(e, tomllib.TOMLDecodeError):
        return _fail("toml", f"not valid TOML: {e}")
    if isinstance(e, sqlite3.DatabaseError):
        return _fail("journal", f"damaged or not a journal: {e}")
    if isinstance(e, OSError):
        return _os_error(e)
    if isinstance(e, UnicodeDecodeError):
        return _fail("input", "not UTF-8 text")
    return None


def log_unexpected(e: BaseException) -> Path:
    """Write the trace of an unexpected error to a log file; return its path."""
    folder = Path(os.environ.get("TRADECORE_LOG_DIR") or tempfile.gettempdir())
    path = folder / f"tradecore-error-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}.log"
    try:
        path.write_text("".join(traceback.format_exception(e)))
    except OSError:
        path = Path(tempfile.gettempdir()) / path.name
        path.write_text("".join(traceback.format_exception(e)))
    return path


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn expected errors into ``error: <field>: <reason>`` on stderr and exit 2, and
    unexpected ones into one line naming the log file with their trace (exit 1)."""
    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except Exception as e:
        done = _expected(e)
        if done is not None:
            raise done from None
        log = log_unexpected(e)
        typer.echo(
            _one_line(f"error: internal error ({type(e).__name__}: {e}); trace in {log}"),
            err=True,
        )
        raise typer.Exit(EXIT_INTERNAL) from None


def guarded(fn: F) -> F:
    """A command callback wrapped in :func:`user_errors` (signature kept for typer)."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        with user_errors():
            return fn(*args, **kwargs)

    return run  # type: ignore[return-value]


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, sort_keys=False, allow_nan=False))


def order_counts(orders: Iterable[Any]) -> tuple[int, int]:
    """(client orders, child orders): every command counts orders the same way. A client
    order is one submitted to the engine (direct or SMART); a child is a slice the smart
    router sent to one venue (it has a ``parent_id``)."""
    parents = children = 0
    for o in orders:
        if o.parent_id is None:
            parents += 1
        else:
            children += 1
    return parents, children
