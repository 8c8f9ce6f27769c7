"""Start and kill ``tradecore venue-server`` processes for the connector tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tradecore.cluster import procs


class VenueServer:
    """One ``tradecore venue-server`` child process on 127.0.0.1, restartable on its port."""

    def __init__(self, tmp: Path, name: str, *args: str, dialect: str = "binance") -> None:
        self.tmp = tmp
        self.name = name
        self.args = args
        self.dialect = dialect
        self.state = tmp / f"{name}.jsonl"
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 20.0) -> VenueServer:
        port_file = self.tmp / f"{self.name}.port"
        port_file.unlink(missing_ok=True)
        cmd = [
            sys.executable, "-m", "tradecore", "venue-server", "--dialect", self.dialect,
            "--port", str(self.port), "--state", str(self.state), "--port-file", str(port_file),
            *self.args,
        ]  # fmt: skip
        log = (self.tmp / f"{self.name}.log").open("ab")
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=log, env=os.environ.copy())
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            if port_file.exists() and port_file.read_text().strip():
                self.port = int(port_file.read_text())
                try:
                    if httpx.get(self.url + "/_control/ping", timeout=1.0).status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"venue server {self.name} exited: {self.proc.returncode}")
            time.sleep(0.05)
        raise RuntimeError(f"venue server {self.name} did not start")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush beyond what the server already wrote."""
        procs.kill(self.proc)

    def stop(self) -> None:
        procs.stop(self.proc)
