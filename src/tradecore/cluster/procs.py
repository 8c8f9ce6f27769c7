"""Processes of a local cluster (``bench scale`` and the tests): a private nats-server with
its own port and store directory (so a shared server is never disturbed), shard processes
and the risk aggregator, each a ``python -m tradecore`` child logging to a file."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

# generous limits: the cluster's own firm credit is what the scale runs and tests exercise
CLUSTER_CONFIG = """
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


class NoNatsServer(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class NatsServer:
    def __init__(self, tmp: Path) -> None:
        binary = shutil.which("nats-server")
        if binary is None:
            raise NoNatsServer("nats-server is not installed")
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
        self.stop()
        raise NoNatsServer(f"the private nats-server did not answer on port {self.port}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(10)
        self.proc = None


class Proc:
    """A tradecore command in a process of its own, its output in ``<tmp>/<name>.log``."""

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
        kill(self.proc)

    def stop(self) -> None:
        stop(self.proc)


def kill(proc: subprocess.Popen[bytes] | None) -> None:
    """SIGKILL a running process and reap it: no shutdown, no flush."""
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM a running process; SIGKILL it if it has not exited within 10 s."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            kill(proc)


def shard_proc(
    tmp: Path,
    url: str,
    prefix: str,
    shard: int,
    accounts: list[str],
    speed: float = 5.0,
    market: str = "local",
) -> Proc:
    cfg = tmp / "cluster.toml"
    if not cfg.exists():
        cfg.write_text(CLUSTER_CONFIG)
    return Proc(
        f"shard{shard}",
        ["shard", "--id", str(shard), "--accounts", ",".join(accounts),
         "--journal", f"sqlite:///{tmp}/shard-{shard}.db", "--nats", url, "--prefix", prefix,
         "--config", str(cfg), "--speed", str(speed), "--market", market],
        tmp,
    )  # fmt: skip


def marketdata_proc(tmp: Path, url: str, prefix: str, speed: float = 5.0) -> Proc:
    cfg = tmp / "cluster.toml"
    if not cfg.exists():
        cfg.write_text(CLUSTER_CONFIG)
    return Proc(
        "marketdata",
        ["marketdata", "--nats", url, "--prefix", prefix, "--config", str(cfg),
         "--speed", str(speed)],
        tmp,
    )  # fmt: skip


def aggregator_proc(
    tmp: Path, url: str, prefix: str, shards: list[int], limit: str, interval: float = 0.2
) -> Proc:
    return Proc(
        "aggregator",
        ["risk-aggregator", "--shards", ",".join(map(str, shards)), "--gross-limit", limit,
         "--nats", url, "--prefix", prefix, "--interval", str(interval)],
        tmp,
    )  # fmt: skip
