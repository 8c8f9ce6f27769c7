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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.venues import shapes
from tests.integration.venues.local import local_venue, plain_client

DATA = json.loads((Path(__file__).parent / "data" / "kucoin_recorded.json").read_text())
Got = shapes.Responses
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
        yield asyncio.run(shapes.collect(plain_client("kucoin", url), 20))


@pytest.mark.parametrize("method", sorted(DATA["methods"]))
def test_our_response_has_the_recorded_fields_and_types(method: str, responses: Got) -> None:
    assert shapes.recorded_differences(DATA, method, responses, shapes.numeric_text) == []


@pytest.mark.parametrize("method", sorted(DATA["methods"]))
def test_ccxt_parses_ours_into_the_recorded_unified_fields(method: str, responses: Got) -> None:
    assert shapes.missing_unified_keys(DATA, method, responses) == set()


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
