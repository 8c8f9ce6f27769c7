"""The FIX 4.4 order-entry gateway (tradecore as acceptor): docs/fix.md."""
