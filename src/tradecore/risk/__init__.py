"""Pre-trade risk checks, the real-time monitor and kill switches."""

from __future__ import annotations

from decimal import Decimal

from tradecore.engine.core import Engine
from tradecore.model.identifiers import SMART, AccountId, Venue
from tradecore.portfolio.fx import FxRates
from tradecore.positions.keeper import PositionKeeper
from tradecore.risk.config import RiskConfig
from tradecore.risk.context import RiskContext
from tradecore.risk.emergency import EmergencyControls
from tradecore.risk.flatten import Flattener
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
    flatten_venue: Venue = SMART,
) -> tuple[RiskPipeline, RiskMonitor]:
    config.check_calendars(engine.instruments)
    ctx = RiskContext(engine, positions, fx, config, base_currency, {"*": equity})
    emergency = EmergencyControls(
        engine, engine.bus.subscribe, engine.cancel, engine.orders.open_orders,
        lambda: engine.replaying,
    )  # fmt: skip
    pipeline = RiskPipeline(config, ctx, emergency)
    flattener = Flattener(
        engine, positions, ctx.working, engine.instruments.any_for,
        lambda acct: engine.orders.open_orders(AccountId(acct)), engine.orders.get,
        pipeline.limits, pipeline.flatten_ids, venue=flatten_venue,
    )  # fmt: skip
    return pipeline, RiskMonitor(pipeline, flattener)
