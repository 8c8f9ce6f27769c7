"""``tradecore tail``: print the event stream (one JSON event a line, canonical codec)."""

from __future__ import annotations

import typer

from tradecore.cli._common import user_errors


def register(app: typer.Typer) -> None:
    @app.command()
    def tail(
        nats_url: str = typer.Option("nats://127.0.0.1:4222", "--nats", help="NATS server URL"),
        prefix: str = typer.Option("tradecore", "--prefix", help="subject prefix"),
        subject: str = typer.Option(
            "", "--subject", help="filter, e.g. tradecore.evt.1.*.OrderFilled (default all)"
        ),
        from_start: bool = typer.Option(
            False, "--from-start/--new", help="replay the stream from its start, or only new"
        ),
        count: int = typer.Option(0, "--count", min=0, help="stop after N events (0: never)"),
        idle: float = typer.Option(
            0.0, "--idle", min=0, help="stop after this many seconds without an event (0: never)"
        ),
    ) -> None:
        """Print the events of every shard as they are published: subject, then the event."""
        import asyncio

        from tradecore.cluster.tail import tail_stream

        with user_errors():
            n = asyncio.run(
                tail_stream(nats_url, prefix, subject, from_start, count, idle, typer.echo)
            )
        typer.echo(f"{n} events", err=True)
