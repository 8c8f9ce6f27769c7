"""The application configuration: one frozen, validated model loaded from TOML.

Every section is optional; the defaults are the embedded demo set-up (three simulated venues,
synthetic market data, in-process bus, SQLite journal). Errors name the dotted key, e.g.
``venues.1.taker_bps: Input should be a valid decimal``. Exact numbers (prices, sizes, fees)
must be written as TOML strings: a TOML float is refused rather than silently rounded.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tradecore.config_types import ExactDecimal, format_pydantic_error
from tradecore.errors import ConfigError
from tradecore.model.enums import AssetClass
from tradecore.routing.config import RoutingConfig

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class InstrumentConfig(BaseModel):
    model_config = _FROZEN
    symbol: str
    quote: str | None = None  # for symbols without /QUOTE (equities)
    asset_class: AssetClass = AssetClass.CRYPTO
    tick: ExactDecimal
    lot: ExactDecimal
    min_quantity: ExactDecimal = Decimal(0)
    min_notional: ExactDecimal = Decimal(0)
    start_price: ExactDecimal
    vol_ticks: float = Field(3.0, ge=0)
    beta: float = Field(0.7, ge=-1, le=1)
    level_size: ExactDecimal = Decimal(1)


class VenueConfig(BaseModel):
    model_config = _FROZEN
    name: str = Field(pattern=r"^[A-Z0-9_]{2,16}$")
    maker_bps: ExactDecimal = Decimal(0)
    taker_bps: ExactDecimal = Decimal(0)
    spread_ticks: int = Field(2, ge=1)
    spread_bps: ExactDecimal = Decimal(0)  # > 0 overrides spread_ticks
    level_step_bps: ExactDecimal = Decimal(0)  # > 0: depth levels this many bps apart
    depth_levels: int = Field(5, ge=1, le=50)
    size_scale: ExactDecimal = Decimal(1)
    offset_ticks: int = Field(1, ge=0)
    ack_latency_us: int = Field(300, ge=1)
    ack_jitter_us: int = Field(100, ge=0)
    fill_delay_us: int = Field(50, ge=0)
    fill_jitter_us: int = Field(0, ge=0)
    reject_rate: float = Field(0.0, ge=0, le=1)
    timeout_rate: float = Field(0.0, ge=0, le=1)
    outage_prob: float = Field(0.0, ge=0, le=1)
    outage_updates: int = Field(20, ge=1)

    @model_validator(mode="after")
    def _jitter(self) -> VenueConfig:
        if self.ack_jitter_us >= self.ack_latency_us:
            raise ValueError("ack_jitter_us must be below ack_latency_us")
        return self


class MarketDataConfig(BaseModel):
    model_config = _FROZEN
    step_ms: int = Field(100, ge=1)
    replay: str | None = None  # a CSV or Parquet file instead of the synthetic generator


class DemoConfig(BaseModel):
    model_config = _FROZEN
    seconds: int = Field(300, ge=1, description="simulated seconds of market")
    order_every: int = Field(5, ge=1, description="market updates between demo orders")
    large_order_share: float = Field(0.25, ge=0, le=1)
    limit_order_share: float = Field(0.4, ge=0, le=1)
    account: str = "DEMO"


class EngineConfig(BaseModel):
    model_config = _FROZEN
    seed: int = 7
    retain_closed: int = Field(200_000, ge=1)
    base_currency: str = "USD"
    initial_cash: ExactDecimal = Decimal(1_000_000)
    position_method: Literal["average", "fifo"] = "average"  # the live position keeper's
    # pin the engine process to this CPU (Linux; None: let the OS schedule it)
    cpu: int | None = Field(None, ge=0)


DEFAULT_CONFIG = Path(__file__).parent / "configs" / "default.toml"


class AppConfig(BaseModel):
    model_config = _FROZEN
    engine: EngineConfig = EngineConfig()
    instruments: tuple[InstrumentConfig, ...] = Field(min_length=1)
    venues: tuple[VenueConfig, ...] = Field(min_length=1)
    marketdata: MarketDataConfig = MarketDataConfig()
    routing: RoutingConfig = RoutingConfig()
    demo: DemoConfig = DemoConfig()
    # sections owned by later components are validated by them (kept as raw tables here)
    risk: dict[str, Any] = Field(default_factory=dict)
    journal: dict[str, Any] = Field(default_factory=dict)
    service: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _unique(self) -> AppConfig:
        names = [v.name for v in self.venues]
        if len(set(names)) != len(names):
            raise ValueError(f"venue names must be unique: {names}")
        syms = [i.symbol for i in self.instruments]
        if len(set(syms)) != len(syms):
            raise ValueError(f"instrument symbols must be unique: {syms}")
        return self


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(str(path), "config file not found")
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(str(path), f"not valid TOML: {e}") from None


def load_config(
    path: str | Path | None = None, overrides: dict[str, Any] | None = None
) -> AppConfig:
    """Validate the packaged defaults, with each top-level section of ``path`` (if given)
    replacing the default one, then ``overrides`` merged key by key into their sections."""
    data = _read_toml(DEFAULT_CONFIG)
    if path is not None:
        data.update(_read_toml(Path(path)))
    for k, v in (overrides or {}).items():
        section = data.setdefault(k, {})
        if isinstance(section, dict) and isinstance(v, dict):
            section.update(v)
        else:
            data[k] = v
    try:
        return AppConfig.model_validate(data)
    except ValidationError as err:
        field, reason = format_pydantic_error(err)
        raise ConfigError(field, reason) from None
