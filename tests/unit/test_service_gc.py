"""The service's feed loop collects garbage between market steps, never in between."""

from __future__ import annotations

import asyncio
import contextlib
import gc

from tradecore.bootstrap import build_system
from tradecore.config import load_config
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
