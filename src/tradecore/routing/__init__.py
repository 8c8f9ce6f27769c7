"""tradecore.routing."""
