"""``tradecore serve`` killed with SIGKILL at random points while it takes orders over REST,
restarted on the same journal each time (SQLite and PostgreSQL).

After each restart: every order that got a 201 is there with its state; no fill is journaled
twice; the positions serve reports equal the venues' trades as journaled. (Not checked here:
a state digest equal to an uninterrupted run; serve's market runs on wall time, so the same
commands meet other prices. Opt-in with TRADECORE_SERVE_CRASH=1: under load a serve start
takes tens of seconds, too slow for CI's budget yet.)
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from tradecore.journal.url import parse_url

DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres"
KILLS = 20
# Opt-in until its run time is bounded on a loaded 2-core machine (see the module docstring).
pytestmark = pytest.mark.skipif(
    os.environ.get("TRADECORE_SERVE_CRASH") != "1", reason="set TRADECORE_SERVE_CRASH=1 to run"
)
ACCOUNT = "CRASH"
SECRET = "serve-crash-test-secret-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Serve:
    def __init__(self, url: str, tmp: Path) -> None:
        self.url, self.tmp = url, tmp
        self.port = free_port()
        from tradecore.service.auth import hash_secret

        keys = tmp / "keys.toml"
        if not keys.exists():
            keys.write_text(
                f'rate_per_s = 100000\nburst = 100000\n[keys.crash]\nhash = "{hash_secret(SECRET)}"\n'
                'accounts = ["*"]\nscopes = ["read", "trade"]\n'
            )
        cmd = [sys.executable, "-c", "from tradecore.cli import main; main()", "serve",
               "--journal", url, "--port", str(self.port), "--no-demo-flow", "--speed", "20",
               "--keys", str(keys)]  # fmt: skip
        self.log = tmp / f"serve-{self.port}.log"
        with self.log.open("w") as out:  # a file, not a pipe: a chatty server never blocks
            self.p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, text=True)
        self.token = f"crash.{SECRET}"
        self.http = httpx.Client(
            base_url=f"http://127.0.0.1:{self.port}", headers={"X-API-Key": self.token}, timeout=10
        )
        self.lines: list[str] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            self.lines = self.log.read_text().splitlines()
            try:
                if self.http.get("/ready").json().get("ready"):
                    self.lines = self.log.read_text().splitlines()
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"serve not ready: {self.lines}")

    def kill(self) -> None:
        os.kill(self.p.pid, signal.SIGKILL)
        self.p.wait()
        self.http.close()


def order(coid: str, rng: random.Random) -> dict[str, object]:
    return {
        "client_order_id": coid, "account": ACCOUNT, "symbol": "BTC/USD",
        "side": rng.choice(["BUY", "SELL"]), "type": "MARKET",
        "quantity": str(Decimal(rng.randint(1, 20)) / 100),
    }  # fmt: skip


def journaled_fills(url: str) -> list[dict[str, object]]:
    t = parse_url(url)
    if t.backend == "sqlite":
        import sqlite3

        db = sqlite3.connect(t.path)
        rows = db.execute("SELECT payload FROM events WHERE type = 'OrderFilled'").fetchall()
        db.close()
    else:
        import psycopg

        with psycopg.connect(DSN) as db:
            rows = db.execute(
                f"SELECT payload FROM {t.schema}.events WHERE type = 'OrderFilled'"
            ).fetchall()
    return [json.loads(bytes(r[0])) for r in rows]


def check(s: Serve, acked: list[str], sample: int | None = None) -> None:
    rng = random.Random(len(acked))
    some = acked if sample is None else acked[-30:] + rng.sample(acked, min(sample, len(acked)))
    for coid in some:
        r = s.http.get(f"/v1/orders/{coid}", params={"account": ACCOUNT})
        assert r.status_code == 200, f"order {coid} got a 201 and is gone: {r.text}"
        assert r.json()["status"] in ("FILLED", "PARTIALLY_FILLED", "CANCELED", "REJECTED",
                                      "ACCEPTED", "SUBMITTED", "DENIED", "EXPIRED"), r.json()  # fmt: skip
    fills = [f for f in journaled_fills(s.url) if f["account"] == ACCOUNT]
    trades = [f["trade_id"] for f in fills]
    assert len(trades) == len(set(trades)), "a fill was booked twice"
    net = sum(
        (Decimal(str(f["quantity"])) * (1 if f["side"] == "BUY" else -1) for f in fills), Decimal(0)
    )
    pos = s.http.get("/v1/positions", params={"account": ACCOUNT}).json()
    held = sum(
        (Decimal(p["quantity"]) for p in pos if p["instrument"].startswith("BTC/USD")), Decimal(0)
    )
    assert held == net, f"positions {held} != journaled venue trades {net}"


def crash_loop(url: str, tmp: Path, seed: int) -> int:
    rng = random.Random(seed)
    acked: list[str] = []
    n = 0
    for round_ in range(KILLS):
        s = Serve(url, tmp)
        if round_:
            assert any("recovered" in line for line in s.lines), s.lines
            check(s, acked, sample=20)
        for _ in range(rng.randint(3, 25)):  # a steady flow, killed after a random count
            n += 1
            coid = f"K{n:05d}"
            try:
                r = s.http.post("/v1/orders", json=order(coid, rng))
            except httpx.HTTPError:
                break
            if r.status_code == 201:
                acked.append(coid)
            time.sleep(0.01)
        time.sleep(rng.random() * 0.05)  # the kill lands while fills may still be arriving
        s.kill()
    s = Serve(url, tmp)
    try:
        check(s, acked)
    finally:
        s.kill()
    return len(acked)


@pytest.mark.slow
def test_serve_killed_20_times_on_sqlite_loses_and_doubles_nothing(tmp_path: Path) -> None:
    assert crash_loop(f"sqlite:///{tmp_path / 'serve.db'}", tmp_path, 3) > 40


def _pg() -> bool:
    try:
        import psycopg

        psycopg.connect(DSN, connect_timeout=3).close()
        return True
    except Exception:
        return False


@pytest.fixture
def pg_url() -> Iterator[str]:
    if not _pg():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    from tradecore.journal.postgres import PostgresStore

    schema = f"serve_{uuid.uuid4().hex[:10]}"
    yield f"postgresql://postgres@127.0.0.1:5432/test?schema={schema}"
    PostgresStore(DSN, schema=schema).drop()


@pytest.mark.slow
@pytest.mark.postgres
def test_serve_killed_20_times_on_postgresql_loses_and_doubles_nothing(
    tmp_path: Path, pg_url: str
) -> None:
    assert crash_loop(pg_url, tmp_path, 4) > 40
