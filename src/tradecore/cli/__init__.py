"""The ``tradecore`` command line. Each feature module adds its commands via ``register``.

Every registered command runs inside ``_common.guarded``: no traceback reaches the user
(``error: <field>: <reason>``, exit 2; an unexpected error: one line and a log file, exit 1).
"""

from __future__ import annotations

import importlib
import sys

import typer

from tradecore import __version__
from tradecore.cli._common import EXIT_USAGE, guarded, usage_message, user_errors

app = typer.Typer(
    name="tradecore",
    help="tradecore: trading engine core (exact money, smart routing, pre-trade risk, journal).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tradecore {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """tradecore command line."""


# Feature modules; each defines ``register(app)``. Add yours here (one line).
_MODULES: tuple[str, ...] = (
    "tradecore.cli.info",
    "tradecore.cli.positions",
    "tradecore.cli.analytics",
    "tradecore.cli.demo",
    "tradecore.cli.journal",
    "tradecore.cli.serve",
    "tradecore.cli.keygen",
    "tradecore.cli.check",
    "tradecore.cli.bench",
    "tradecore.cli.tail",
    "tradecore.cli.shard",
    "tradecore.cli.aggregator",
    "tradecore.cli.marketdata",
)

for _name in _MODULES:
    importlib.import_module(_name).register(app)

for _cmd in app.registered_commands:  # one top-level handler for every command
    if _cmd.callback is not None:
        _cmd.callback = guarded(_cmd.callback)


def main() -> None:
    """The console script: usage errors too become one ``error:`` line (exit 2)."""
    try:
        with user_errors():
            try:
                code = app(standalone_mode=False)
            except typer.TyperException as e:  # a usage error: bad option, missing value
                typer.echo(f"error: {usage_message(e)}", err=True)
                code = EXIT_USAGE
            except typer.Abort:
                typer.echo("aborted", err=True)
                code = 130
    except typer.Exit as e:
        code = e.exit_code
    sys.exit(code if isinstance(code, int) else 0)
