"""A real server: uvicorn on a free loopback port, in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from tradecore.cli.serve import build_service


@dataclass
class Server:
    url: str
    admin: str  # all accounts, every scope
    desk: str  # account DEMO: read + trade
    other: str  # account OTHER: read + trade
    reader: str  # account DEMO: read only
    service: object

    def client(self, token: str | None) -> httpx.Client:
        headers = {"X-API-Key": token} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


CONFIG = """
[risk]
breach_actions = []   # alerts only: the demo flow keeps trading while the dashboard watches
[risk.defaults]
max_order_quantity = { "BTC/USD" = "5", "*" = "100000" }
price_band_bps = "50"
[risk.calendars]   # every equity and FX instrument names its calendar
SAP = "XETR"
"EUR/USD" = "24/7"
"""


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("svc")
    cfg = tmp / "service.toml"
    cfg.write_text(CONFIG)
    app, service, keys = build_service(
        cfg, None, speed=20.0, demo_flow=True, journal=tmp / "journal.db"
    )
    keys.rate_per_s, keys.burst = 10_000, 10_000
    keys.auth_failures_burst = 10_000  # schemathesis sends bad keys on purpose (ignored_auth)
    admin = keys.create("admin", ["*"], ["read", "trade", "risk-admin", "metrics"])
    desk = keys.create("desk", ["DEMO"], ["read", "trade"])
    other = keys.create("other", ["OTHER"], ["read", "trade"])
    reader = keys.create("reader", ["DEMO"], ["read"])
    with serving(app) as url:
        yield Server(url, admin, desk, other, reader, service)


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` on uvicorn in a background thread, on a free port, once it is ready: its URL."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio"
    )
    srv = uvicorn.Server(config)
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/ready").json().get("ready"):
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    try:
        yield url
    finally:
        srv.should_exit = True
        t.join(timeout=10)


@dataclass
class Local:
    """An app over its own engine, without the market feed, served in-process."""

    app: object
    service: object
    keys: object
    admin: str
    desk: str
    metrics_key: str


def local_app(
    tmp: Path, journal_toml: str = "", *, run_feed: bool = False, **app_kw: object
) -> Local:
    from tradecore.service.app import create_app

    cfg = tmp / "local.toml"
    cfg.write_text(CONFIG + journal_toml)
    _, service, keys = build_service(
        cfg, None, speed=50.0, demo_flow=False, journal=tmp / "local.db"
    )
    keys.rate_per_s, keys.burst = 10_000, 10_000
    admin = keys.create("admin", ["*"], ["read", "trade", "risk-admin", "metrics"])
    desk = keys.create("desk", ["DEMO"], ["read", "trade"])
    metrics_key = keys.create("mon", ["DEMO"], ["read", "metrics"])
    app = create_app(service, keys, run_feed=run_feed, **app_kw)  # type: ignore[arg-type]
    return Local(app, service, keys, admin, desk, metrics_key)
