"""The dashboard in headless Chromium (Playwright) against a real service (uvicorn on a free
port, the demo flow trading): the login prompt keeps the key out of the URL, every panel
shows the service's data, an order entered in the page is filled by the engine, a denied one
shows its reason inline. ``TRADECORE_SCREENSHOTS=DIR`` saves the screenshots of docs/images."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.service.conftest import Server, serving
from tradecore.cli.serve import build_service

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
WAIT_MS = 30_000  # a loaded CI machine

pytestmark = pytest.mark.timeout(180)
# the embedded config's limits (max_order_quantity BTC/USD 5, max_position BTC/USD 6: the demo
# flow crosses its warning level), without breach actions so the demo keeps trading
CONFIG = "[risk]\nbreach_actions = []\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Its own service (the kill switch is pressed here): uvicorn on a free port."""
    tmp = tmp_path_factory.mktemp("dash")
    (tmp / "dash.toml").write_text(CONFIG)
    app, service, keys = build_service(
        tmp / "dash.toml", None, speed=2.0, demo_flow=True, journal=tmp / "journal.db"
    )
    keys.rate_per_s, keys.burst = 10_000, 10_000
    admin = keys.create("admin", ["*"], ["read", "trade", "risk-admin"])
    desk = keys.create("desk", ["DEMO"], ["read", "trade"])
    with serving(app) as url:
        yield Server(url, admin, desk, desk, desk, service)


@pytest.fixture(scope="module")
def page(server: Server) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install -y chromium; .ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx = browser.new_context(viewport={"width": 1680, "height": 1180})
        pg = ctx.new_page()
        pg.set_default_timeout(WAIT_MS)
        pg.goto(server.url + "/")
        yield pg
        browser.close()


def shoot(pg: Any, name: str) -> None:
    out = os.environ.get("TRADECORE_SCREENSHOTS")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(Path(out) / name), full_page=True)


def rows(pg: Any, table: str) -> int:
    return int(pg.locator(f"#{table} tbody tr").count())


def test_login_prompt_asks_for_the_key_and_keeps_it_out_of_the_url(
    page: Any, server: Server
) -> None:
    page.wait_for_selector("#login", state="visible")  # no session yet: the prompt
    assert "key" not in page.url
    page.fill("#login-key", "admin.wrong-secret")
    page.click("#login-submit")
    page.wait_for_selector("#login-error code")
    assert page.inner_text("#login-error code") == "unauthorized"
    shoot(page, "dashboard-login.png")
    page.fill("#login-key", server.admin)
    page.click("#login-submit")
    page.wait_for_selector("#login", state="hidden")
    page.wait_for_function("document.getElementById('status').textContent === 'live'")
    assert server.admin not in page.url and "key=" not in page.url
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["tradecore_session"]["httpOnly"] is True
    assert cookies["tradecore_session"]["value"] != server.admin
    assert page.evaluate("document.cookie") == ""  # page scripts cannot read the session


def test_every_panel_shows_the_running_services_data(page: Any, server: Server) -> None:
    page.wait_for_function("document.querySelectorAll('#positions tbody tr').length > 0")
    page.wait_for_function("document.querySelectorAll('#depth .ladder').length === 4")
    page.wait_for_function("document.querySelectorAll('#routing .decision tbody tr').length >= 3")
    page.wait_for_function("document.querySelectorAll('#fills tbody tr').length > 0")
    page.wait_for_function("document.querySelectorAll('#risk tbody tr').length > 0")
    page.wait_for_function("document.getElementById('state-effective') !== null")
    api = server.client(server.admin)
    # venues: the configured latency of the simulated venues, not one market step
    venues = page.inner_text("#venues tbody")
    for name, lat in (("SIMA", "250"), ("SIMB", "600"), ("SIMC", "400")):
        assert re.search(rf"{name}\s.*\s{lat}\s+configured", venues), venues
    assert "100,000" not in venues
    # positions at instrument precision (BTC lot 0.0001: four decimals)
    btc = page.locator("#positions tbody tr", has_text="BTC/USD").first.inner_text().split("\t")
    assert re.fullmatch(r"-?\d+\.\d{4}", btc[1]), btc
    # the fills counter counts every fill of the account in the journal
    page.wait_for_function(
        "n => Number(document.getElementById('nfills').textContent.replace(/,/g, '')) >= n",
        arg=api.get("/v1/fills/count", params={"account": "DEMO"}).json()["fills"],
    )
    # the routing panel: a decision's per-venue scores, as the API gives them
    d = api.get("/v1/routing/decisions", params={"account": "DEMO", "limit": 1}).json()
    assert d and len(d[0]["scores"]) == 3
    assert "score" in page.inner_text("#routing thead")
    # the equity chart has points and a time axis (HH:MM:SS labels drawn under it)
    page.wait_for_function("S.equity.length >= 2")
    assert page.inner_text("#trading") in ("ACTIVE", "REDUCE_ONLY", "HALTED")


def test_positions_are_re_marked_on_the_streams_quotes(page: Any, server: Server) -> None:
    """Only a quote makes the page re-read positions (at the server's exact marks); the
    marks it shows then change with the market."""
    before = page.inner_text("#positions tbody")
    with page.expect_request(lambda r: "/v1/positions?" in r.url, timeout=WAIT_MS):
        pass
    page.wait_for_function("b => document.querySelector('#positions tbody').innerText !== b",
                           arg=before)  # fmt: skip


def test_an_order_entered_in_the_page_reaches_the_engine_and_is_filled(
    page: Any, server: Server
) -> None:
    page.select_option("#t-symbol", "BTC/USD")
    page.select_option("#t-venue", "SMART")
    page.select_option("#t-side", "BUY")
    page.select_option("#t-type", "MARKET")
    page.fill("#t-qty", "0.0100")
    page.click("#t-submit")
    page.wait_for_selector("#ticket-order")
    coid = page.inner_text("#ticket-order")
    page.wait_for_function("document.getElementById('ticket-status')?.textContent === 'FILLED'")
    o = server.client(server.admin).get(f"/v1/orders/{coid}").json()
    assert o["status"] == "FILLED" and o["filled_qty"] in ("0.0100", "0.01")
    assert o["account"] == "DEMO" and o["children"]
    filled = [c["client_order_id"] for c in o["children"] if c["filled_qty"] != "0"]
    # the fill came to the page by the stream (the demo's own fills soon push it out of the
    # table's 40 rows, so the page's list is checked)
    try:
        page.wait_for_function(
            "ids => S.fills.some(f => ids.includes(f.client_order_id))", arg=filled
        )
    except Exception:
        state = page.evaluate("[S.connects, S.fills.length, S.fills.slice(-1)[0]?.ts]")
        msg = f"fill {filled} not on the page: connects, fills, last ts {state}"
        raise AssertionError(msg) from None
    shoot(page, "dashboard-filled.png")


def test_a_denied_order_shows_its_reason_inline(page: Any, server: Server) -> None:
    page.select_option("#t-symbol", "BTC/USD")
    page.select_option("#t-type", "MARKET")
    page.fill("#t-qty", "6")  # the config's max_order_quantity for BTC/USD is 5
    page.click("#t-submit")
    page.wait_for_selector("#ticket-denial")
    reason = page.inner_text("#denial-reason")
    assert reason == "MAX_ORDER_QUANTITY", page.inner_text("#ticket-denial")
    assert "5" in page.inner_text("#ticket-denial")
    page.wait_for_function(
        "r => document.querySelector('#denials tbody')?.innerText.includes(r)", arg=reason
    )
    shoot(page, "dashboard-denial.png")


def test_a_resting_order_is_listed_with_its_child_right_under_it(page: Any, server: Server) -> None:
    book = server.client(server.admin).get("/v1/book", params={"symbol": "BTC/USD"}).json()
    low = book["consolidated"]["bids"][-1]["price"]  # well below the touch: it rests
    page.select_option("#t-symbol", "BTC/USD")
    page.select_option("#t-venue", "SMART")
    page.select_option("#t-type", "LIMIT")
    page.select_option("#t-tif", "GTC")
    page.fill("#t-qty", "0.0500")
    page.fill("#t-price", str(int(float(low)) - 100))  # whole dollars: on the 0.01 tick
    page.click("#t-submit")
    page.wait_for_selector("#ticket-order")
    coid = page.inner_text("#ticket-order")
    page.wait_for_function(
        "id => [...document.querySelectorAll('#orders tbody tr.child')]"
        ".some(r => r.innerText.startsWith(id + '.'))",
        arg=coid,
    )
    ids = page.eval_on_selector_all(
        "#orders tbody tr", "rs => rs.map(r => [r.className, r.cells[0].innerText])"
    )
    at = ids.index(["parent", coid])
    assert ids[at + 1][0] == "child" and ids[at + 1][1].startswith(coid + ".")
    page.wait_for_function("document.getElementById('ticket-status').textContent === 'ACCEPTED'")
    shoot(page, "dashboard.png")


def test_the_kill_switch_halts_the_account_and_is_shown_with_its_alert(
    page: Any, server: Server
) -> None:
    page.fill("#kill-why", "desk check")
    page.click("#kill")
    page.wait_for_function("document.getElementById('trading').textContent === 'HALTED'")
    page.wait_for_function(
        "document.querySelector('#alerts tbody').innerText.includes('desk check')"
    )
    assert "HALTED" in page.inner_text("#states") and "desk check" in page.inner_text("#states")
    # HALTED cancels the working orders: gone from the page once the venues confirm
    page.wait_for_function(
        "document.querySelectorAll('#orders tbody tr').length === 0", timeout=WAIT_MS
    )
    shoot(page, "dashboard-halted.png")
    page.click("#kill")  # now "Release kill switch"
    page.wait_for_function("document.getElementById('trading').textContent === 'ACTIVE'")


def test_the_dashboard_serves_only_its_own_static_files(server: Server) -> None:
    assert httpx.get(f"{server.url}/static/dashboard.js").status_code == 200
    r = httpx.get(f"{server.url}/static/..%2Fapp.py")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
