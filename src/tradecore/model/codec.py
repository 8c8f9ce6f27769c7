"""Deterministic JSON-ready encoding of commands and events (for journal, API, replay).

``encode(obj) -> dict`` and ``decode(dict) -> obj`` round-trip every registered frozen
dataclass exactly: Decimals as strings, enums by value, ids as strings, Money as
``{"amount", "currency"}``. ``dumps`` gives canonical bytes (sorted keys, no spaces), so the same
events always serialise to the same bytes.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from decimal import Decimal
from enum import Enum
from typing import Any

from tradecore.errors import ValidationError
from tradecore.model.identifiers import InstrumentId
from tradecore.model.values import Currency, Money

_REGISTRY: dict[str, type[Any]] = {}
_DECODERS: dict[type[Any], list[tuple[str, Any]]] = {}


def register(*classes: type[Any]) -> None:
    """Make dataclasses encodable/decodable by their class name."""
    for cls in classes:
        _REGISTRY[cls.__name__] = cls


def _encode_value(v: Any) -> Any:
    if v is None or (isinstance(v, (bool, int, str)) and not isinstance(v, Enum)):
        return v
    if isinstance(v, Enum):
        return v.value
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, InstrumentId):
        return str(v)
    if isinstance(v, Money):
        return {"amount": str(v.amount), "currency": v.currency.code}
    if isinstance(v, Currency):
        return v.code
    if isinstance(v, (list, tuple)):
        return [_encode_value(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _encode_value(x) for k, x in v.items()}
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return encode(v)
    raise TypeError(f"cannot encode {type(v).__name__}")


def encode(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": type(obj).__name__}
    for f in dataclasses.fields(obj):
        out[f.name] = _encode_value(getattr(obj, f.name))
    return out


def dumps(obj: Any) -> bytes:
    return json.dumps(encode(obj), sort_keys=True, separators=(",", ":")).encode()


def _decoder_for(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        inner = [a for a in args if a is not type(None)]
        dec = _decoder_for(inner[0]) if len(inner) == 1 else (lambda x: x)
        return lambda x: None if x is None else dec(x)
    if tp is Decimal:
        return Decimal
    if tp is InstrumentId:
        return InstrumentId.parse
    if tp is Money:
        return lambda x: Money(Decimal(x["amount"]), Currency.of(x["currency"]))
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return lambda x: decode(x)
    return lambda x: x


def _decoders(cls: type[Any]) -> list[tuple[str, Any]]:
    decs = _DECODERS.get(cls)
    if decs is None:
        hints = typing.get_type_hints(cls)
        decs = [(f.name, _decoder_for(hints[f.name])) for f in dataclasses.fields(cls)]
        _DECODERS[cls] = decs
    return decs


def decode(data: dict[str, Any]) -> Any:
    name = data.get("type")
    cls = _REGISTRY.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ValidationError("type", f"unknown record type {name!r}")
    kwargs = {}
    for fname, dec in _decoders(cls):
        if fname in data:
            kwargs[fname] = dec(data[fname])
    return cls(**kwargs)


def loads(raw: bytes | str) -> Any:
    return decode(json.loads(raw))


def _register_builtin() -> None:
    from tradecore.model import commands, events

    register(*events.ORDER_EVENTS)
    register(commands.SubmitOrder, commands.CancelOrder, commands.ReplaceOrder)


_register_builtin()
