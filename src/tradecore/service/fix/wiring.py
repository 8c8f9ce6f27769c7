"""``serve --fix FILE``: the FIX acceptor beside the REST API, on the same engine thread.

The acceptor is built and started in the app's lifespan, on the event loop's thread (the
engine's), and QuickFIX hands messages to that loop with ``call_soon_threadsafe``: FIX and
REST commands interleave on one thread, the engine stays single-threaded with no locks.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from tradecore.engine.bus import MessageBus
from tradecore.engine.clock import Clock
from tradecore.engine.core import CommandResult
from tradecore.fix.qf import require
from tradecore.model.commands import CancelOrder, ReplaceOrder, SubmitOrder
from tradecore.service.fix.config import FixConfig, load_fix_config
from tradecore.service.fix.gateway import OrderStoreView
from tradecore.service.runner import EngineService


class ServiceEntry:
    """The engine's caller API as REST uses it (orders counted and timed like REST's)."""

    def __init__(self, service: EngineService) -> None:
        self._service = service
        self._engine = service.system.engine

    @property
    def orders(self) -> OrderStoreView:
        return self._engine.orders

    @property
    def bus(self) -> MessageBus:
        return self._engine.bus

    @property
    def clock(self) -> Clock:
        return self._engine.clock

    def submit(self, cmd: SubmitOrder) -> CommandResult:
        res: CommandResult = self._service.submit_timed(cmd)
        return res

    def cancel(self, cmd: CancelOrder) -> CommandResult:
        return self._engine.cancel(cmd)

    def replace(self, cmd: ReplaceOrder) -> CommandResult:
        return self._engine.replace(cmd)


def load(path: Path) -> tuple[FixConfig, Path]:
    """Check QuickFIX is installed and the file is valid (before anything starts)."""
    require("--fix")
    return load_fix_config(path)


def attach_fix(app: FastAPI, service: EngineService, config: FixConfig, base: Path) -> None:
    """Run a FIX acceptor for ``config`` for as long as ``app`` is served."""
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        from tradecore.service.fix.acceptor import FixAcceptor

        loop = asyncio.get_running_loop()
        acceptor = FixAcceptor(config, base, ServiceEntry(service), loop.call_soon_threadsafe)
        service.system.extras["fix_acceptor"] = acceptor
        async with inner(a) as state:
            acceptor.start()
            try:
                yield state
            finally:
                await asyncio.to_thread(acceptor.stop)

    app.router.lifespan_context = lifespan
