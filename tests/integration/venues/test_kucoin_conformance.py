"""Conformance of the local KuCoin dialect with real KuCoin, for every method the CCXT
connector uses: our server's raw JSON answer (as the real, unmodified ccxt ``kucoin`` client
received it: ``exchange.last_json_response``) has the same fields, recursively, and the same
kinds of value as the real KuCoin response ccxt recorded for that method, and ccxt parses it
into the same unified fields.

The recordings: ``ts/src/test/static/response/kucoin.json`` of ccxt/ccxt (MIT) at commit
012012e91dc8bcc508c5ba63b4058ffd8b727128, the spot cases copied unchanged (data only) into
``data/kucoin_recorded.json``.

Kinds (:func:`shapes.numeric_text`): KuCoin writes decimals in their shortest form
(``"55"``, ``"0.1"``, ``"72.8"``), so any numeric string is one kind, a *number string*,
never a JSON float; JSON integers (``createdAt``, ``cancelAfter``) stay integers.

Not recorded in that file, so not compared here: ``createOrder``, ``cancelOrder`` and
``fetchMarkets`` (symbols); ccxt's parse of each is checked below and by the end-to-end test.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.venues import shapes
from tests.integration.venues.local import local_venue
from tradecore.venues.ccxt.connect import make_exchange
from tradecore.venues.dialects.server import DEMO_KEY, DEMO_PASSPHRASE, DEMO_SECRET

DATA = json.loads((Path(__file__).parent / "data" / "kucoin_recorded.json").read_text())
COMMIT = "012012e91dc8bcc508c5ba63b4058ffd8b727128"


def differences(recorded: Any, ours: Any) -> list[str]:
    return shapes.differences(recorded, ours, shapes.numeric_text)


def test_fixture_names_the_commit_it_was_read_at() -> None:
    assert DATA["commit"] == COMMIT and COMMIT in DATA["source"]


def test_the_shape_check_tells_a_number_string_from_a_float_and_an_id() -> None:
    rec = {"price": "55", "size": "0.1", "id": "6556088034d111000738f7b8", "createdAt": 1}
    assert (
        differences(rec, {"price": "49000.5", "size": "2", "id": "65abcdef00", "createdAt": 7})
        == []
    )
    assert differences(rec, {"price": 49000.5, "size": "2", "id": "65abcdef00", "createdAt": 7})
    assert differences(rec, {"price": "1", "size": "2", "id": "000001", "createdAt": 7})
    assert differences(rec, {"price": "1", "size": "2", "id": "65abcdef00", "createdAt": "7"})
    assert differences(rec, {"price": "1", "size": "2", "createdAt": 7})


@pytest.fixture(scope="module")
def responses(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[Any, Any]]]:
    """Each method the connector uses, called through ccxt on our server: (raw, parsed)."""
    state = tmp_path_factory.mktemp("conf") / "venue.jsonl"
    with local_venue(state, dialect="kucoin") as (url, _, _):
        yield asyncio.run(_collect(url))


async def _collect(url: str) -> dict[str, tuple[Any, Any]]:
    ex = make_exchange("kucoin", api_key=DEMO_KEY, secret=DEMO_SECRET,
                       password=DEMO_PASSPHRASE, base_url=url)  # fmt: skip
    ex.enableLastJsonResponse = True  # ccxt keeps the raw JSON of the last answer
    out: dict[str, tuple[Any, Any]] = {}

    async def call(name: str, fn: Callable[[], Awaitable[Any]]) -> Any:
        parsed = await fn()
        out[name] = (ex.last_json_response, parsed)
        return parsed

    try:
        await ex.load_markets()
        await call("fetchOrderBook", lambda: ex.fetch_order_book("BTC/USDT", 20))
        rest = await call(
            "createOrder",
            lambda: ex.create_order("BTC/USDT", "limit", "buy", "0.05", "49000",
                                    {"clientOrderId": "conf-1"}),
        )  # fmt: skip
        await ex.create_order(
            "BTC/USDT", "limit", "buy", "0.2", "50001", {"clientOrderId": "conf-2"}
        )
        await call("fetchOrder", lambda: ex.fetch_order(rest["id"], "BTC/USDT"))
        await call("fetchOpenOrders", lambda: ex.fetch_open_orders("BTC/USDT"))
        await call("fetchMyTrades", lambda: ex.fetch_my_trades("BTC/USDT"))
        await call("fetchBalance", lambda: ex.fetch_balance())
        await call("fetchTrades", lambda: ex.fetch_trades("BTC/USDT"))  # what `record` reads
        await call(
            "cancelOrder",
            lambda: ex.cancel_order(rest["id"], "BTC/USDT", {"clientOrderId": "conf-1"}),
        )
        out["markets"] = ({}, ex.markets)
    finally:
        await ex.close()
    return out


@pytest.mark.parametrize("method", sorted(DATA["methods"]))
def test_our_response_has_the_recorded_fields_and_types(
    method: str, responses: dict[str, tuple[Any, Any]]
) -> None:
    recorded = DATA["methods"][method]["httpResponse"]
    raw, _ = responses[method]
    assert differences(recorded, raw) == []


@pytest.mark.parametrize("method", sorted(DATA["methods"]))
def test_ccxt_parses_ours_into_the_recorded_unified_fields(
    method: str, responses: dict[str, tuple[Any, Any]]
) -> None:
    _, parsed = responses[method]
    first = parsed[0] if isinstance(parsed, list) else parsed
    assert set(DATA["methods"][method]["parsedKeys"]) <= set(first)


def test_lists_are_not_empty_so_their_items_were_compared(
    responses: dict[str, tuple[Any, Any]],
) -> None:
    assert responses["fetchMyTrades"][0]["data"]["items"]
    assert responses["fetchOpenOrders"][0]["data"]["items"]
    assert responses["fetchTrades"][0]["data"] and responses["fetchBalance"][0]["data"]


def test_unrecorded_methods_parse_into_our_ids_rules_and_fees(
    responses: dict[str, tuple[Any, Any]],
) -> None:
    created, canceled = responses["createOrder"][1], responses["cancelOrder"][1]
    assert created["id"] == canceled["id"] and canceled["clientOrderId"] == "conf-1"
    btc = responses["markets"][1]["BTC/USDT"]
    assert (btc["precision"]["price"], btc["precision"]["amount"]) == ("0.01", "0.0001")
    assert (btc["limits"]["amount"]["min"], btc["limits"]["cost"]["min"]) == ("0.0001", "5")
    assert (btc["maker"], btc["taker"]) == ("0.0002", "0.0005")  # the server's 2 / 5 bps
