"""``tradecore marketdata``: publish the configured market to NATS for the shards."""

from __future__ import annotations

from pathlib import Path

import typer

from tradecore.cli._common import user_errors


def register(app: typer.Typer) -> None:
    @app.command()
    def marketdata(
        nats_url: str = typer.Option("nats://127.0.0.1:4222", "--nats", help="NATS server URL"),
        prefix: str = typer.Option("tradecore", "--prefix", help="subject prefix"),
        config: Path | None = typer.Option(None, "--config", help="TOML config"),
        speed: float = typer.Option(1.0, "--speed", min=0.1, max=1000, help="market speed"),
    ) -> None:
        """Publish market steps (every venue's depth at one time) for `shard --market nats`."""
        import asyncio

        from tradecore.cluster.marketdata import publish_market

        with user_errors():
            asyncio.run(publish_market(config, nats_url, prefix, speed, typer.echo))
