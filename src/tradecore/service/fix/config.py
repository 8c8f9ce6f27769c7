"""The FIX gateway's configuration (``serve --fix FILE``, TOML) and the QuickFIX session
settings it produces. docs/fix.md shows a full file.

```toml
[session]
port = 9878                 # SocketAcceptPort
sender_comp_id = "TRADECORE"
store = "fix-store"         # FileStorePath: sequence numbers and sent messages survive
heartbeat_s = 30            # restarts; relative paths are relative to this file

[clients.DESK1]             # one FIX session per client SenderCompID
accounts = ["DEMO"]         # like an API key: the accounts it may trade ("*": all)
scopes = ["read", "trade"]  # read: OrderStatusRequest; trade: orders, cancels, mass cancel
```
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic import ValidationError as PydanticError

from tradecore.errors import ConfigError
from tradecore.service.auth import ACCOUNT, HASH

COMP_ID = r"^[A-Za-z0-9_.\-]{1,32}$"
FIX_SCOPES = ("read", "trade")


class SessionConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 9878
    sender_comp_id: Annotated[str, Field(pattern=COMP_ID)] = "TRADECORE"
    heartbeat_s: Annotated[int, Field(ge=1, le=3600)] = 30
    store: str = "fix-store"
    log: str | None = None  # FileLogPath; none: no message log
    data_dictionary: str | None = None  # default: QuickFIX's own FIX44.xml
    reset_on_logon: bool = False  # keep sequence numbers across logons (the store has them)


class ClientConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    accounts: Annotated[list[str], Field(min_length=1)]
    scopes: Annotated[list[str], Field(min_length=1)] = ["read", "trade"]
    password_hash: str | None = None  # Logon Password(554), scrypt like the API keys
    drop_copy: bool = False  # receives every ExecutionReport of its accounts, enters nothing

    @field_validator("accounts")
    @classmethod
    def _accounts(cls, v: list[str]) -> list[str]:
        bad = [a for a in v if not ACCOUNT.fullmatch(a)]
        if bad:
            raise ValueError(f"invalid account(s) {bad}")
        return v

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, v: list[str]) -> list[str]:
        bad = [s for s in v if s not in FIX_SCOPES]
        if bad:
            raise ValueError(f"unknown scope(s) {bad}; use {list(FIX_SCOPES)}")
        return v

    @field_validator("password_hash")
    @classmethod
    def _hash(cls, v: str | None) -> str | None:
        if v is not None and not HASH.fullmatch(v):
            raise ValueError("not a scrypt hash (tradecore keygen writes one)")
        return v

    @model_validator(mode="after")
    def _read_only_copy(self) -> ClientConfig:
        if self.drop_copy and "trade" in self.scopes:
            raise ValueError('a drop-copy session is read-only: scopes = ["read"]')
        return self

    @property
    def default_account(self) -> str | None:
        """The account of an order that names none (only when the session has one)."""
        return self.accounts[0] if len(self.accounts) == 1 and self.accounts[0] != "*" else None

    def can_use(self, account: str) -> bool:
        return "*" in self.accounts or account in self.accounts


class FixConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    session: SessionConfig = SessionConfig()
    clients: Annotated[dict[str, ClientConfig], Field(min_length=1)]

    @field_validator("clients")
    @classmethod
    def _comp_ids(cls, v: dict[str, ClientConfig]) -> dict[str, ClientConfig]:
        import re

        bad = [k for k in v if not re.fullmatch(COMP_ID, k)]
        if bad:
            raise ValueError(f"invalid SenderCompID(s) {bad}")
        return v


def load_fix_config(path: Path) -> tuple[FixConfig, Path]:
    """The validated file and the folder its relative paths are relative to; every problem
    a :class:`ConfigError` naming the field (``fix.clients.DESK1.scopes``)."""
    try:
        raw = tomllib.loads(path.read_text())
    except OSError as e:
        raise ConfigError("--fix", f"cannot read {path}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError("--fix", f"{path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError("--fix", f"{path} is not valid TOML: {e}") from None
    try:
        return FixConfig.model_validate(raw), path.resolve().parent
    except PydanticError as e:
        err = e.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"fix.{where}", err["msg"]) from None


def data_dictionary(cfg: SessionConfig, base: Path) -> Path:
    """FIX44.xml: the configured one, else the one the quickfix package installs."""
    import sys

    if cfg.data_dictionary:
        return (base / cfg.data_dictionary).resolve()
    return Path(sys.prefix) / "share" / "quickfix" / "FIX44.xml"


def acceptor_settings(cfg: FixConfig, base: Path) -> str:
    """The QuickFIX settings text: one acceptor session per client SenderCompID."""
    s = cfg.session
    lines = [
        "[DEFAULT]", "ConnectionType=acceptor", f"SocketAcceptPort={s.port}",
        f"SocketAcceptHost={s.host}", "SocketReuseAddress=Y", "SocketNodelay=Y",
        "StartTime=00:00:00", "EndTime=00:00:00", "UseDataDictionary=Y",
        f"DataDictionary={data_dictionary(s, base)}", "ValidateUserDefinedFields=N",
        f"FileStorePath={(base / s.store).resolve()}", "PersistMessages=Y",
        f"ResetOnLogon={'Y' if s.reset_on_logon else 'N'}",
        f"HeartBtInt={s.heartbeat_s}", "BeginString=FIX.4.4", f"SenderCompID={s.sender_comp_id}",
    ]  # fmt: skip
    if s.log:
        lines.append(f"FileLogPath={(base / s.log).resolve()}")
    for comp in sorted(cfg.clients):
        lines += ["", "[SESSION]", f"TargetCompID={comp}"]
    return "\n".join(lines) + "\n"
