"""tradecore's CCXT connector: any CCXT exchange as a :class:`VenueClient` (docs/venues.md)."""
