"""The application configuration: one frozen, validated model loaded from TOML.

Every section is optional; the defaults are the embedded demo set-up (three simulated venues,
synthetic market data, in-process bus, SQLite journal). Errors name the dotted key, e.g.
``venues.1.taker_bps: Input should be a valid decimal``. Exact numbers (prices, sizes, fees)
must be written as TOML strings: a TOML float is refused rather than silently rounded.

Merge rule (docs/configuration.md): a user file replaces each top-level section it defines,
except ``[risk]``, whose keys are merged one by one over the packaged ``[risk]`` (a user
``[risk.accounts.X]`` keeps the packaged ``[risk.defaults]``; each account's keys are merged
over those defaults). Environment variables ``TRADECORE_<SECTION>__<KEY>`` override single
keys, and ``TRADECORE_JOURNAL`` sets the journal URL.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tradecore.config_types import ExactDecimal, format_pydantic_error
from tradecore.errors import ConfigError
from tradecore.model.enums import AssetClass, StpMode
from tradecore.routing.config import RoutingConfig

_FROZEN = ConfigDict(frozen=True, extra="forbid")
_SYMBOL = r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,15}(/[A-Z][A-Z0-9]{2,4})?$"  # BTC/USD, BTC/USDT
_CURRENCY = r"^[A-Z]{3}$"
_QUOTE = r"^[A-Z][A-Z0-9]{2,4}$"  # a quote currency may be a stablecoin (USDT, USDC)
_PAIR = r"^[A-Z][A-Z0-9]{2,4}/[A-Z][A-Z0-9]{2,4}$"


class InstrumentConfig(BaseModel):
    model_config = _FROZEN
    symbol: str = Field(pattern=_SYMBOL)
    quote: str | None = Field(None, pattern=_QUOTE)  # for symbols without /QUOTE (equities)
    asset_class: AssetClass = AssetClass.CRYPTO
    calendar: str | None = None  # exchange-calendars name (DAY orders); None: 24/7
    tick: ExactDecimal = Field(gt=0)
    lot: ExactDecimal = Field(gt=0)
    min_quantity: ExactDecimal = Field(Decimal(0), ge=0)
    min_notional: ExactDecimal = Field(Decimal(0), ge=0)
    start_price: ExactDecimal = Field(gt=0)
    vol_ticks: float = Field(3.0, ge=0)
    beta: float = Field(0.7, ge=-1, le=1)
    level_size: ExactDecimal = Field(Decimal(1), gt=0)


class VenueConfig(BaseModel):
    model_config = _FROZEN
    name: str = Field(pattern=r"^[A-Z0-9_]{2,16}$")
    maker_bps: ExactDecimal = Field(Decimal(0), ge=-100, le=1000)
    taker_bps: ExactDecimal = Field(Decimal(0), ge=-100, le=1000)
    spread_ticks: int = Field(2, ge=1)
    spread_bps: ExactDecimal = Field(Decimal(0), ge=0)  # > 0 overrides spread_ticks
    level_step_bps: ExactDecimal = Field(Decimal(0), ge=0)  # > 0: levels this many bps apart
    depth_levels: int = Field(5, ge=1, le=50)
    size_scale: ExactDecimal = Field(Decimal(1), gt=0)
    offset_ticks: int = Field(1, ge=0)
    ack_latency_us: int = Field(300, ge=1)
    ack_jitter_us: int = Field(100, ge=0)
    fill_delay_us: int = Field(50, ge=0)
    fill_jitter_us: int = Field(0, ge=0)
    reject_rate: float = Field(0.0, ge=0, le=1)
    timeout_rate: float = Field(0.0, ge=0, le=1)
    outage_prob: float = Field(0.0, ge=0, le=1)
    outage_updates: int = Field(20, ge=1)
    stp: StpMode = StpMode.NONE  # self-trade prevention for orders that name no mode

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
    account: str = Field("DEMO", pattern=r"^[A-Za-z0-9_.:\-]{1,64}$")


class EngineConfig(BaseModel):
    model_config = _FROZEN
    seed: int = 7
    retain_closed: int = Field(200_000, ge=1)
    base_currency: str = Field("USD", pattern=_CURRENCY)
    initial_cash: ExactDecimal = Field(Decimal(1_000_000), ge=0)
    position_method: Literal["average", "fifo"] = "average"  # the live position keeper's
    # pin the engine process to this CPU (Linux; None: let the OS schedule it)
    cpu: int | None = Field(None, ge=0)


class Backend(StrEnum):
    SQLITE = "sqlite"
    POSTGRES = "postgres"
    NONE = "none"


class DurabilityName(StrEnum):
    FSYNC = "fsync"
    BATCH = "batch"
    GROUP = "group"
    NONE = "none"


class JournalConfig(BaseModel):
    """``[journal]``: where events go. ``url`` (or ``TRADECORE_JOURNAL``) wins over
    backend/path/dsn/schema; see journal/url.py."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    url: str | None = Field(None, min_length=1)
    backend: Backend = Backend.SQLITE
    path: str = Field("tradecore.db", min_length=1)
    dsn: str = "host=127.0.0.1 port=5432 dbname=test user=postgres"
    pg_schema: str = Field("tradecore", alias="schema", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    durability: DurabilityName = DurabilityName.BATCH
    group_ms: int = Field(5, ge=1, le=60_000)
    group_events: int = Field(1000, ge=1)
    writer_cpu: int | None = Field(None, ge=0)
    snapshot_every: int = Field(0, ge=0, description="events between snapshots (serve); 0 off")

    def table(self) -> dict[str, Any]:
        """The table form that ``journal.open_journal`` takes."""
        return self.model_dump(by_alias=True, mode="json")


class ClockMode(StrEnum):
    WALL = "wall"  # a market step every step_ms / speed of wall time
    MANUAL = "manual"  # a market step only when POST /v1/admin/clock asks (deterministic)


class ServiceConfig(BaseModel):
    """``[service]``: ``tradecore serve`` (command-line flags win)."""

    model_config = _FROZEN
    host: str = Field("127.0.0.1", min_length=1)
    port: int = Field(8000, ge=1, le=65535)
    speed: float = Field(1.0, ge=0.1, le=1000, description="simulated seconds per second")
    demo_flow: bool = True
    keys: str | None = None
    clock: ClockMode = ClockMode.WALL
    # serve's JSON log lines on stderr: debug adds one per order and cancel (service/logging.py)
    log_level: Literal["debug", "info", "warning", "error"] = "info"


DEFAULT_CONFIG = Path(__file__).parent / "configs" / "default.toml"


class AppConfig(BaseModel):
    model_config = _FROZEN
    engine: EngineConfig = EngineConfig()
    instruments: tuple[InstrumentConfig, ...] = Field(min_length=1)
    venues: tuple[VenueConfig, ...] = Field(min_length=1)
    marketdata: MarketDataConfig = MarketDataConfig()
    routing: RoutingConfig = RoutingConfig()
    demo: DemoConfig = DemoConfig()
    journal: JournalConfig = JournalConfig()
    service: ServiceConfig = ServiceConfig()
    # fixed conversion rates "BASE/QUOTE" = rate (1 BASE = rate QUOTE) for currencies no
    # market quotes, e.g. a stablecoin quote currency; a venue's own quote of the pair wins
    fx: dict[Annotated[str, Field(pattern=_PAIR)], Annotated[ExactDecimal, Field(gt=0)]] = Field(
        default_factory=dict
    )
    # validated by RiskConfig.from_dict at load (risk/config.py); kept as the merged table
    risk: dict[str, Any] = Field(default_factory=dict)

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
    if path.is_dir():
        raise ConfigError(str(path), "is a directory, not a config file")
    if not path.is_file():
        raise ConfigError(str(path), "config file not found")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(str(path), f"not valid TOML: {e}") from None
    except (UnicodeDecodeError, OSError) as e:
        raise ConfigError(str(path), f"cannot read: {e}") from None


def _merge_section(data: dict[str, Any], key: str, value: Any) -> None:
    """Merge one table key by key into ``data[key]`` (or replace a non-table)."""
    section = data.get(key)
    if isinstance(section, dict) and isinstance(value, dict):
        data[key] = {**section, **value}
    else:
        data[key] = value


def _deep_merge(data: dict[str, Any], key: str, value: Any) -> None:
    section = data.get(key)
    if isinstance(section, dict) and isinstance(value, dict):
        merged = dict(section)
        for k, v in value.items():
            _deep_merge(merged, k, v)
        data[key] = merged
    else:
        data[key] = value


def merge_user(base: dict[str, Any], user: dict[str, Any]) -> dict[str, Any]:
    """The merge rule: user sections replace packaged ones, ``[risk]`` merges key by key."""
    out = dict(base)
    for key, value in user.items():
        if key == "risk":
            _merge_section(out, key, value)
        else:
            out[key] = value
    return out


def load_config(
    path: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    *,
    env: dict[str, str] | None = None,
) -> AppConfig:
    """Validate the packaged defaults merged with ``path`` (see the merge rule above), then
    ``overrides`` merged key by key into their sections, then the environment
    (``TRADECORE_<SECTION>__<KEY>``; ``env`` given: that mapping instead of os.environ)."""
    from tradecore.config_env import env_overrides

    data = _read_toml(DEFAULT_CONFIG)
    if path is not None:
        data = merge_user(data, _read_toml(Path(path)))
    for k, v in (overrides or {}).items():
        _merge_section(data, k, v)
    for k, v in env_overrides(env).items():
        _deep_merge(data, k, v)
    try:
        cfg = AppConfig.model_validate(data)
    except ValidationError as err:
        field, reason = format_pydantic_error(err)
        raise ConfigError(field, reason) from None
    from tradecore.risk import RiskConfig

    RiskConfig.from_dict(cfg.risk)  # a bad risk value fails at load, naming risk.<key>
    return cfg


def fingerprint_table(cfg: AppConfig) -> dict[str, Any]:
    """What a journal depends on: the instruments and the venues they trade on."""
    return {
        "instruments": [
            i.model_dump(
                mode="json",
                include={"symbol", "quote", "asset_class", "tick", "lot", "min_quantity"},
            )
            for i in cfg.instruments
        ],
        "venues": sorted(v.name for v in cfg.venues),
    }
