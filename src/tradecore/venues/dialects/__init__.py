"""Local exchanges speaking real venues' APIs (``tradecore venue-server``), for testing any
ccxt-based client offline: see docs/venues.md."""
