"""``tradecore keygen``: create an API key in a keys file."""

from __future__ import annotations

from pathlib import Path

import typer

from tradecore.cli._common import user_errors


def _items(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]


def register(app: typer.Typer) -> None:
    @app.command()
    def keygen(
        key_id: str = typer.Argument(
            ..., metavar="KEY_ID", help="key id: letters, digits, '_' or '-', e.g. desk1"
        ),
        accounts: str = typer.Option(
            ..., "--accounts", metavar="LIST", help="comma-separated accounts, or *"
        ),
        scopes: str = typer.Option(
            "read",
            "--scopes",
            metavar="LIST",
            help="comma-separated: read,trade,risk-admin,metrics,admin",
        ),
        keys_file: Path = typer.Option(
            Path("keys.toml"), "--keys", metavar="FILE", help="file to add it to"
        ),
    ) -> None:
        """Create an API key: adds its scrypt hash to the keys file (mode 0600), prints the
        token once. Refuses an invalid or already used id, account or scope."""
        from tradecore.service.auth import append_key

        with user_errors():
            token = append_key(keys_file, key_id, _items(accounts), _items(scopes))
        typer.echo(token)
