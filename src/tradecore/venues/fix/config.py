"""A FIX venue's session configuration and the QuickFIX initiator settings it produces."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

COMP_ID = r"^[A-Za-z0-9_.\-]{1,32}$"


class FixVenueConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)]
    sender_comp_id: Annotated[str, Field(pattern=COMP_ID)] = "TRADECORE"
    target_comp_id: Annotated[str, Field(pattern=COMP_ID)]
    heartbeat_s: Annotated[int, Field(ge=1, le=3600)] = 30
    reconnect_s: Annotated[int, Field(ge=1, le=3600)] = 1
    store: Path  # FileStorePath: our sequence numbers survive a restart
    log: Path | None = None
    data_dictionary: Path | None = None  # default: QuickFIX's FIX44.xml
    account: str | None = None  # Account(1) on our orders, if the venue wants one
    password: str | None = None  # Logon Password(554)
    status_timeout_s: Annotated[float, Field(gt=0, le=60)] = 2.0


def initiator_settings(cfg: FixVenueConfig, dictionary: Path) -> str:
    lines = [
        "[DEFAULT]", "ConnectionType=initiator", f"ReconnectInterval={cfg.reconnect_s}",
        "StartTime=00:00:00", "EndTime=00:00:00", "UseDataDictionary=Y",
        f"DataDictionary={dictionary}", "ValidateUserDefinedFields=N",
        f"FileStorePath={cfg.store.resolve()}", "PersistMessages=Y", "ResetOnLogon=N",
        "SocketNodelay=Y", "", "[SESSION]", "BeginString=FIX.4.4",
        f"SenderCompID={cfg.sender_comp_id}", f"TargetCompID={cfg.target_comp_id}",
        f"SocketConnectHost={cfg.host}", f"SocketConnectPort={cfg.port}",
        f"HeartBtInt={cfg.heartbeat_s}",
    ]  # fmt: skip
    if cfg.log is not None:
        lines.insert(1, f"FileLogPath={cfg.log.resolve()}")
    return "\n".join(lines) + "\n"
