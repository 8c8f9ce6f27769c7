"""Run a dialect over the local exchange on 127.0.0.1 (``tradecore venue-server``)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from fastapi import FastAPI

from tradecore.errors import ValidationError
from tradecore.venues.dialects.exchange import Exchange, ExchangeConfig, Market

#: the API key and secret every venue server accepts unless told otherwise (a test exchange)
DEMO_KEY = "tradecore-demo-key"
DEMO_SECRET = "tradecore-demo-secret"
#: KuCoin keys also have a passphrase: this one, unless ``--key KEY:SECRET:PASSPHRASE``
DEMO_PASSPHRASE = "tradecore-demo-passphrase"


@dataclass(frozen=True, slots=True)
class ServerOptions:
    dialect: str = "binance"
    port: int = 0
    state: Path | None = None
    spread_ticks: int = 5
    mids: tuple[tuple[str, Decimal], ...] = ()
    keys: tuple[tuple[str, str], ...] = ((DEMO_KEY, DEMO_SECRET),)
    #: API key -> passphrase (dialects that sign with one); others get DEMO_PASSPHRASE
    passphrases: tuple[tuple[str, str], ...] = ()


def _binance(exchange: Exchange, opts: ServerOptions) -> FastAPI:
    from tradecore.venues.dialects import binance

    return binance.build_app(binance.BinanceDialect(exchange, dict(opts.keys)))


def _kucoin(exchange: Exchange, opts: ServerOptions) -> FastAPI:
    from tradecore.venues.dialects import kucoin

    given = dict(opts.passphrases)
    phrases = {k: given.get(k, DEMO_PASSPHRASE) for k, _ in opts.keys}
    return kucoin.build_app(kucoin.KucoinDialect(exchange, dict(opts.keys), phrases))


#: each dialect's front end over the one local exchange
DIALECTS: dict[str, Callable[[Exchange, ServerOptions], FastAPI]] = {
    "binance": _binance,
    "kucoin": _kucoin,
}


def default_markets(spread_ticks: int, mids: Mapping[str, Decimal]) -> tuple[Market, ...]:
    btc = Market("BTC", "USDT", Decimal("0.01"), Decimal("0.0001"), Decimal("0.0001"),
                 Decimal(5), mids.get("BTCUSDT", Decimal(50_000)), spread_ticks)  # fmt: skip
    eth = Market("ETH", "USDT", Decimal("0.01"), Decimal("0.001"), Decimal("0.001"),
                 Decimal(5), mids.get("ETHUSDT", Decimal(3_000)), spread_ticks)  # fmt: skip
    return btc, eth


def parse_mids(items: Sequence[str]) -> tuple[tuple[str, Decimal], ...]:
    out = []
    for item in items:
        sym, sep, px = item.partition("=")
        try:
            value = Decimal(px)
        except ArithmeticError:
            value = Decimal(-1)
        if not sep or not value.is_finite() or value <= 0:
            raise ValidationError("--mid", f"{item!r}: expected SYMBOL=PRICE, e.g. BTCUSDT=50000")
        out.append((sym.upper(), value))
    return tuple(out)


def build(opts: ServerOptions) -> tuple[FastAPI, Exchange]:
    if opts.dialect not in DIALECTS:
        raise ValidationError("--dialect", f"{opts.dialect!r}: one of {', '.join(DIALECTS)}")
    markets = default_markets(opts.spread_ticks, dict(opts.mids))
    initial = (("USDT", Decimal(10_000_000)), *((m.base, Decimal(1000)) for m in markets))
    exchange = Exchange(ExchangeConfig(markets, initial=initial), opts.state)
    return DIALECTS[opts.dialect](exchange, opts), exchange


def bind(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1 (port 0: a free one, chosen by the OS)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # accepted connections inherit it: no 40 ms Nagle / delayed-ACK stall per answer
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    return sock


def run(app: FastAPI, sock: socket.socket) -> None:
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    asyncio.run(uvicorn.Server(config).serve(sockets=[sock]))
