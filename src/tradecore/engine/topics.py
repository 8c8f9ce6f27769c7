"""Topic names for external transports (WebSocket, NATS), built in one place."""

from __future__ import annotations

from typing import Any

PREFIX = "tradecore"


def for_message(message: Any) -> str:
    """``tradecore.<kind>.<account or instrument>`` for a published message."""
    kind = type(message).__name__
    account = getattr(message, "account", None)
    if account is not None:
        return f"{PREFIX}.{kind}.{account}"
    instrument = getattr(message, "instrument_id", None)
    if instrument is not None:
        return f"{PREFIX}.{kind}.{str(instrument).replace('/', '-').replace('@', '.')}"
    return f"{PREFIX}.{kind}"
