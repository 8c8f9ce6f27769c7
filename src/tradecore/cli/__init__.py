"""The ``tradecore`` command line. Each feature module adds its commands via ``register``."""

from __future__ import annotations

import importlib

import typer

from tradecore import __version__

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
    "tradecore.cli.bench",
)

for _name in _MODULES:
    importlib.import_module(_name).register(app)


def main() -> None:
    app()
