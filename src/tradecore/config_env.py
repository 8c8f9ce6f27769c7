"""Environment overrides of the configuration (pydantic-settings).

``TRADECORE_<SECTION>__<KEY>=value`` sets one key, e.g. ``TRADECORE_JOURNAL__DURABILITY=fsync``
or ``TRADECORE_ENGINE__SEED=3``; values are parsed as JSON when they are JSON (numbers, true,
lists), else kept as strings. ``TRADECORE_JOURNAL=sqlite:///path`` or ``postgresql://...``
sets ``journal.url``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

SECTIONS = ("engine", "marketdata", "routing", "demo", "journal", "service", "risk")


class _EnvSections(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TRADECORE_", env_nested_delimiter="__", extra="ignore", case_sensitive=False
    )
    engine: dict[str, Any] = Field(default_factory=dict)
    marketdata: dict[str, Any] = Field(default_factory=dict)
    routing: dict[str, Any] = Field(default_factory=dict)
    demo: dict[str, Any] = Field(default_factory=dict)
    journal: dict[str, Any] = Field(default_factory=dict)
    service: dict[str, Any] = Field(default_factory=dict)
    risk: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings)


class _GivenEnv(EnvSettingsSource):
    """The environment source, reading a given mapping instead of os.environ."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._given = dict(env)
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {k.lower(): v for k, v in self._given.items()}


def _value(raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    try:
        v = json.loads(raw)
    except ValueError:
        return raw
    return raw if isinstance(v, float) else v  # an exact number stays a string


def env_overrides(env: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    source = dict(os.environ if env is None else env)
    url = source.pop("TRADECORE_JOURNAL", None)
    # section names alone (TRADECORE_RISK=...) are not overrides; only SECTION__KEY is
    keep = {k: v for k, v in source.items() if "__" in k and k.upper().startswith("TRADECORE_")}
    out: dict[str, dict[str, Any]] = {}
    if keep:
        # the source's own output, not _EnvSections.model_validate: validating a BaseSettings
        # reads os.environ again, where TRADECORE_JOURNAL (a URL) is not a section table
        parsed = _GivenEnv(_EnvSections, keep)()
        for name in SECTIONS:
            table = parsed.get(name)
            if isinstance(table, dict) and table:
                out[name] = {k: _value(v) for k, v in table.items()}
    if url:
        out.setdefault("journal", {})["url"] = url
    return out
