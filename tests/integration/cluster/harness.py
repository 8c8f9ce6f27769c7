"""Processes for the cluster tests: a private nats-server (own port, own store directory, so
the shared server on 4222 is never disturbed), shard processes and the risk aggregator."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

CONFIG = """
[marketdata]
step_ms = 100

[risk.defaults]
max_orders_per_window = 1000000
rate_window_ms = 1000
max_order_notional = "100000000"
max_position = { "BTC/USD" = "100000", "ETH/USD" = "1000000" }
max_gross_exposure = "1000000000"
price_band_bps = "500"
duplicate_window_ms = 1
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class NatsServer:
    def __init__(self, tmp: Path) -> None:
        binary = shutil.which("nats-server")
        if binary is None:
            pytest.skip("nats-server is not installed (needed for the cluster tests)")
        self.binary = binary
        self.port = free_port()
        self.store = tmp / "nats-store"
        self.url = f"nats://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        pytest.skip(f"the private nats-server did not answer on port {self.port}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(10)
        self.proc = None


class Proc:
    """A tradecore command in a process of its own, its output in a log file."""

    def __init__(self, name: str, args: list[str], tmp: Path) -> None:
        self.name, self.args, self.tmp = name, args, tmp
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = tmp / f"{name}.log"

    def start(self) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tradecore", *self.args], cwd=self.tmp, env=env,
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def shard_proc(tmp: Path, url: str, prefix: str, shard: int, accounts: list[str]) -> Proc:
    cfg = tmp / "cluster.toml"
    if not cfg.exists():
        cfg.write_text(CONFIG)
    return Proc(
        f"shard{shard}",
        ["shard", "--id", str(shard), "--accounts", ",".join(accounts),
         "--journal", f"sqlite:///{tmp}/shard-{shard}.db", "--nats", url, "--prefix", prefix,
         "--config", str(cfg), "--speed", "5"],
        tmp,
    )  # fmt: skip


def aggregator_proc(tmp: Path, url: str, prefix: str, shards: list[int], limit: str) -> Proc:
    return Proc(
        "aggregator",
        ["risk-aggregator", "--shards", ",".join(map(str, shards)), "--gross-limit", limit,
         "--nats", url, "--prefix", prefix, "--interval", "0.2"],
        tmp,
    )  # fmt: skip


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
