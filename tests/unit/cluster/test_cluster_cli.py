"""The cluster commands refuse bad input with one line naming the option (exit 2)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tradecore.cli import app
from tradecore.cluster.procs import free_port


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["shard", "--id", "1", "--accounts", ""], "--accounts: at least one account"),
        (["shard", "--id", "1", "--accounts", "A", "--credit", "abc"], "--credit"),
        (["shard", "--id", "1", "--accounts", "A", "--credit", "-5"], "--credit"),
        (["shard", "--id", "1", "--accounts", "A", "--journal", "none"], "--journal"),
        (["risk-aggregator", "--shards", "x", "--gross-limit", "1"], "--shards"),
        (["risk-aggregator", "--shards", "1", "--gross-limit", "lots"], "--gross-limit"),
        (["tail", "--nats", f"nats://127.0.0.1:{free_port()}", "--count", "1"], "--nats"),
    ],
)
def test_bad_input_is_one_line(args: list[str], says: str) -> None:
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2, res.output
    assert says in res.output and "Traceback" not in res.output
