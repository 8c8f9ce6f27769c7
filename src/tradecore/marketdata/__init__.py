"""tradecore.marketdata."""
