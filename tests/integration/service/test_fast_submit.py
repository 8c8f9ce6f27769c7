"""POST /v1/orders answered by the fast path (service/fastsubmit.py: a key already verified,
a valid body) is the same answer the FastAPI route gives, and everything else still gets the
route's own refusal: the rate limit, the scope, the account, a bad body, a duplicate id."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.service.conftest import Local, local_app
from tradecore.service import security

VOLATILE = {"client_order_id", "created_ns", "last_event_ns"}


def order(coid: str, **kw: object) -> dict[str, object]:
    body: dict[str, object] = {"client_order_id": coid, "account": "DEMO", "symbol": "BTC/USD",
                               "venue": "SIMA", "side": "BUY", "quantity": "0.01"}  # fmt: skip
    body.update(kw)
    return body


def same_but_ids(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert set(a) == set(b) == {"order", "denial", "duplicate"}
    assert {k: v for k, v in a["order"].items() if k not in VOLATILE} == {
        k: v for k, v in b["order"].items() if k not in VOLATILE
    }
    assert (a["denial"], a["duplicate"]) == (b["denial"], b["duplicate"])


@pytest.fixture
def local(tmp_path: Path) -> Iterator[tuple[Local, TestClient]]:
    lo = local_app(tmp_path)
    with TestClient(lo.app) as c:  # type: ignore[arg-type]
        yield lo, c


def test_a_verified_key_gets_the_routes_answer(
    local: tuple[Local, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    lo, c = local
    h = {"X-API-Key": lo.desk}
    first = c.post("/v1/orders", json=order("f-1"), headers=h)  # not verified yet: the route
    assert lo.keys.cached(lo.desk) is not None  # type: ignore[attr-defined]
    route_auth: list[str] = []  # the route always awaits the key's Verifier, the fast path never
    real = security.Verifier.__call__

    async def spy(self: Any, token: str | None, client: str) -> Any:
        route_auth.append(str(token))
        return await real(self, token, client)

    monkeypatch.setattr(security.Verifier, "__call__", spy)
    fast = c.post("/v1/orders", json=order("f-2"), headers=h)
    assert route_auth == []  # answered by the fast path
    assert (first.status_code, fast.status_code) == (201, 201)
    assert fast.headers["content-type"] == first.headers["content-type"] == "application/json"
    same_but_ids(first.json(), fast.json())
    assert fast.json()["order"]["client_order_id"] == "f-2"
    assert c.post("/v1/orders", json=order("f-x", side="HOLD"), headers=h).status_code == 422
    assert route_auth == [lo.desk]  # a refusal: the route's
    again = c.post("/v1/orders", json=order("f-2"), headers=h)  # known id: 200 duplicate
    assert again.status_code == 200 and again.json()["duplicate"] is True
    denied = c.post("/v1/orders", json=order("f-3", quantity="6"), headers=h)  # BTC max 5
    assert denied.status_code == 200 and denied.json()["denial"]["reason"] == "MAX_ORDER_QUANTITY"


def test_refusals_stay_the_routes_for_a_verified_key(local: tuple[Local, TestClient]) -> None:
    lo, c = local
    h = {"X-API-Key": lo.desk}
    assert c.post("/v1/orders", json=order("r-0"), headers=h).status_code == 201  # verified
    r = c.post("/v1/orders", json=order("r-1", quantity=0.5), headers=h)
    assert r.status_code == 422 and r.json()["error"]["field"] == "body.quantity"
    r = c.post("/v1/orders", json=order("r-2", account="OTHER"), headers=h)
    assert r.status_code == 403 and r.json()["error"]["code"] == "account_forbidden"
    r = c.post("/v1/orders", json=order("r-3", type="LIMIT"), headers=h)  # LIMIT needs a price
    assert r.status_code == 422 and r.json()["error"]["field"] == "body.price"
    other = {"X-API-Key": lo.keys.create("other", ["OTHER"], ["read", "trade"])}  # type: ignore[attr-defined]
    assert (
        c.post("/v1/orders", json=order("o-1", account="OTHER"), headers=other).status_code == 201
    )
    r = c.post("/v1/orders", json=order("r-0", account="OTHER"), headers=other)  # DEMO's id
    assert r.status_code == 409 and r.json()["error"]["code"] == "duplicate_id"
    r = c.post("/v1/orders", content=b'{"a":', headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 422 and "error" in r.json()
    lo.keys.rate_per_s, lo.keys.burst = 0.2, 1  # type: ignore[attr-defined]
    codes = [c.post("/v1/orders", json=order(f"q-{i}"), headers=h) for i in range(3)]
    assert [x.status_code for x in codes] == [201, 429, 429]
    assert codes[1].json()["error"]["code"] == "rate_limited" and codes[1].headers["retry-after"]
