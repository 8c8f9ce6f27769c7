"""``tradecore venue-server``: a local exchange speaking a real venue's API (a test exchange
for tradecore's CCXT connector and for any ccxt-based bot)."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("venue-server")
    def venue_server(
        dialect: str = typer.Option("binance", "--dialect", help="API to speak: binance"),
        port: int = typer.Option(0, "--port", help="port on 127.0.0.1 (0: any free port)"),
        state: Path | None = typer.Option(
            None, "--state", help="journal file: orders and trades survive a restart"
        ),
        port_file: Path | None = typer.Option(
            None, "--port-file", help="write the chosen port to this file once listening"
        ),
        spread_ticks: int = typer.Option(5, "--spread-ticks", help="market makers' half spread"),
        mid: list[str] = typer.Option([], "--mid", help="SYMBOL=PRICE, e.g. BTCUSDT=50000"),
        key: list[str] = typer.Option(
            [], "--key", help="API KEY:SECRET accepted (repeatable; default: the demo key)"
        ),
    ) -> None:
        """Run a local exchange on 127.0.0.1 that speaks DIALECT's REST API over the simulated
        matching engine. Point ccxt at it (docs/venues.md)."""
        from tradecore.errors import ValidationError
        from tradecore.venues.dialects import server

        if not 0 <= port <= 65535:
            raise ValidationError("--port", f"{port} is not a port number")
        if spread_ticks < 1:
            raise ValidationError("--spread-ticks", "must be >= 1")
        keys = []
        for k in key:
            api, sep, secret = k.partition(":")
            if not sep or not api or not secret:
                raise ValidationError("--key", "expected KEY:SECRET")
            keys.append((api, secret))
        opts = server.ServerOptions(
            dialect, port, state, spread_ticks, server.parse_mids(mid),
            tuple(keys) or ((server.DEMO_KEY, server.DEMO_SECRET),),
        )  # fmt: skip
        app_, _ = server.build(opts)
        sock = server.bind(port)
        chosen = sock.getsockname()[1]
        if port_file is not None:
            tmp = port_file.with_suffix(".tmp")
            tmp.write_text(str(chosen))
            tmp.replace(port_file)
        typer.echo(f"{dialect} venue server on http://127.0.0.1:{chosen}", err=True)
        server.run(app_, sock)
