"""tradecore.portfolio."""
