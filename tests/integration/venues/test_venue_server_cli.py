"""``tradecore venue-server``'s input: a bad dialect or key is one error line naming the
option (exit 2); a KuCoin key's passphrase is ``--key KEY:SECRET:PASSPHRASE`` and the server
refuses a client signing with another one."""

from __future__ import annotations

import asyncio
from typing import Any

import ccxt
import pytest
from typer.testing import CliRunner

from tests.integration.venues.local import local_venue
from tradecore.cli import app
from tradecore.venues.ccxt.connect import make_exchange


def _error_line(*args: str) -> str:
    res = CliRunner().invoke(app, ["venue-server", *args])
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert res.exit_code == 2 and len(lines) == 1 and "Traceback" not in res.output, res.output
    return lines[0]


def _balance(url: str, phrase: str) -> Any:
    async def go() -> Any:
        ex = make_exchange("kucoin", api_key="k1", secret="s1", password=phrase, base_url=url)
        try:
            return await ex.fetch_balance()
        finally:
            await ex.close()

    return asyncio.run(go())


def test_an_unknown_dialect_and_a_malformed_key_are_named() -> None:
    line = _error_line("--dialect", "kraken")
    assert "--dialect" in line and "binance, kucoin" in line
    assert "--key" in _error_line("--key", "no-secret-here")


def test_a_kucoin_key_signs_with_its_own_passphrase() -> None:
    keys, phrases = (("k1", "s1"),), (("k1", "phrase-1"),)
    with local_venue(None, dialect="kucoin", keys=keys, passphrases=phrases) as (url, _, _):
        assert _balance(url, "phrase-1")["USDT"]["free"] == "10000000"
        with pytest.raises(ccxt.AuthenticationError, match="KC-API-PASSPHRASE"):
            _balance(url, "another")
