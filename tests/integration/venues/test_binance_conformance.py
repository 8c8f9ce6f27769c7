"""Conformance of the local Binance dialect with real Binance, for every method the CCXT
connector uses: our server's raw JSON answer (as the real, unmodified ccxt ``binance`` client
received it: ``exchange.last_json_response``) has the same fields, recursively, and the same
types as the real Binance response ccxt recorded for that method, and ccxt parses it into the
same unified fields.

The recordings: ``ts/src/test/static/response/binance.json`` of ccxt/ccxt (MIT) at commit
05776890e288bf88d1aeba7b62da9e697d3e37f5, copied unchanged (data only) into
``data/binance_recorded.json``.

Types are compared by kind: bool, null, list, object, *integer*, *decimal* and other string.
The spot recordings write every JSON number as a string (``"orderId": "9780331417"``,
``"orderListId": "-1"``; the futures ``createOrders`` recording in the same file has
``"orderId": 4087922044``): a recorded integer string is an *integer*, satisfied by a JSON
integer (what Binance sends) or an integer string. A *decimal* (``"241.00000000"``) must be a
string with the same number of decimal places: exact, never a float.

Not recorded in that file, so not compared here: ``cancelOrder`` and ``fetchMarkets``
(exchangeInfo); ccxt's parse of both is exercised by the end-to-end test.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.venues import shapes
from tests.integration.venues.local import local_venue
from tradecore.venues.ccxt.connect import make_exchange
from tradecore.venues.dialects.server import DEMO_KEY, DEMO_SECRET

DATA = json.loads((Path(__file__).parent / "data" / "binance_recorded.json").read_text())
Got = shapes.Responses
COMMIT = "05776890e288bf88d1aeba7b62da9e697d3e37f5"


def differences(recorded: Any, ours: Any) -> list[str]:
    return shapes.differences(recorded, ours, shapes.fixed_places)


def test_fixture_names_the_commit_it_was_read_at() -> None:
    assert DATA["commit"] == COMMIT and COMMIT in DATA["source"]


def test_the_shape_check_catches_a_wrong_type_and_a_missing_field() -> None:
    rec = {"orderId": "1", "price": "1.00000000", "isWorking": True, "fills": [{"qty": "1.0"}]}
    assert differences(rec, {"orderId": 7, "price": "2.00000000", "isWorking": False,
                             "fills": [{"qty": "2.5"}]}) == []  # fmt: skip
    assert differences(rec, {"orderId": 7, "price": 2.0, "isWorking": True, "fills": []})
    assert differences(rec, {"orderId": 7, "price": "2.00", "isWorking": True, "fills": []})
    assert differences(rec, {"price": "2.00000000", "isWorking": True, "fills": []})


@pytest.fixture(scope="module")
def responses(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[Any, Any]]]:
    """Each method the connector uses, called through ccxt on our server: (raw, parsed)."""
    state = tmp_path_factory.mktemp("conf") / "venue.jsonl"
    with local_venue(state) as (url, _, _):
        yield asyncio.run(
            shapes.collect(
                make_exchange("binance", api_key=DEMO_KEY, secret=DEMO_SECRET, base_url=url), 5
            )
        )


@pytest.mark.parametrize("method", sorted(DATA["methods"]))
def test_our_response_has_the_recorded_fields_and_types(method: str, responses: Got) -> None:
    assert shapes.recorded_differences(DATA, method, responses, shapes.fixed_places) == []


@pytest.mark.parametrize("method", sorted(DATA["methods"]))
def test_ccxt_parses_ours_into_the_recorded_unified_fields(method: str, responses: Got) -> None:
    assert shapes.missing_unified_keys(DATA, method, responses) == set()


def test_fills_and_trades_are_not_empty_so_their_items_were_compared(
    responses: dict[str, tuple[Any, Any]],
) -> None:
    assert responses["fetchMyTrades"][0] and responses["fetchOpenOrders"][0]
    assert responses["fetchTrades"][0]
    assert responses["fetchBalance"][0]["balances"]
