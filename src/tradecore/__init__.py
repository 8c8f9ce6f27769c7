"""tradecore: a deterministic trading engine core with exact money."""

__version__ = "0.1.0"


def backtest(*args: object, **kwargs: object) -> object:
    """``tradecore.backtest(MyStrategy, data=..., config=...)``: see
    :func:`tradecore.strategy.backtest` (imported on first use, so ``import tradecore``
    stays light)."""
    from tradecore.strategy import backtest as run

    return run(*args, **kwargs)  # type: ignore[arg-type]
