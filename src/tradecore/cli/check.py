"""``tradecore check``: validate a config file (every section) and an API keys file."""

from __future__ import annotations

from pathlib import Path

import typer

from tradecore.cli._common import user_errors


def register(app: typer.Typer) -> None:
    @app.command()
    def check(
        config: Path | None = typer.Option(
            None, "--config", metavar="FILE", help="TOML config to validate"
        ),
        keys: Path | None = typer.Option(
            None, "--keys", metavar="FILE", help="API keys TOML to validate"
        ),
    ) -> None:
        """Validate the configuration (and a keys file) as serve and run would load them."""
        from tradecore.config import load_config
        from tradecore.journal.url import fingerprint, resolve

        with user_errors():
            cfg = load_config(config)
            target = resolve(cfg.journal)
            n_keys = None
            if keys is not None:
                from tradecore.cli.keysfile import validate_keys_file
                from tradecore.service.auth import KeyStore

                validate_keys_file(keys)
                n_keys = len(KeyStore.load(keys).keys)
        fp, summary = fingerprint(cfg)
        typer.echo(f"config ok: {summary} (fingerprint {fp})")
        typer.echo(f"journal {target.describe()}")
        if n_keys is not None:
            typer.echo(f"keys ok: {n_keys} key(s)")
