"""``tradecore info``: what this build contains."""

from __future__ import annotations

import platform
import sys

import typer

from tradecore import __version__
from tradecore.buildinfo import build_status


def register(app: typer.Typer) -> None:
    @app.command()
    def info() -> None:
        """Print version, Python, platform and build (pure Python or mypyc-compiled; useful in
        bug reports and benchmark notes)."""
        typer.echo(f"tradecore {__version__}")
        typer.echo(f"python {sys.version.split()[0]} ({platform.python_implementation()})")
        typer.echo(f"platform {platform.platform()}")
        for line in build_status().lines():
            typer.echo(line)
