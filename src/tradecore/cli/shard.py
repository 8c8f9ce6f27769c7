"""``tradecore shard``: one engine for a set of accounts, on NATS (docs/scaling.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from tradecore.cli._common import user_errors


def register(app: typer.Typer) -> None:
    @app.command()
    def shard(
        shard_id: int = typer.Option(..., "--id", min=0, help="shard number (in subjects)"),
        accounts: str = typer.Option(..., "--accounts", help="comma-separated accounts it owns"),
        journal: str = typer.Option(
            None, "--journal", help="journal URL (default sqlite:///shard-<id>.db)"
        ),
        nats_url: str = typer.Option("nats://127.0.0.1:4222", "--nats", help="NATS server URL"),
        prefix: str = typer.Option("tradecore", "--prefix", help="subject prefix"),
        config: Path | None = typer.Option(None, "--config", help="TOML config"),
        speed: float = typer.Option(1.0, "--speed", min=0.1, max=1000, help="market speed"),
        market: str = typer.Option(
            "local",
            "--market",
            help="local: generate the seeded market in this shard; nats: "
            "apply the steps `tradecore marketdata` publishes",
        ),
        credit: str = typer.Option(
            "none",
            "--credit",
            help="firm credit before the aggregator allocates one (none: "
            "unlimited; 0: no new exposure until then)",
        ),
    ) -> None:
        """Run one shard: engine + journal + event publisher + command server on NATS."""
        from decimal import Decimal, InvalidOperation

        from tradecore.cluster.shard import ShardOptions, run_shard
        from tradecore.errors import ValidationError

        with user_errors():
            accts = frozenset(a.strip() for a in accounts.split(",") if a.strip())
            if not accts:
                raise ValidationError("--accounts", "at least one account")
            if market not in ("local", "nats"):
                raise ValidationError("--market", f"{market!r}: local or nats")
            first = None
            if credit != "none":
                try:
                    first = Decimal(credit)
                except InvalidOperation:
                    raise ValidationError("--credit", f"{credit!r} is not a decimal") from None
                if not first.is_finite() or first < 0:
                    raise ValidationError("--credit", "must be a finite number >= 0")
            opts = ShardOptions(
                shard_id, accts, journal or f"sqlite:///shard-{shard_id}.db", nats_url, prefix,
                config, speed, first, market,
            )  # fmt: skip
            run_shard(opts, echo=lambda s: typer.echo(s, err=False))
