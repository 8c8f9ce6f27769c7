"""``tradecore risk-aggregator``: firm-wide exposure and shard credits (docs/scaling.md)."""

from __future__ import annotations

import typer

from tradecore.cli._common import user_errors


def register(app: typer.Typer) -> None:
    @app.command("risk-aggregator")
    def risk_aggregator(
        shards: str = typer.Option(..., "--shards", help="comma-separated shard ids, e.g. 1,2,3"),
        gross_limit: str = typer.Option(
            ..., "--gross-limit", help="firm gross exposure limit (base currency)"
        ),
        nats_url: str = typer.Option("nats://127.0.0.1:4222", "--nats", help="NATS server URL"),
        prefix: str = typer.Option("tradecore", "--prefix", help="subject prefix"),
        interval: float = typer.Option(
            0.5, "--interval", min=0.01, help="seconds between credit re-balances"
        ),
    ) -> None:
        """Consume every shard's events, keep firm exposure, allocate credits, halt on breach."""
        from decimal import Decimal, InvalidOperation

        from tradecore.cluster.aggregator import AggregatorOptions, run_aggregator
        from tradecore.errors import ValidationError

        with user_errors():
            try:
                ids = tuple(sorted({int(s) for s in shards.split(",") if s.strip()}))
            except ValueError:
                raise ValidationError(
                    "--shards", f"{shards!r}: integers, comma-separated"
                ) from None
            if not ids:
                raise ValidationError("--shards", "at least one shard")
            try:
                limit = Decimal(gross_limit)
            except InvalidOperation:
                raise ValidationError(
                    "--gross-limit", f"{gross_limit!r} is not a decimal"
                ) from None
            if not limit.is_finite() or limit < 0:
                raise ValidationError("--gross-limit", "must be a finite number >= 0")
            opts = AggregatorOptions(ids, limit, nats_url, prefix, interval)
            run_aggregator(opts, echo=typer.echo)
