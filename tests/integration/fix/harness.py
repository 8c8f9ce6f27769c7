"""Processes and peers for the FIX integration tests: ``tradecore serve --fix`` as a
subprocess, QuickFIX clients (initiators) and the venue app (tests/integration/fix/
venue_app.py) as another process. Free ports, tmp folders, bounded waits."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tradecore.fix import tags as T
from tradecore.fix.edge import Validator
from tradecore.fix.peer import Peer
from tradecore.fix.tags import Fields
from tradecore.service.auth import hash_secret
from tradecore.venues.fix.config import FixVenueConfig, initiator_settings

SECRET = "fix-test-secret"
DICTIONARY = Path(sys.prefix) / "share" / "quickfix" / "FIX44.xml"
ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout_s: float) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


class Serve:
    """``tradecore serve --fix`` on a journal, manual market clock, an admin key."""

    def __init__(self, tmp: Path, fix_port: int | None = None, client_extra: str = "") -> None:
        self.tmp = tmp
        self.port = free_port()
        self.fix_port = fix_port or free_port()
        keys = tmp / "keys.toml"
        keys.write_text(
            f'rate_per_s = 100000\nburst = 100000\n[keys.t]\nhash = "{hash_secret(SECRET)}"\n'
            'accounts = ["*"]\nscopes = ["read", "trade", "admin"]\n'
        )
        conf = tmp / "fix.toml"
        conf.write_text(
            f'[session]\nport = {self.fix_port}\nstore = "gw-store"\nlog = "gw-log"\n'
            'heartbeat_s = 30\n\n[clients.DESK1]\naccounts = ["DEMO"]\n'
            'scopes = ["read", "trade"]\n' + client_extra
        )
        cmd = [sys.executable, "-m", "tradecore", "serve", "--journal",
               f"sqlite:///{tmp / 'serve.db'}", "--port", str(self.port), "--no-demo-flow",
               "--clock", "manual", "--keys", str(keys), "--fix", str(conf)]  # fmt: skip
        self.log = tmp / f"serve-{self.port}.log"
        with self.log.open("w") as out:
            self.p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=tmp)
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}",
                                 headers={"X-API-Key": f"t.{SECRET}"}, timeout=20)  # fmt: skip
        end = time.monotonic() + 45
        while time.monotonic() < end:
            try:
                if self.http.get("/ready").json().get("ready") and wait_port(self.fix_port, 1):
                    return
            except httpx.HTTPError:
                pass
            if self.p.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"serve not ready: {self.log.read_text()}")

    def step(self) -> int:
        return int(self.http.get("/v1/admin/digest").json()["step"])

    def advance(self, n: int = 3) -> None:
        r = self.http.post("/v1/admin/clock", json={"step": self.step() + n})
        assert r.status_code == 200, r.text

    def known(self, coid: str, timeout_s: float = 10) -> dict[str, Any]:
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            r = self.http.get(f"/v1/orders/{coid}")
            if r.status_code == 200:
                out: dict[str, Any] = r.json()
                return out
            time.sleep(0.02)
        raise AssertionError(f"order {coid} never reached the engine")

    def kill(self) -> None:
        """SIGKILL: the crash a fault test wants (no logout, no shutdown hook)."""
        if self.p.poll() is None:
            os.kill(self.p.pid, signal.SIGKILL)
        self.p.wait(10)
        self.http.close()

    def stop(self) -> None:
        """SIGTERM, as an operator stops it: the FIX sessions log out, the journal closes
        and the process's coverage is saved (a SIGKILL after 20 s if it hangs)."""
        if self.p.poll() is None:
            os.kill(self.p.pid, signal.SIGTERM)
            try:
                self.p.wait(20)
            except subprocess.TimeoutExpired:
                os.kill(self.p.pid, signal.SIGKILL)
                self.p.wait(10)
        self.http.close()


def client(
    tmp: Path, port: int, sender: str = "DESK1", target: str = "TRADECORE",
    password: str | None = None,
) -> Peer:  # fmt: skip
    cfg = FixVenueConfig(port=port, sender_comp_id=sender, target_comp_id=target,
                         store=tmp / f"{sender}-store", log=tmp / f"{sender}-log",
                         heartbeat_s=30)  # fmt: skip
    return Peer(initiator_settings(cfg, DICTIONARY), tmp, sender, target, password=password)


def nos(coid: str, **tags: str) -> list[tuple[int, str]]:
    f = {T.CL_ORD_ID: coid, T.SYMBOL: "BTC/USD", T.SIDE: "1", T.TRANSACT_TIME: now(),
         T.ORDER_QTY: "0.01", T.ORD_TYPE: "2", T.PRICE: "59900"}  # fmt: skip
    f.update({int(k[1:]): v for k, v in tags.items()})
    return [(k, v) for k, v in f.items() if v != ""]


def now() -> str:
    t = time.time()
    return time.strftime("%Y%m%d-%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}"


def er(coid: str, exec_type: str | None = None, **tags: str) -> Any:
    def match(f: Fields) -> bool:
        if f.get(T.MSG_TYPE) != "8" or f.get(T.CL_ORD_ID) != coid:
            return False
        if exec_type is not None and f.get(T.EXEC_TYPE) != exec_type:
            return False
        return all(f.get(int(k[1:])) == v for k, v in tags.items())

    return match


def invalid(peer: Peer) -> list[str]:
    """Every message ``peer`` received that fails FIX44.xml (should be none)."""
    v = Validator(DICTIONARY)
    return [f"{p}: {raw}" for raw in list(peer.raw) if (p := v.check_raw(raw))]
