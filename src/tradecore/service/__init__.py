"""tradecore.service."""
