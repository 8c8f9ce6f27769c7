"""tradecore.positions."""
