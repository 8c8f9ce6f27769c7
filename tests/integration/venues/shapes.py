"""Shape comparison of a venue server's JSON with a recorded real response: the same
fields, recursively, and the same *kind* of value in each (the conformance tests)."""

from __future__ import annotations

import re
from collections.abc import Callable
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
