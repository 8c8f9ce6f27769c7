"""A FIX 4.4 venue or broker (tradecore as QuickFIX initiator): docs/fix.md."""
