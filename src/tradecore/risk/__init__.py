"""Pre-trade risk checks, the real-time monitor and kill switches."""

from __future__ import annotations

from decimal import Decimal

from tradecore.engine.core import Engine
from tradecore.portfolio.fx import FxRates
from tradecore.positions.keeper import PositionKeeper
from tradecore.risk.config import RiskConfig
from tradecore.risk.context import RiskContext
from tradecore.risk.monitor import RiskMonitor
from tradecore.risk.pipeline import RiskPipeline

__all__ = ["RiskConfig", "RiskContext", "RiskMonitor", "RiskPipeline", "build_risk"]


def build_risk(
    engine: Engine,
    positions: PositionKeeper,
    fx: FxRates,
    config: RiskConfig,
    *,
    base_currency: str = "USD",
    equity: Decimal = Decimal(0),
) -> tuple[RiskPipeline, RiskMonitor]:
    ctx = RiskContext(engine, positions, fx, config, base_currency, {"*": equity})
    pipeline = RiskPipeline(config, ctx)
    return pipeline, RiskMonitor(pipeline)
