"""Single-process paths never import nats: the CLI (every command registered), bootstrap,
an engine run with its journal, and serve's app all work with no NATS server at all."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
import tradecore.cli
from tradecore.bootstrap import build_system, market_source, pump
from tradecore.cli.serve import build_service
system = build_system()
pump(system, market_source(system.config, seconds=2))
build_service(None, None, speed=1.0, demo_flow=False, journal=None)
import tradecore.cluster.exposure, tradecore.cluster.guard, tradecore.cluster.commands
loaded = sorted(m for m in sys.modules if m == "nats" or m.startswith("nats."))
print(loaded)
assert not loaded, loaded
"""


def test_default_paths_do_not_import_nats() -> None:
    done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


def test_cluster_commands_are_registered() -> None:
    from typer.testing import CliRunner

    from tradecore.cli import app

    out = CliRunner().invoke(app, ["--help"]).output
    for name in ("shard", "tail", "risk-aggregator"):
        assert name in out
