"""tradecore: a deterministic trading engine core with exact money."""

__version__ = "0.1.0"
