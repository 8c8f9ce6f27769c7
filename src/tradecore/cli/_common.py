"""Shared CLI plumbing: one way to report bad input (no traceback, exit code 2)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer

from tradecore.errors import TradecoreError, ValidationError


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn tradecore errors into ``error: <field>: <reason>`` on stderr and exit 2."""
    try:
        yield
    except ValidationError as e:
        typer.echo(f"error: {e.field}: {e.reason}", err=True)
        raise typer.Exit(2) from None
    except TradecoreError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from None


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, sort_keys=False))
