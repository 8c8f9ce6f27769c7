"""Deterministic encoding of commands, events and audit records (journal, API, replay).

``dumps(obj) -> bytes`` gives canonical JSON (sorted keys, no spaces, Decimals as written,
ids and currencies as strings, a ``"type"`` tag), so the same events always serialise to the
same bytes. ``loads`` inverts it exactly. ``encode``/``decode`` do the same with plain dicts.
Events and commands are tagged ``msgspec.Struct`` classes (fast to build and to encode);
other records (frozen dataclasses or Structs) join with :func:`register`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Union

import msgspec

from tradecore.errors import ValidationError
from tradecore.model.identifiers import InstrumentId
from tradecore.model.values import Currency

_REGISTRY: dict[str, type[Any]] = {}
_struct_decoder: msgspec.json.Decoder[Any] | None = None


def _enc_hook(obj: Any) -> Any:
    if isinstance(obj, InstrumentId):
        return str(obj)
    if isinstance(obj, Currency):
        return obj.code
    if isinstance(obj, Decimal):
        return str(obj)
    raise NotImplementedError(f"cannot encode {type(obj).__name__}")


def _dec_hook(tp: type[Any], obj: Any) -> Any:
    if tp is InstrumentId and isinstance(obj, str):
        return InstrumentId.parse(obj)
    if tp is Currency and isinstance(obj, str):
        return Currency.of(obj)
    raise NotImplementedError(f"cannot decode {tp!r}")


_encoder = msgspec.json.Encoder(enc_hook=_enc_hook, order="sorted")


def register(*classes: type[Any]) -> None:
    """Make records encodable/decodable by their class name (tagged Structs or dataclasses)."""
    global _struct_decoder
    for cls in classes:
        _REGISTRY[cls.__name__] = cls
    _struct_decoder = None


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


def _register_builtin() -> None:
    from tradecore.model import commands, events

    register(*events.ORDER_EVENTS)
    register(commands.SubmitOrder, commands.CancelOrder, commands.ReplaceOrder)


_register_builtin()
