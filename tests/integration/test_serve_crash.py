"""``tradecore serve --clock manual`` killed with SIGKILL at random points while a client drives
a seeded script of commands through REST (market, limit IOC and GTC submits on two venues,
cancels, market clock steps), restarted on the same journal each time: SQLite and PostgreSQL.

The client retries whatever was not acknowledged when serve died (the same client order id;
the same absolute clock step), as any client of an idempotent API would. After each restart:

* the state equals an uninterrupted run of the same script at that point: its
  ``Engine.state_digest`` (every order's full snapshot, timestamps, venue ids, trade ids, and
  the event sequence number) is the reference's after the last acknowledged command, or after
  the one in flight when serve died (it may have been committed, unanswered). A clock
  request of several market steps is one command too: all its steps commit together (a kill
  between two of them used to restart the market in between, a state the uninterrupted run
  never answered with);
* every order that got a 201 is there; no trade id is journaled twice; the positions serve
  reports equal the sum of the venues' trades as journaled;
* the restart says it gave the venues back their orders with 0 mismatches and closed none.

At the end, both digests (``state_digest`` and ``business_digest``, which adds positions)
equal the uninterrupted run's.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tradecore.journal.url import parse_url

DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres"
KILLS = 20
OPS = 700
ACCOUNT = "CRASH"
SECRET = "serve-crash-test-secret-0123456789"
PACE_S = 0.004  # one command every 4 ms: a steady flow
Op = tuple[str, Any]


def kill_seed(default: int) -> int:
    """Where the kills land: ``TRADECORE_SERVE_CRASH_SEED`` overrides the test's own seed."""
    return int(os.environ.get("TRADECORE_SERVE_CRASH_SEED", default))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def script(seed: int) -> list[Op]:
    """Seeded commands. Limit prices are set around the synthetic market's mid at the step the
    command is sent in (the market is a pure function of the seed and the step)."""
    from tradecore.bootstrap import market_source
    from tradecore.config import load_config

    rng = random.Random(seed)
    mids: dict[tuple[int, str], Decimal] = {}
    step, ts = -1, None
    for u in market_source(load_config(), seconds=200):
        if u.ts != ts:
            step, ts = step + 1, u.ts
        if u.up and u.instrument_id.venue == "SIMA":
            mids[(step, u.instrument_id.symbol)] = (u.bids[0][0] + u.asks[0][0]) / 2
    ops: list[Op] = []
    step, since_step, n = 0, 0, 0
    resting: list[str] = []
    net: dict[str, Decimal] = {}
    while len(ops) < OPS:
        if since_step >= 3 or rng.random() < 0.25:
            step += rng.randint(1, 3)
            ops.append(("clock", step))
            since_step = 0
            continue
        if resting and rng.random() < 0.2:
            ops.append(("cancel", resting.pop(rng.randrange(len(resting)))))
            continue
        n += 1
        since_step += 1
        coid = f"S{n:04d}"
        sym, lot = rng.choice([("BTC/USD", Decimal("0.0001")), ("ETH/USD", Decimal("0.001"))])
        base = Decimal(rng.randint(5, 60)) / (100 if sym == "BTC/USD" else 10)
        kind = rng.random()
        # lean against what the market orders bought or sold so far: stay inside the risk
        # limits (a breach's reduce-only would deny most of the rest of the script)
        lean = net.get(sym, Decimal(0)) / (2 if sym == "BTC/USD" else 40)
        side = "BUY" if rng.random() < 0.5 - float(lean) else "SELL"
        body: dict[str, object] = {
            "client_order_id": coid, "account": ACCOUNT, "symbol": sym,
            "venue": rng.choice(["SIMA", "SIMB"]), "side": side,
            "quantity": str(base + n * lot),  # unique: never a duplicate-order denial
        }  # fmt: skip
        if kind < 0.3:
            q = base + n * lot
            net[sym] = net.get(sym, Decimal(0)) + (q if side == "BUY" else -q)
        if kind < 0.3:
            body.update(type="MARKET", time_in_force="IOC")
        else:
            away = Decimal(rng.randint(-12, 20)) / 10_000  # > 0: rests, < 0: crosses
            sign = 1 if body["side"] == "SELL" else -1
            px = mids[(step, sym)] * (1 + sign * away)
            body.update(type="LIMIT", price=str(px.quantize(Decimal("0.01"))))
            body.update(time_in_force="IOC" if kind < 0.5 else "GTC")
            if kind >= 0.5:
                resting.append(coid)
        ops.append(("submit", body))
    return ops


class Serve:
    def __init__(self, url: str, tmp: Path) -> None:
        self.url, self.tmp = url, tmp
        self.port = free_port()
        from tradecore.service.auth import hash_secret

        keys = tmp / "keys.toml"
        if not keys.exists():
            keys.write_text(
                f'rate_per_s = 100000\nburst = 100000\n[keys.crash]\nhash = "{hash_secret(SECRET)}"\n'
                'accounts = ["*"]\nscopes = ["read", "trade", "admin"]\n'
            )
        cmd = [sys.executable, "-c", "from tradecore.cli import main; main()", "serve",
               "--journal", url, "--port", str(self.port), "--no-demo-flow", "--clock", "manual",
               "--keys", str(keys)]  # fmt: skip
        self.log = tmp / f"serve-{self.port}.log"
        self.t0 = time.monotonic()
        # not measured by coverage: a SIGKILLed process never writes its data, so tracing
        # would only slow every start (under `make test`)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "COV_"))}
        with self.log.open("w") as out:  # a file, not a pipe: a chatty server never blocks
            self.p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, text=True, env=env)
        self.http = httpx.Client(
            base_url=f"http://127.0.0.1:{self.port}",
            headers={"X-API-Key": f"crash.{SECRET}"},
            timeout=30,
        )
        self.lines: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.http.get("/ready").json().get("ready"):
                    self.lines = self.log.read_text().splitlines()
                    self.start_s = time.monotonic() - self.t0
                    return
            except httpx.HTTPError:
                pass
            if self.p.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"serve not ready: {self.log.read_text()}")

    def send(self, op: Op) -> httpx.Response:
        return send(self.http, op)

    def digest(self) -> dict[str, Any]:
        d: dict[str, Any] = self.http.get("/v1/admin/digest").json()
        return d

    def kill(self) -> None:
        if self.p.poll() is None:
            os.kill(self.p.pid, signal.SIGKILL)
        self.p.wait()
        self.http.close()


def send(http: httpx.Client, op: Op) -> httpx.Response:
    kind, arg = op
    if kind == "clock":
        r = http.post("/v1/admin/clock", json={"step": arg})
    elif kind == "cancel":
        r = http.delete(f"/v1/orders/{arg}")
    else:
        r = http.post("/v1/orders", json=arg)
    assert r.status_code in (200, 201), r.text
    return r


@dataclass
class Reference:
    digests: list[str]  # state_digest after each op; [0] before any
    final: dict[str, Any] = field(default_factory=dict)


def run_uninterrupted(ops: list[Op], tmp: Path) -> Reference:
    """The same script through the same app, never killed (in this process: no start-up
    cost), with the state digest after every command."""
    from fastapi.testclient import TestClient

    from tradecore.cli.serve import build_service

    t0 = time.monotonic()
    url = f"sqlite:///{tmp / 'reference.db'}"
    app, _, keys = build_service(
        None, None, speed=1.0, demo_flow=False, journal=url, clock="manual"
    )
    keys.rate_per_s = keys.burst = 10**6
    token = keys.create("ref", ["*"], ["read", "trade", "admin"])
    with TestClient(app, headers={"X-API-Key": token}) as http:
        while not http.get("/ready").json()["ready"]:
            time.sleep(0.01)
        ref = Reference([http.get("/v1/admin/digest").json()["state_digest"]])
        for op in ops:
            send(http, op)
            ref.digests.append(http.get("/v1/admin/digest").json()["state_digest"])
        ref.final = http.get("/v1/admin/digest").json()
    print(f"uninterrupted run: {time.monotonic() - t0:.1f} s")
    return ref


def journaled_fills(url: str) -> list[dict[str, Any]]:
    t = parse_url(url)
    if t.backend == "sqlite":
        import sqlite3

        db = sqlite3.connect(t.path)
        rows = db.execute("SELECT payload FROM events WHERE type = 'OrderFilled'").fetchall()
        db.close()
    else:
        import psycopg

        with psycopg.connect(DSN) as pg:
            rows = pg.execute(
                f"SELECT payload FROM {t.schema}.events WHERE type = 'OrderFilled'"
            ).fetchall()
    return [json.loads(bytes(r[0])) for r in rows]


def check(s: Serve, acked: set[str]) -> None:
    have: dict[str, str] = {}
    cursor: int | None = None
    while True:  # every page of the account's orders
        args: dict[str, Any] = {"account": ACCOUNT, "limit": 1000}
        if cursor is not None:
            args["cursor"] = cursor
        page = s.http.get("/v1/orders", params=args).json()
        have.update((o["client_order_id"], o["status"]) for o in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    missing = sorted(acked - have.keys())
    assert not missing, f"orders that got a 201 are gone: {missing[:10]}"
    fills = journaled_fills(s.url)
    trades = [f["trade_id"] for f in fills]
    assert len(trades) == len(set(trades)), "a fill was booked twice"
    net: dict[str, Decimal] = {}
    for f in fills:
        if f["account"] == ACCOUNT:
            sym = f["instrument_id"].split("@")[0]
            q = Decimal(str(f["quantity"])) * (1 if f["side"] == "BUY" else -1)
            net[sym] = net.get(sym, Decimal(0)) + q
    held: dict[str, Decimal] = {}
    for p in s.http.get("/v1/positions", params={"account": ACCOUNT}).json():
        sym = p["instrument"].split("@")[0]
        held[sym] = held.get(sym, Decimal(0)) + Decimal(p["quantity"])
    for sym in set(net) | set(held):
        assert held.get(sym, 0) == net.get(sym, 0), f"{sym}: position != venues' trades"


def crash_loop(url: str, tmp: Path, seed: int, ref: Reference, ops: list[Op]) -> dict[str, Any]:
    t_start = time.monotonic()
    rng = random.Random(seed)
    kill_at = sorted(rng.sample(range(2, len(ops) - 2), KILLS))  # spread over the script
    acked: set[str] = set()
    done = 0  # ops acknowledged, in order
    starts: list[float] = []
    for round_ in range(KILLS + 1):
        s = Serve(url, tmp)
        starts.append(s.start_s)
        if round_:
            said = [x for x in s.lines if "recovered" in x]
            assert said and "(0 mismatches)" in said[0], s.lines
            assert "0 open orders unknown at the venues closed" in said[0], said
            d = s.digest()["state_digest"]
            assert d in ref.digests[done : done + 2], f"round {round_}: state after op {done}"
            check(s, acked)
        killer: threading.Timer | None = None
        t0, sent = time.monotonic(), 0
        try:
            while done < len(ops):
                if round_ < KILLS and killer is None and done >= kill_at[round_]:
                    # lands between two commands or in the middle of one (a commit, a reply)
                    killer = threading.Timer(
                        rng.uniform(0, 0.015), os.kill, (s.p.pid, signal.SIGKILL)
                    )
                    killer.start()
                r = s.send(ops[done])
                if ops[done][0] == "submit" and r.status_code == 201:
                    acked.add(str(ops[done][1]["client_order_id"]))
                done, sent = done + 1, sent + 1
                time.sleep(max(0.0, t0 + PACE_S * sent - time.monotonic()))
        except httpx.HTTPError:
            pass  # killed: what was in flight is retried after the restart
        if killer is None:
            break  # the script is done, uninterrupted since the last restart
        killer.join()
        s.kill()
    try:
        assert done == len(ops) and round_ == KILLS
        check(s, acked)
        final = s.digest()
    finally:
        s.kill()
    assert final["state_digest"] == ref.final["state_digest"]
    assert final["business_digest"] == ref.final["business_digest"]
    assert final["step"] == ref.final["step"]
    took = time.monotonic() - t_start
    med = sorted(starts)[len(starts) // 2]
    print(f"crash loop: {took:.1f} s; {len(starts)} serve starts: median {med:.2f} s")
    return {"acked": len(acked)}


@pytest.fixture(scope="module")
def ops() -> list[Op]:
    return script(11)


@pytest.fixture(scope="module")
def reference(ops: list[Op], tmp_path_factory: pytest.TempPathFactory) -> Reference:
    return run_uninterrupted(ops, tmp_path_factory.mktemp("reference"))


@pytest.mark.timeout(900)  # ~1 min on an idle 2-core machine; far more on a loaded one
def test_serve_killed_20_times_on_sqlite_equals_an_uninterrupted_run(
    tmp_path: Path, ops: list[Op], reference: Reference
) -> None:
    out = crash_loop(f"sqlite:///{tmp_path / 'serve.db'}", tmp_path, kill_seed(3), reference, ops)
    assert out["acked"] > 150


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


@pytest.mark.postgres
@pytest.mark.timeout(900)
def test_serve_killed_20_times_on_postgresql_equals_an_uninterrupted_run(
    tmp_path: Path, pg_url: str, ops: list[Op], reference: Reference
) -> None:
    out = crash_loop(pg_url, tmp_path, kill_seed(4), reference, ops)
    assert out["acked"] > 150
