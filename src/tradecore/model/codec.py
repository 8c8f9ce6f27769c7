"""Deterministic encoding of commands, events and audit records (journal, API, replay).

``dumps(obj) -> bytes`` gives canonical JSON (sorted keys, no spaces, Decimals as written,
ids and currencies as strings, a ``"type"`` tag), so the same events always serialise to the
same bytes. ``loads`` inverts it exactly. ``encode``/``decode`` do the same with plain dicts.
Events and commands are tagged ``msgspec.Struct`` classes (fast to build and to encode);
other records (frozen dataclasses or Structs) join with :func:`register`.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Union

import msgspec

from tradecore.errors import ValidationError
from tradecore.model.identifiers import InstrumentId
from tradecore.model.values import Currency

_REGISTRY: dict[str, type[Any]] = {}
_struct_decoder: msgspec.json.Decoder[Any] | None = None
_array_decoder: msgspec.json.Decoder[list[Any]] | None = None


def _enc_hook(obj: Any) -> Any:
    if isinstance(obj, InstrumentId):
        return str(obj)
    if isinstance(obj, Currency):
        return obj.code
    if isinstance(obj, Decimal):
        return str(obj)
    raise NotImplementedError(f"cannot encode {type(obj).__name__}")


# decoded ids and currencies by their text (immutable values): a journal repeats a few of
# them on most events, and the hook runs once per such field, so the common case is one lookup
_IDS: dict[str, InstrumentId] = {}
_CURRENCIES: dict[str, Currency] = {}
_MEMO_MAX = 100_000
#: type -> (its memo by text, how to parse the text)
_MEMOS: dict[type[Any], tuple[dict[str, Any], Callable[[str], Any]]] = {
    InstrumentId: (_IDS, InstrumentId.parse),
    Currency: (_CURRENCIES, Currency.of),
}


def _dec_hook(tp: type[Any], obj: Any) -> Any:
    memo = _MEMOS.get(tp)
    if memo is not None and type(obj) is str:
        seen, parse = memo
        value = seen.get(obj)
        if value is None:
            value = parse(obj)
            if len(seen) < _MEMO_MAX:
                seen[obj] = value
        return value
    raise NotImplementedError(f"cannot decode {tp!r}")


_encoder = msgspec.json.Encoder(enc_hook=_enc_hook, order="sorted")


def register(*classes: type[Any]) -> None:
    """Make records encodable/decodable by their class name (tagged Structs or dataclasses)."""
    global _struct_decoder, _array_decoder
    for cls in classes:
        _REGISTRY[cls.__name__] = cls
    _struct_decoder = _array_decoder = None


def _tagged_structs() -> list[type[Any]]:
    return [
        c
        for c in _REGISTRY.values()
        if isinstance(c, type) and issubclass(c, msgspec.Struct) and c.__struct_config__.tag
    ]


def _decoder() -> msgspec.json.Decoder[Any]:
    global _struct_decoder
    if _struct_decoder is None:
        structs = _tagged_structs()
        _struct_decoder = msgspec.json.Decoder(Union[tuple(structs)], dec_hook=_dec_hook)  # type: ignore[arg-type]  # noqa: UP007
    return _struct_decoder


def _records_decoder() -> msgspec.json.Decoder[list[Any]]:
    global _array_decoder
    if _array_decoder is None:
        record: Any = Union[tuple(_tagged_structs())]  # noqa: UP007
        _array_decoder = msgspec.json.Decoder(list[record], dec_hook=_dec_hook)  # type: ignore[valid-type]
    return _array_decoder


def encoder() -> msgspec.json.Encoder:
    """The canonical encoder itself, for hot paths that encode tagged structs only."""
    return _encoder


def dumps(obj: Any) -> bytes:
    """Canonical JSON bytes of a registered record."""
    if isinstance(obj, msgspec.Struct) and obj.__struct_config__.tag:
        return _encoder.encode(obj)
    return _encoder.encode(encode(obj))


def encode(obj: Any) -> dict[str, Any]:
    """A JSON-ready dict with a ``type`` tag."""
    out = msgspec.to_builtins(obj, enc_hook=_enc_hook, order="sorted")
    if not isinstance(out, dict):
        raise TypeError(f"cannot encode {type(obj).__name__} as a record")
    out["type"] = type(obj).__name__
    return out


def decode(data: dict[str, Any]) -> Any:
    name = data.get("type")
    cls = _REGISTRY.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ValidationError("type", f"unknown record type {name!r}")
    try:
        if issubclass(cls, msgspec.Struct) and cls.__struct_config__.tag:
            return msgspec.convert(data, cls, dec_hook=_dec_hook)
        body = {k: v for k, v in data.items() if k != "type"}
        return msgspec.convert(body, cls, dec_hook=_dec_hook)
    except msgspec.ValidationError as err:
        raise ValidationError(name or "record", str(err)) from None


def loads(raw: bytes | str) -> Any:
    """Inverse of :func:`dumps`."""
    try:
        return _decoder().decode(raw)
    except msgspec.ValidationError:
        data = msgspec.json.decode(raw)
        if not isinstance(data, dict):
            raise ValidationError("record", "not a JSON object") from None
        return decode(data)


def loads_array(raw: bytes | str) -> list[Any]:
    """:func:`loads` of each element of a JSON array of records, in one decoder call when
    every element is a tagged struct (a journal chunk), else element by element."""
    try:
        return _records_decoder().decode(raw)
    except msgspec.ValidationError:
        return [loads(item) for item in msgspec.json.decode(raw, type=list[msgspec.Raw])]


def _register_builtin() -> None:
    from tradecore.model import commands, events

    register(*events.ORDER_EVENTS)
    register(commands.SubmitOrder, commands.CancelOrder, commands.ReplaceOrder)


_register_builtin()
