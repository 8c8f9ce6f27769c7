"""API credentials for a CCXT venue: from the environment or a secrets file kept outside the
TOML config. Never logged, never journaled: :class:`Credentials` hides its secrets from
``repr``/``str``, and nothing in tradecore writes them anywhere."""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tradecore.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Credentials:
    api_key: str = field(repr=False)
    secret: str = field(repr=False)
    password: str | None = field(default=None, repr=False)  # some venues' "passphrase"

    def __repr__(self) -> str:
        return f"Credentials(api_key=...{self.api_key[-4:]}, secret=<hidden>)"

    __str__ = __repr__


def env_prefix(venue: str) -> str:
    return "TRADECORE_" + "".join(c if c.isalnum() else "_" for c in venue.upper()) + "_"


def load_credentials(
    venue: str, secrets_file: Path | None = None, env: Mapping[str, str] | None = None
) -> Credentials | None:
    """``TRADECORE_<VENUE>_API_KEY`` / ``_SECRET`` (/ ``_PASSWORD``) from the environment
    first; else the ``[<venue>]`` table of ``secrets_file`` (TOML: ``api_key``, ``secret``,
    ``password``), which must not be readable by group or others. None: no credentials
    (public data only, or paper trading)."""
    env = os.environ if env is None else env
    p = env_prefix(venue)
    key, secret = env.get(p + "API_KEY"), env.get(p + "SECRET")
    if key and secret:
        return Credentials(key, secret, env.get(p + "PASSWORD") or None)
    if key or secret:
        raise ConfigError(p + ("SECRET" if key else "API_KEY"), "set both the key and the secret")
    if secrets_file is None:
        return None
    try:
        mode = secrets_file.stat().st_mode
        data = tomllib.loads(secrets_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("secrets_file", f"{secrets_file} does not exist") from None
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError("secrets_file", f"{secrets_file}: {type(e).__name__}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError("secrets_file", f"{secrets_file} is readable by others: chmod 600 it")
    table = data.get(venue) or data.get(venue.lower())
    if not isinstance(table, dict):
        return None
    key, secret = table.get("api_key"), table.get("secret")
    if not isinstance(key, str) or not isinstance(secret, str) or not key or not secret:
        raise ConfigError(f"secrets_file.{venue}", "needs api_key and secret (strings)")
    pw = table.get("password")
    return Credentials(key, secret, pw if isinstance(pw, str) and pw else None)
