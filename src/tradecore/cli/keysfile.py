"""The API keys file, validated before ``KeyStore.load`` reads it (serve, check): every
error one line naming the dotted key (``keys.desk1.scopes.0``), exit 2."""

from __future__ import annotations

import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from tradecore.config_types import format_pydantic_error
from tradecore.errors import ConfigError

KeyId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_\-]{1,64}$")]
Account = Annotated[str, StringConstraints(pattern=r"^(\*|[A-Za-z0-9_.:\-]{1,64})$")]


class Scope(StrEnum):
    READ = "read"
    TRADE = "trade"
    RISK_ADMIN = "risk-admin"
    METRICS = "metrics"
    ADMIN = "admin"  # the manual market clock and the state digest (/v1/admin/*)


class KeyEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    hash: str = Field(pattern=r"^scrypt\$\S+$")
    accounts: tuple[Account, ...] = Field(min_length=1)
    scopes: tuple[Scope, ...] = (Scope.READ,)


class KeysFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    rate_per_s: float = Field(50.0, gt=0, le=1e6, allow_inf_nan=False)
    burst: float = Field(100.0, ge=1, le=1e6, allow_inf_nan=False)
    auth_failures_per_s: float = Field(0.5, gt=0, le=1e6, allow_inf_nan=False)
    auth_failures_burst: float = Field(10.0, ge=1, le=1e6, allow_inf_nan=False)
    keys: dict[KeyId, KeyEntry] = Field(default_factory=dict)


def validate_keys_file(path: Path) -> KeysFile:
    if not path.is_file():
        raise ConfigError(str(path), "keys file not found")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(str(path), f"not valid TOML: {e}") from None
    except (UnicodeDecodeError, OSError) as e:
        raise ConfigError(str(path), f"cannot read: {e}") from None
    try:
        return KeysFile.model_validate(data)
    except ValidationError as err:
        raise ConfigError(*format_pydantic_error(err)) from None
