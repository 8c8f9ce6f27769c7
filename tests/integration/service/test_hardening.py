"""API hardening (issue 15): each finding of the audit reproduced, now refused cleanly."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.integration.service.conftest import Local, local_app

BODY_ROUTES = [
    ("/v1/orders", {"client_order_id": "n-1", "account": "DEMO", "symbol": "BTC/USD",
                    "side": "BUY", "quantity": "0.01"}),
    ("/v1/orders/n-1/replace", {"account": "DEMO", "new_client_order_id": "n-2",
                                "quantity": "0.01"}),
    ("/v1/risk/kill-switch", {"scope": "DEMO", "engaged": True, "why": "x"}),
]  # fmt: skip


def strict_json(text: str) -> Any:
    """Parse as a strict JSON client would: NaN / Infinity are not JSON."""

    def refuse(c: str) -> None:
        raise ValueError(f"invalid JSON constant {c}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture
def local(tmp_path: Path) -> Iterator[tuple[Local, TestClient]]:
    lo = local_app(tmp_path)
    with TestClient(lo.app) as c:  # type: ignore[arg-type]
        yield lo, c


def assert_error_body(r: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = strict_json(r.text)
    assert set(body) == {"error"} and {"code", "message", "field", "errors"} <= set(body["error"])
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
def test_non_finite_numbers_in_any_body_get_a_422_in_valid_json(
    local: tuple[Local, TestClient], constant: str
) -> None:
    lo, c = local
    for path, good in BODY_ROUTES:
        for field in good:
            raw = json.dumps({**good, field: "__X__"}).replace('"__X__"', constant)
            r = c.post(path, content=raw, headers={"X-API-Key": lo.admin,
                                                   "Content-Type": "application/json"})  # fmt: skip
            if path.endswith("/replace") and r.status_code == 404:
                continue  # the order is unknown: refused before the body matters
            err = assert_error_body(r, 422, "validation_error")
            assert err["field"] == f"body.{field}", (path, field, err)


def test_a_refusal_never_echoes_the_input(local: tuple[Local, TestClient]) -> None:
    lo, c = local
    big = "A" * 60_000
    r = c.post("/v1/orders", json={**BODY_ROUTES[0][1], "symbol": big},
               headers={"X-API-Key": lo.desk})  # fmt: skip
    err = assert_error_body(r, 422, "validation_error")
    assert err["field"] == "body.symbol" and len(r.content) < 2_000


def test_a_body_over_the_limit_is_413_announced_or_chunked(local: tuple[Local, TestClient]) -> None:
    lo, c = local
    h = {"X-API-Key": lo.desk, "Content-Type": "application/json"}
    blob = json.dumps({**BODY_ROUTES[0][1], "symbol": "B" * 100_000})
    assert_error_body(c.post("/v1/orders", content=blob, headers=h), 413, "payload_too_large")

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(blob), 8192):
            yield blob[i : i + 8192].encode()

    assert_error_body(c.post("/v1/orders", content=chunks(), headers=h), 413, "payload_too_large")


def test_every_refusal_has_the_one_error_body(local: tuple[Local, TestClient]) -> None:
    lo, c = local
    desk = {"X-API-Key": lo.desk}
    assert_error_body(c.get("/v1/venues"), 401, "unauthorized")
    assert_error_body(c.get("/v1/positions", params={"account": "X"}, headers=desk), 403)
    assert_error_body(c.get("/v1/orders/nope", headers=desk), 404, "not_found")
    assert_error_body(c.get("/v1/fills", params={"account": "DEMO", "limit": 0}, headers=desk),
                      422, "validation_error")  # fmt: skip
    r = c.patch("/v1/orders", headers=desk)
    assert_error_body(r, 405, "method_not_allowed")
    assert r.headers["allow"] == "GET, POST"  # every method of the path, not only the last
    bad = c.post(
        "/v1/orders", content=b"{not json", headers={**desk, "Content-Type": "application/json"}
    )
    assert bad.status_code in (400, 422) and "error" in strict_json(bad.text)


def test_a_key_over_its_rate_gets_429_with_retry_after(local: tuple[Local, TestClient]) -> None:
    lo, c = local
    lo.keys.rate_per_s, lo.keys.burst = 0.2, 2  # type: ignore[attr-defined]
    codes = [c.get("/v1/venues", headers={"X-API-Key": lo.desk}) for _ in range(3)]
    assert [r.status_code for r in codes] == [200, 200, 429]
    assert_error_body(codes[2], 429, "rate_limited")
    assert 1 <= int(codes[2].headers["retry-after"]) <= 5


def test_failed_logins_are_throttled_per_client_before_any_scrypt(
    local: tuple[Local, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    import tradecore.service.auth as auth

    lo, c = local
    lo.keys.auth_failures_burst, lo.keys.auth_failures_per_s = 3, 0.01  # type: ignore[attr-defined]
    calls = []
    real = auth.verify_secret
    monkeypatch.setattr(auth, "verify_secret", lambda s, h: calls.append(1) or real(s, h))
    codes = [c.get("/v1/venues", headers={"X-API-Key": f"desk.guess{i}"}).status_code
             for i in range(6)]  # fmt: skip
    assert codes == [401, 401, 401, 429, 429, 429]
    assert len(calls) == 3  # the throttled attempts cost no scrypt
    r = c.get("/v1/venues", headers={"X-API-Key": "desk.guess9"})
    assert_error_body(r, 429, "auth_throttled")
    assert int(r.headers["retry-after"]) >= 1
    # another client address is not affected
    other = TestClient(lo.app, client=("10.0.0.9", 5000))  # type: ignore[arg-type]
    assert other.get("/v1/venues", headers={"X-API-Key": lo.desk}).status_code == 200


def test_metrics_name_accounts_only_for_a_metrics_key(local: tuple[Local, TestClient]) -> None:
    lo, c = local
    r = c.post("/v1/orders", json=BODY_ROUTES[0][1], headers={"X-API-Key": lo.desk})
    assert r.status_code in (200, 201), r.text
    anonymous = c.get("/metrics").text
    assert "tradecore_venue_up" in anonymous and "DEMO" not in anonymous
    assert "DEMO" not in c.get("/metrics", headers={"X-API-Key": lo.desk}).text  # no scope
    mine = c.get("/metrics", headers={"X-API-Key": lo.metrics_key}).text
    assert 'tradecore_orders_total{account="DEMO"}' in mine
    assert c.get("/metrics", headers={"X-API-Key": "mon.wrong"}).status_code == 401


def test_ready_reports_each_check_and_fails_without_venues(local: tuple[Local, TestClient]) -> None:
    lo, c = local
    r = c.get("/ready")
    assert r.status_code == 200 and r.json()["ready"] is True
    assert set(r.json()["checks"]) == {"journal", "feed", "venues"}
    for v in lo.service.system.venues.values():  # type: ignore[attr-defined]
        v._down = True
    r = c.get("/ready")
    assert r.status_code == 503 and r.json()["checks"]["venues"] == {
        "ok": False, "detail": "no venue connected"}  # fmt: skip
    assert c.get("/health").status_code == 200  # alive, only not ready


def test_ready_takes_extra_checks_from_the_runner(tmp_path: Path) -> None:
    lo = local_app(tmp_path, readiness=lambda: {"recovery": (False, "replaying")})
    with TestClient(lo.app) as c:  # type: ignore[arg-type]
        r = c.get("/ready")
    assert r.status_code == 503
    assert r.json()["checks"]["recovery"] == {"ok": False, "detail": "replaying"}


def test_health_fails_when_the_feed_died(tmp_path: Path) -> None:
    lo = local_app(tmp_path, run_feed=True)

    async def broken() -> None:
        raise RuntimeError("feed exploded")

    lo.service.run = broken  # type: ignore[attr-defined]
    with TestClient(lo.app) as c:  # type: ignore[arg-type]
        time.sleep(0.2)
        h = c.get("/health")
        assert_error_body(h, 503, "not_alive")
        assert "feed exploded" in h.json()["error"]["message"]
        assert c.get("/ready").json()["checks"]["feed"]["ok"] is False


GROUP = '\n[journal]\ndurability = "group"\ngroup_ms = 1\n'


def test_journal_lag_is_measured_and_ready_fails_when_the_writer_is_gone(tmp_path: Path) -> None:
    lo = local_app(tmp_path, GROUP)
    jr = lo.service.system.engine.journal  # type: ignore[attr-defined]
    assert jr.writer is not None  # group durability: the writer is a process
    with TestClient(lo.app) as c:
        h = {"X-API-Key": lo.desk}
        os.kill(jr.writer.pid, signal.SIGSTOP)  # the writer stops committing
        try:
            for i in range(5):
                c.post("/v1/orders", json={**BODY_ROUTES[0][1], "client_order_id": f"lag-{i}"},
                       headers=h)  # fmt: skip
            lag = c.get("/ready").json()["journal_lag"]
            assert lag >= 5  # at least an OrderInitialized per order, none committed
            assert f"tradecore_journal_lag_events {float(lag)}" in c.get("/metrics").text
        finally:
            os.kill(jr.writer.pid, signal.SIGCONT)
        jr.flush()
        assert c.get("/ready").json()["journal_lag"] == 0
        os.kill(jr.writer.pid, signal.SIGKILL)
        jr.writer.process.wait(5)
        r = c.get("/ready")
        assert r.status_code == 503 and r.json()["checks"]["journal"]["ok"] is False


@pytest.mark.parametrize(
    ("expire_ns", "status"), [(0, 422), (2**62, 200), (2**62 + 4096, 422), (10**30, 422)]
)
def test_expire_ns_is_bounded_as_the_schema_says(
    local: tuple[Local, TestClient], expire_ns: int, status: int
) -> None:
    """Found by schemathesis: a bound read as a float by schema tools; 10**30 never a 500."""
    lo, c = local
    body = {**BODY_ROUTES[0][1], "client_order_id": f"gtd-{expire_ns}", "type": "LIMIT",
            "price": "100", "time_in_force": "GTD", "expire_ns": expire_ns, "venue": "SIMA"}  # fmt: skip
    r = c.post("/v1/orders", json=body, headers={"X-API-Key": lo.desk})
    if status == 422:
        assert assert_error_body(r, 422, "validation_error")["field"] == "body.expire_ns"
    else:
        assert r.status_code in (200, 201), r.text  # accepted, or a business refusal
