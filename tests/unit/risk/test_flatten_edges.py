"""Flatten as an operator relies on it: the account's working orders in the symbol are
cancelled first and a slice goes out only for what they no longer cover, a second request
does not start a second job."""

from __future__ import annotations

from decimal import Decimal

from tests.unit.risk.conftest import ACC, ETH, desk
from tradecore.model import ClientOrderId, Side

D = Decimal


def test_flatten_cancels_working_orders_first_and_slices_only_what_they_no_longer_cover() -> None:
    d = desk()
    assert d.submit(Side.BUY, "2").ok
    d.fill_all("100")
    assert d.submit(Side.SELL, "2", "200").ok  # a working sell would reduce the position
    assert d.submit(Side.BUY, "1", "9", iid=ETH).ok  # another symbol: left alone
    sell, eth = ClientOrderId("o2"), ClientOrderId("o3")
    d.monitor.flattener.flatten(ACC, "ops", "flatten BTC")
    assert [o.client_order_id for o in d.venue.canceled] == [sell]
    assert not [o for o in d.venue.submitted if o.tag == "flatten"]  # o2 still covers it
    d.monitor.flattener.flatten(ACC, "ops", "again")  # the job is running: not a second one
    assert [o.client_order_id for o in d.venue.canceled] == [sell]
    assert d.venue.sink is not None
    d.venue.sink.on_canceled(sell)
    d.clock.run_all()
    slices = [o for o in d.venue.submitted if o.tag == "flatten"]
    assert [(o.side, o.quantity, o.reduce_only) for o in slices] == [(Side.SELL, D(2), True)]
    d.fill_all("100")
    assert d.positions.signed_quantity(ACC, "BTC/USD") == 0
    rep = d.monitor.flattener.reports[-1]
    assert (rep.status, rep.symbol) == ("flat", "BTC/USD")
    assert eth not in [o.client_order_id for o in d.venue.canceled]  # never cancelled
