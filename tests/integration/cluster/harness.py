"""Processes for the cluster tests: a private nats-server (own port, own store directory, so
the shared server on 4222 is never disturbed), shard processes and the risk aggregator."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from tradecore.cluster import procs
from tradecore.cluster.procs import Proc, aggregator_proc, marketdata_proc, shard_proc

__all__ = [
    "NatsServer", "Proc", "aggregator_proc", "marketdata_proc", "order", "request",
    "shard_proc", "until",
]  # fmt: skip


class NatsServer(procs.NatsServer):
    """The private server, or a clean skip naming the reason."""

    def __init__(self, tmp: Path) -> None:
        try:
            super().__init__(tmp)
        except procs.NoNatsServer as e:
            pytest.skip(str(e))

    def start(self) -> None:
        try:
            super().start()
        except procs.NoNatsServer as e:
            pytest.skip(str(e))


async def request(nc: Any, subject: str, body: dict[str, Any], timeout: float = 3.0) -> Any:
    msg = await nc.request(subject, json.dumps(body).encode(), timeout=timeout)
    return json.loads(msg.data)


async def wait_answer(
    nc: Any, subject: str, body: dict[str, Any] | None = None, within: float = 60.0
) -> Any:
    """Ask until someone answers (a process starting up)."""
    deadline = time.monotonic() + within
    while True:
        try:
            return await request(nc, subject, body or {}, timeout=1.0)
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


async def until(cond: Any, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while True:
        if await cond():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


def order(coid: str, account: str, side: str, qty: str, **kw: Any) -> dict[str, Any]:
    return {"client_order_id": coid, "account": account, "symbol": "BTC/USD", "side": side,
            "quantity": qty, **kw}  # fmt: skip


def leftovers(tmp: Path, within: float = 10.0) -> list[str]:
    """Processes still running with ``tmp`` in their command line (after ``within`` s)."""
    deadline = time.monotonic() + within
    while True:
        found = []
        for d in Path("/proc").iterdir():
            if not d.name.isdigit():
                continue
            try:
                cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if str(tmp) in cmd and "pytest" not in cmd:
                found.append(cmd)
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)
