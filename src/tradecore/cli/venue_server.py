"""``tradecore venue-server``: a local exchange speaking a real venue's API (a test exchange
for tradecore's CCXT connector and for any ccxt-based bot)."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("venue-server")
    def venue_server(
        dialect: str = typer.Option("binance", "--dialect", help="API to speak: binance or kucoin"),
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
            [],
            "--key",
            help="API KEY:SECRET[:PASSPHRASE] accepted (repeatable; default: the demo key)",
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
        keys, phrases = [], []
        for k in key:
            api, sep, rest = k.partition(":")
            secret, _, phrase = rest.partition(":")
            if not sep or not api or not secret:
                raise ValidationError("--key", "expected KEY:SECRET or KEY:SECRET:PASSPHRASE")
            keys.append((api, secret))
            if phrase:
                phrases.append((api, phrase))
        opts = server.ServerOptions(
            dialect, port, state, spread_ticks, server.parse_mids(mid),
            tuple(keys) or ((server.DEMO_KEY, server.DEMO_SECRET),), tuple(phrases),
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

    @app.command("record")
    def record(
        out: Path = typer.Option(..., "--out", help="books Parquet file (the replay schema)"),
        symbol: list[str] = typer.Option(["BTC/USDT"], "--symbol", help="unified symbol"),
        exchange: str = typer.Option("binance", "--exchange", help="ccxt exchange id"),
        url: str | None = typer.Option(
            None, "--url", help="a local venue server's URL (default: the exchange itself)"
        ),
        venue: str | None = typer.Option(None, "--venue", help="venue name (default: EXCHANGE)"),
        seconds: float = typer.Option(10.0, "--seconds", help="how long to record"),
        interval_ms: int = typer.Option(200, "--interval-ms", help="poll interval"),
        trades: Path | None = typer.Option(None, "--trades", help="public trades Parquet file"),
    ) -> None:
        """Record a venue's top of book and public trades through ccxt to Parquet; replay the
        books with [marketdata] replay = "OUT" (docs/venues.md)."""
        import asyncio

        from tradecore.errors import ValidationError
        from tradecore.model.identifiers import Venue
        from tradecore.venues.ccxt.connect import make_exchange
        from tradecore.venues.ccxt.errors import classify
        from tradecore.venues.ccxt.record import record as do_record
        from tradecore.venues.ccxt.record import write

        if seconds <= 0 or interval_ms < 1:
            raise ValidationError("--seconds/--interval-ms", "must be > 0")
        name = Venue((venue or exchange).upper())

        from tradecore.venues.ccxt.record import Recording

        async def go() -> Recording:
            try:
                ex = make_exchange(exchange, base_url=url)
            except ValueError as e:
                raise ValidationError("--exchange", str(e)) from None
            try:
                return await do_record(ex, name, symbol, seconds, interval_ms / 1000)
            except ValueError as e:
                raise ValidationError("--symbol", str(e)) from None
            except Exception as e:  # a ccxt failure before the first poll (load_markets)
                m = classify(e)
                raise ValidationError("--url" if url else "--exchange", m.message) from None
            finally:
                await ex.close()

        rec = asyncio.run(go())
        write(rec, out, trades)
        typer.echo(f"recorded {len(rec.books)} books, {len(rec.trades)} trades -> {out}")
