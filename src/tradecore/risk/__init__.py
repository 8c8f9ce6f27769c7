"""tradecore.risk."""
