"""Shared pydantic field types for configuration: exact decimals that refuse TOML floats."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator


def _exact(v: Any) -> Any:
    if isinstance(v, float):
        raise ValueError(f'{v!r} is a binary float; write exact numbers as strings, e.g. "{v}"')
    if isinstance(v, bool):
        raise ValueError("a boolean is not a number")
    return v


#: A Decimal config value. TOML floats are refused (write ``"0.01"``, not ``0.01``).
ExactDecimal = Annotated[Decimal, BeforeValidator(_exact)]


def format_pydantic_error(err: Any, prefix: str = "") -> tuple[str, str]:
    """(dotted field, reason) of the first error of a pydantic ValidationError."""
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first.get("loc", ()))
    field = f"{prefix}.{loc}" if prefix and loc else (prefix or loc or "config")
    return field, str(first.get("msg", "invalid"))
