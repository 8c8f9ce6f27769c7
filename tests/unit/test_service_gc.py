"""The service's feed loop collects garbage between market steps, never in between."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from pathlib import Path

import pytest

from tradecore.bootstrap import build_system
from tradecore.config import load_config
from tradecore.journal import Durability, Journal
from tradecore.journal.store import SQLiteStore
from tradecore.model import codec
from tradecore.routing.decisions import RoutingDecision
from tradecore.service.metrics import Metrics
from tradecore.service.runner import EngineService


def test_feed_loop_runs_with_gc_off_and_collects_between_steps() -> None:
    system = build_system(load_config(None, {}))
    svc = EngineService(system, Metrics(), speed=1e9, demo_flow=True)
    svc.collector.young = 200  # collect often in this short run
    seen_enabled: list[bool] = []

    async def drive() -> None:
        task = asyncio.create_task(svc.run())
        while svc.steps < 300:
            seen_enabled.append(gc.isenabled())
            await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    was = gc.isenabled()
    asyncio.run(drive())
    assert seen_enabled and not any(seen_enabled[1:])  # automatic collection stayed off
    assert sum(svc.collector.collections) > 0  # but garbage was collected between steps
    assert gc.isenabled() == was  # and it is back on once the feed stops
    assert system.engine.seq > 0


def test_feed_loop_encodes_the_journal_audit_records_between_steps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # group commit in the engine with a window nothing reaches: no write encodes them
    jr = Journal(SQLiteStore(tmp_path / "s.db"), Durability.GROUP, background=False,
                 group_events=10**9, group_ms=10**9)  # fmt: skip
    system = build_system(load_config(None, {}), journal=jr)
    svc = EngineService(system, Metrics(), speed=1e9, demo_flow=True)
    decisions: list[RoutingDecision] = []
    encoded: list[object] = []
    unencoded_when_made: list[bool] = []

    def on_decision(d: RoutingDecision) -> None:  # runs after the journal's record()
        decisions.append(d)
        unencoded_when_made.append(all(e is not d for e in encoded))

    system.engine.bus.subscribe(RoutingDecision, on_decision)
    real = codec.dumps
    monkeypatch.setattr(codec, "dumps", lambda o: encoded.append(o) or real(o))

    async def drive() -> None:
        task = asyncio.create_task(svc.run())
        while svc.steps < 300:
            await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(drive())
    assert decisions and jr.commits == 0  # orders were routed; nothing was written yet
    assert all(unencoded_when_made)  # not encoded while the engine handled the order
    assert encoded[: len(decisions)] == decisions  # but between steps, in order
    jr.close()
