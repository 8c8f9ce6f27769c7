"""Strategies: write one once, backtest it, run it live unchanged (docs/strategies.md)."""

from tradecore.strategy.backtest import BacktestResult, attach, backtest
from tradecore.strategy.base import Strategy, Timer
from tradecore.strategy.context import StrategyContext
from tradecore.strategy.handle import OrderHandle
from tradecore.strategy.host import StrategyAlert, StrategyHost, load_strategies
from tradecore.strategy.values import Fill, PositionView

__all__ = [
    "BacktestResult",
    "Fill",
    "OrderHandle",
    "PositionView",
    "Strategy",
    "StrategyAlert",
    "StrategyContext",
    "StrategyHost",
    "Timer",
    "attach",
    "backtest",
    "load_strategies",
]
