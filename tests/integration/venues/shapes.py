"""Shape comparison of a venue server's JSON with a recorded real response: the same
fields, recursively, and the same *kind* of value in each (the conformance tests)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

INT = re.compile(r"^-?\d+$")
DEC = re.compile(r"^-?\d+\.(\d+)$")
Kind = Callable[[Any], str]


def _structural(v: Any) -> str | None:
    if isinstance(v, bool):
        return "bool"
    if v is None:
        return "null"
    if isinstance(v, list):
        return "list"
    if isinstance(v, dict):
        return "object"
    if isinstance(v, int):
        return "integer"
    return None


def fixed_places(v: Any) -> str:
    """Binance's kinds: an integer string is an *integer* (as a JSON integer is), a decimal
    string is a *decimal with its number of places* (Binance pads to 8)."""
    k = _structural(v)
    if k is not None:
        return k
    if isinstance(v, str) and INT.match(v):
        return "integer"
    if isinstance(v, str) and (m := DEC.match(v)):
        return f"decimal/{len(m.group(1))}"
    return "string" if isinstance(v, str) else type(v).__name__


def numeric_text(v: Any) -> str:
    """KuCoin's kinds: numbers are written in their shortest form (``"55"``, ``"0.1"``), so any
    numeric string is a *number string*, apart from JSON integers and other strings."""
    k = _structural(v)
    if k is not None:
        return k
    if isinstance(v, str) and (INT.match(v) or DEC.match(v)):
        return "number-string"
    return "string" if isinstance(v, str) else type(v).__name__


def differences(recorded: Any, ours: Any, kind: Kind, path: str = "$") -> list[str]:
    """Where ``ours`` differs in shape from ``recorded`` (fields and kinds, recursively; every
    item of a list against the recorded first item)."""
    kr, ko = kind(recorded), kind(ours)
    if kr != ko:
        return [f"{path}: recorded {kr} {recorded!r}, ours {ko} {ours!r}"]
    if kr == "object":
        out = []
        if set(recorded) != set(ours):
            out.append(
                f"{path}: missing {sorted(set(recorded) - set(ours))}, "
                f"extra {sorted(set(ours) - set(recorded))}"
            )
        for k in sorted(set(recorded) & set(ours)):
            out += differences(recorded[k], ours[k], kind, f"{path}.{k}")
        return out
    if kr == "list" and recorded and ours:
        out = []
        for i, item in enumerate(ours):
            out += differences(recorded[0], item, kind, f"{path}[{i}]")
        return out
    return []


Responses = dict[str, tuple[Any, Any]]


def recorded_differences(
    data: dict[str, Any], method: str, got: Responses, kind: Kind
) -> list[str]:
    """How our raw answer to ``method`` differs from the recorded real one."""
    return differences(data["methods"][method]["httpResponse"], got[method][0], kind)


def missing_unified_keys(data: dict[str, Any], method: str, got: Responses) -> set[str]:
    """The unified fields ccxt parsed from the recorded answer but not from ours."""
    parsed = got[method][1]
    first = parsed[0] if isinstance(parsed, list) else parsed
    return set(data["methods"][method]["parsedKeys"]) - set(first)


async def collect(ex: Any, book_levels: int) -> Responses:
    """Each method the connector uses, called through ``ex`` (a ccxt client on a venue
    server): method -> (the raw JSON answer, ccxt's parse). Two orders are placed first (one
    resting, one that trades), so the lists have items to compare; ``markets`` is ccxt's."""
    ex.enableLastJsonResponse = True  # ccxt keeps the raw JSON of the last answer
    out: Responses = {}

    async def call(name: str, fn: Callable[[], Awaitable[Any]]) -> Any:
        parsed = await fn()
        out[name] = (ex.last_json_response, parsed)
        return parsed

    try:
        await ex.load_markets()
        await call("fetchOrderBook", lambda: ex.fetch_order_book("BTC/USDT", book_levels))
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
