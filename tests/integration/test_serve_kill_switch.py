"""The kill switch survives a SIGKILL of ``tradecore serve`` and a restart on its journal:
the emergency state is a journaled event, restored when serve recovers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.integration.test_serve_crash import SECRET, Serve


def test_kill_switch_survives_kill_9_and_restart_of_serve(tmp_path: Path) -> None:
    from tradecore.service.auth import hash_secret

    (tmp_path / "keys.toml").write_text(
        f'rate_per_s = 100000\nburst = 100000\n[keys.crash]\nhash = "{hash_secret(SECRET)}"\n'
        'accounts = ["*"]\nscopes = ["read", "trade", "risk-admin", "metrics"]\n'
    )
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    order = {
        "account": "KS", "symbol": "BTC/USD", "side": "BUY", "type": "MARKET",
        "quantity": "0.01",
    }  # fmt: skip
    s = Serve(url, tmp_path)
    try:
        r = s.http.post(
            "/v1/risk/kill-switch", json={"scope": "KS", "engaged": True, "why": "drill"}
        )
        assert r.status_code == 200, r.text
        d = s.http.post("/v1/orders", json={**order, "client_order_id": "ks-1"}).json()
        assert d["denial"]["reason"] == "KILL_SWITCH"
    finally:
        s.kill()  # SIGKILL: no shutdown hook runs
    s2 = Serve(url, tmp_path)
    try:
        st = s2.http.get("/v1/risk", params={"account": "KS"}).json()["state"]["trading_state"]
        assert st["KS"]["state"] == "HALTED" and st["KS"]["why"] == "drill"
        d = s2.http.post("/v1/orders", json={**order, "client_order_id": "ks-2"}).json()
        assert d["denial"]["reason"] == "KILL_SWITCH" and "drill" in d["denial"]["message"]
        metrics = s2.http.get("/metrics").text  # the client sends its key: account series too
        assert 'tradecore_account_trading_state{account="KS"} 2.0' in metrics
    finally:
        s2.kill()
    # and `tradecore replay` of the same journal (after the second SIGKILL) restores it too
    out = subprocess.run(
        [sys.executable, "-m", "tradecore", "replay", "--journal", url, "--json"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    state = json.loads(out.stdout)["trading_state"]
    assert state["KS"]["state"] == "HALTED" and state["KS"]["why"] == "drill"
