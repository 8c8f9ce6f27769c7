"""REST and Python agree on defaults (found: REST defaulted to IOC, Python to GTC)."""

from __future__ import annotations

from decimal import Decimal

from tests.integration.service.conftest import Server
from tradecore.model.commands import DEFAULT_TIME_IN_FORCE
from tradecore.model.enums import OrderType
from tradecore.strategy import Strategy, backtest


class Both(Strategy):
    def on_start(self) -> None:
        self.at(self.now + 1_050_000_000, self.go)

    def go(self) -> None:
        q = self.quote("BTC/USD@SIMA")
        assert q is not None
        self.lim = self.buy("BTC/USD@SIMA", "0.01", q.bid - 20)
        self.mkt = self.buy("BTC/USD@SIMA", "0.01")


def _mid(server: Server) -> Decimal:
    quotes = server.service.system.engine.last_quotes  # type: ignore[attr-defined]
    q = next(q for iid, q in quotes.items() if str(iid) == "BTC/USD@SIMA")
    return Decimal(q.bid)


def test_rest_and_python_default_type_and_time_in_force_alike(server: Server) -> None:
    res = backtest(Both, seconds=2)
    s = res.strategies[0]
    assert isinstance(s, Both)
    python = {
        "limit": (s.lim.order_type, s.lim.time_in_force),
        "market": (s.mkt.order_type, s.mkt.time_in_force),
    }
    bid = _mid(server) - 20
    with server.client(server.desk) as c:
        base = {"account": "DEMO", "symbol": "BTC/USD", "venue": "SIMA", "side": "BUY",
                "quantity": "0.01"}  # fmt: skip
        lim = c.post("/v1/orders", json=base | {"client_order_id": "dflt-l", "price": str(bid)})
        mkt = c.post("/v1/orders", json=base | {"client_order_id": "dflt-m"})
    assert lim.status_code == 201 and mkt.status_code == 201, (lim.text, mkt.text)
    rest = {
        "limit": (lim.json()["order"]["type"], lim.json()["order"]["time_in_force"]),
        "market": (mkt.json()["order"]["type"], mkt.json()["order"]["time_in_force"]),
    }
    assert rest == python == {"limit": ("LIMIT", "GTC"), "market": ("MARKET", "IOC")}
    assert DEFAULT_TIME_IN_FORCE[OrderType.LIMIT].value == "GTC"
