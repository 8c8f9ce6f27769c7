"""``python -m tradecore``: the same CLI as the ``tradecore`` command."""

from tradecore.cli import app

app(prog_name="tradecore")
