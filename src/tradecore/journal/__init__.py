"""tradecore.journal."""
