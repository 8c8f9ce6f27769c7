"""Schemathesis against the live OpenAPI spec (no 5xx); the dashboard: test_dashboard.py."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.integration.service.conftest import Server

CHROMIUM = "/usr/bin/chromium"


@pytest.mark.timeout(660)
def test_schemathesis_with_every_check_finds_nothing(server: Server) -> None:
    """Every schemathesis check (server errors, status codes, content types, headers, response
    schemas, negative data rejected, positive data accepted, auth not ignored, 405 with Allow...)
    over every operation: 0 failures. Bounded: 25 examples per operation (~20 s on an idle
    2-core machine; the timeout leaves room for a loaded one)."""
    st = Path(sys.executable).parent / "schemathesis"
    cmd = [
        str(st), "run", f"{server.url}/openapi.json", "--checks", "all",
        "--header", f"X-API-Key: {server.desk}", "--max-examples", "25",
        "--request-timeout", "10", "--no-color", "--seed", "15",
    ]  # fmt: skip
    res = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
    )
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-2000:]
    assert "Tested: 26" in res.stdout  # every operation of the spec was exercised
    m = re.search(r"(\d+) generated, (\d+) passed", res.stdout)
    assert m is not None and m.group(1) == m.group(2) and int(m.group(1)) > 300, res.stdout[-2000:]


def test_openapi_declares_the_api_key_scheme_tags_and_the_error_body(server: Server) -> None:
    spec = httpx.get(f"{server.url}/openapi.json").json()
    assert spec["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey", "in": "header", "name": "X-API-Key",
        "description": "`<key id>.<secret>` (see `tradecore keygen`)",
    }  # fmt: skip
    ops = [(p, m, op) for p, item in spec["paths"].items() for m, op in item.items()]
    assert len(ops) == 26
    for path, method, op in ops:
        assert op.get("tags"), f"{method} {path} has no tag"
        if path.startswith("/v1/"):
            # the dashboard's session cookie is accepted wherever the key is, except to log in
            login = (path, method) == ("/v1/session", "post")
            want = [{"ApiKey": []}] if login else [{"ApiKey": []}, {"Session": []}]
            assert op.get("security") == want, f"{method} {path}"
            err = op["responses"]["422"]["content"]["application/json"]["schema"]
            assert err == {"$ref": "#/components/schemas/ErrorOut"}, f"{method} {path}"
            assert "Retry-After" in op["responses"]["429"]["headers"]
