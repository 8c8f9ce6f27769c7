"""RoutingConfig: how the smart order router scores and splits (TOML ``[routing]``)."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tradecore.config_types import ExactDecimal, format_pydantic_error
from tradecore.errors import ConfigError


class Strategy(StrEnum):
    BEST = "best"  # the single venue with the best all-in price for the whole order
    SPLIT = "split"  # sweep the consolidated book across venues
    PASSIVE = "passive"  # post the order as a resting limit on the best-scored venue


class Weights(BaseModel):
    """Weights of the venue score (any non-negative numbers; they are normalised)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    liquidity: ExactDecimal = Decimal("0.35")
    fees: ExactDecimal = Decimal("0.25")
    latency: ExactDecimal = Decimal("0.15")
    fill_rate: ExactDecimal = Decimal("0.15")
    health: ExactDecimal = Decimal("0.10")

    @model_validator(mode="after")
    def _non_negative(self) -> Weights:
        for name in ("liquidity", "fees", "latency", "fill_rate", "health"):
            if getattr(self, name) < 0:
                raise ValueError(f"weight {name} must be >= 0")
        if self.total == 0:
            raise ValueError("at least one weight must be > 0")
        return self

    @property
    def total(self) -> Decimal:
        return self.liquidity + self.fees + self.latency + self.fill_rate + self.health


class BreakerConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    failure_threshold: int = Field(3, ge=1, description="consecutive failures that open it")
    timeout_burst: int = Field(
        3, ge=1, description="timeouts within timeout_window_ms that open it"
    )
    timeout_window_ms: int = Field(5_000, ge=1)
    open_ms: int = Field(2_000, ge=1, description="how long it stays open before a probe")


class RetryConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    base_ms: int = Field(10, ge=0)
    max_ms: int = Field(1_000, ge=0)
    jitter: ExactDecimal = Decimal("0.2")  # +/- fraction of the delay


class RoutingConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    strategy: Strategy = Strategy.SPLIT
    weights: Weights = Weights()
    disabled_venues: tuple[str, ...] = ()
    min_child_qty: ExactDecimal = Decimal(0)
    max_venues: int = Field(3, ge=1)
    max_attempts: int = Field(3, ge=1, description="re-routes of a parent's leftover")
    latency_penalty_bps_per_ms: ExactDecimal = Decimal("0.1")
    default_latency_us: int = Field(500, ge=0)
    ack_timeout_ms: int = Field(1_000, ge=1, description="no ack by then: check order status")
    stats_window: int = Field(200, ge=1, description="child orders in the rolling stats")
    post_leftover: bool = True  # a GTC limit parent's unfillable rest is posted passively
    breaker: BreakerConfig = BreakerConfig()
    retry: RetryConfig = RetryConfig()
    cache_size: int = Field(1024, ge=0)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> RoutingConfig:
        try:
            return RoutingConfig.model_validate(data)
        except ValidationError as err:
            field, reason = format_pydantic_error(err, "routing")
            raise ConfigError(field, reason) from None
