"""``python -m tradecore``: the same CLI as the ``tradecore`` command (same error handling)."""

from tradecore.cli import main

main()
