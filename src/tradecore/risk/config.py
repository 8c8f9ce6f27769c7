"""RiskConfig: pre-trade limits per account (TOML ``[risk]``), validated, exact.

``[risk.defaults]`` applies to every account; ``[risk.accounts.NAME]`` overrides single keys
for one account. A limit left out is off. Money limits are in the account's base currency.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tradecore.config_types import ExactDecimal, format_pydantic_error
from tradecore.errors import ConfigError
from tradecore.model.enums import AssetClass
from tradecore.model.instrument import Instrument
from tradecore.risk.stats import VarMethod

_F = ConfigDict(frozen=True, extra="forbid")
ALWAYS_OPEN = "24/7"  # a calendar value: the instrument trades at every minute
# asset classes that trade in sessions: each instrument must name its calendar
SESSION_BOUND = frozenset({AssetClass.EQUITY, AssetClass.FX, AssetClass.FUTURE})


class Mode(StrEnum):
    FIRST = "first"  # stop at the first denial (cheapest)
    ALL = "all"  # evaluate every check; the first denial is returned, all are recorded


class Warmup(StrEnum):
    DENY = "deny"  # VaR / correlation checks deny until var_min_obs returns exist
    WARN = "warn"  # they let orders through, with one WARN alert per account and check


class BreachAction(StrEnum):
    BLOCK_NEW_ORDERS = "block_new_orders"
    REDUCE_ONLY = "reduce_only"
    CANCEL_ALL = "cancel_all"
    FLATTEN = "flatten"


class Limits(BaseModel):
    model_config = _F
    max_order_quantity: dict[str, ExactDecimal] = Field(default_factory=dict)  # symbol or "*"
    max_order_notional: ExactDecimal | None = None
    price_band_bps: ExactDecimal | None = None
    max_position: dict[str, ExactDecimal] = Field(default_factory=dict)  # |signed qty| after
    max_gross_exposure: ExactDecimal | None = None
    max_net_exposure: ExactDecimal | None = None
    max_concentration_pct: ExactDecimal | None = None
    concentration_min_gross: ExactDecimal = Field(Decimal(0), ge=0)  # applies above this gross
    max_leverage: ExactDecimal | None = None
    max_orders_per_window: int | None = Field(None, ge=1)
    max_cancels_per_window: int | None = Field(None, ge=1)
    rate_window_ms: int = Field(1000, ge=1)
    duplicate_window_ms: int | None = Field(None, ge=1)
    max_var: ExactDecimal | None = None  # VaR over var_horizon_ms at var_confidence
    max_correlated_exposure: ExactDecimal | None = None
    trading_hours: bool = False
    self_trade_prevention: bool = False
    reduce_only: bool = False
    halted: bool = False

    def merged(self, override: dict[str, Any]) -> Limits:
        return Limits.model_validate({**self.model_dump(), **override})


class RiskConfig(BaseModel):
    model_config = _F
    enabled: bool = True
    mode: Mode = Mode.FIRST
    defaults: Limits = Limits()
    accounts: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # symbol -> exchange calendar (exchange-calendars name) or "24/7"
    calendars: dict[str, str] = Field(default_factory=dict)
    var_confidence: float = Field(0.95, gt=0.5, lt=1)
    var_bar_ms: int = Field(1000, ge=1, description="sampling period of returns")
    var_window: int = Field(250, ge=10, description="returns kept per instrument")
    var_min_obs: int = Field(30, ge=5)
    var_horizon_ms: int = Field(86_400_000, ge=1, description="VaR horizon (sqrt-time scaled)")
    var_method: VarMethod = VarMethod.PARAMETRIC
    var_warmup: Warmup = Warmup.WARN
    var_mc_paths: int = Field(10_000, ge=100, le=1_000_000)
    var_mc_seed: int = Field(0, ge=0)
    warn_pct: ExactDecimal = Decimal(80)
    breach_actions: tuple[BreachAction, ...] = (BreachAction.BLOCK_NEW_ORDERS,)

    def check_calendars(self, instruments: Iterable[Instrument]) -> None:
        """Every equity, FX and futures instrument names its exchange calendar (its own
        ``calendar`` key, or ``[risk.calendars]``; "24/7" there declares it always open),
        and, when ``trading_hours`` is on for any account, every name is a known calendar
        (importing exchange-calendars only then): a gap is a config error, never a pass."""
        names: set[str] | None = None
        used = self.defaults.trading_hours or any(
            self.limits_for(a).trading_hours for a in self.accounts
        )
        for sym, cal in sorted(self.calendars.items()):
            if cal == ALWAYS_OPEN or not used:  # names are checked where trading hours apply
                continue
            if names is None:
                import exchange_calendars as xcals

                names = set(xcals.get_calendar_names(include_aliases=True))
            if cal not in names:
                raise ConfigError(f"risk.calendars.{sym}", f"unknown exchange calendar {cal!r}")
        for inst in sorted(instruments, key=lambda i: i.symbol):
            named = inst.symbol in self.calendars or inst.calendar is not None
            if inst.asset_class in SESSION_BOUND and not named:
                raise ConfigError(
                    f"risk.calendars.{inst.symbol}",
                    f"{inst.asset_class.value.lower()} instrument {inst.symbol} names no calendar:"
                    f' give an exchange calendar (e.g. "XETR", "CMES") or "{ALWAYS_OPEN}"',
                )

    def limits_for(self, account: str) -> Limits:
        override = self.accounts.get(account)
        return self.defaults if not override else self.defaults.merged(override)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> RiskConfig:
        try:
            cfg = RiskConfig.model_validate(data)
            for name in cfg.accounts:
                cfg.limits_for(name)  # validate overrides now, not at the first order
            return cfg
        except ValidationError as err:
            field, reason = format_pydantic_error(err, "risk")
            raise ConfigError(field, reason) from None
