"""Replace through the CCXT connector, by the engine's replace path: on the Binance dialect
with ccxt's ``edit_order`` (``order/cancelReplace``), on the KuCoin dialect by cancel + new
(its classic spot API has no amend). The venue ends with one working order under the
replacement's client order id, for the leaves; fills of the original before the replace stay
the original's, later ones are the replacement's, each booked once with the venue's trade
id; a replace of an order the venue no longer has is rejected, and mode ``off`` refuses with
a reason, and an unknown mode is named."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

import pytest

from tests.integration.venues.local import as_trader, local_venue, plain_client
from tradecore.errors import ValidationError
from tradecore.model.commands import ReplaceOrder, SubmitOrder
from tradecore.model.enums import OrderStatus, OrderType, ReasonCode, Side, TimeInForce
from tradecore.model.events import OrderFilled, OrderReplaceRejected
from tradecore.model.identifiers import AccountId, ClientOrderId, InstrumentId, Venue
from tradecore.model.orders import Order
from tradecore.venues.ccxt.adapter import CcxtVenueClient, CcxtVenueConfig
from tradecore.venues.ccxt.wiring import LiveSystem, build_live
from tradecore.venues.dialects.server import DEMO_KEY, DEMO_SECRET
from tradecore.venues.model import FeeSchedule
from tradecore.venues.protocol import ExecutionSink

pytestmark = pytest.mark.timeout(90)
ACCT = AccountId("desk")
OTHER = ("other-trader", "other-secret")
MODES = {"binance": "edit", "kucoin": "cancel_new"}


def _as(dialect: str, url: str, fn: Callable[[Any], Any], key: tuple[str, str] = OTHER) -> Any:
    return as_trader(dialect, url, fn, *key)


@pytest.fixture(params=sorted(MODES))
def venue(request: pytest.FixtureRequest) -> Iterator[tuple[str, str, LiveSystem]]:
    dialect: str = request.param
    with ExitStack() as stack:
        url, _, _ = stack.enter_context(
            local_venue(None, dialect=dialect, keys=((DEMO_KEY, DEMO_SECRET), OTHER))
        )
        cfg = CcxtVenueConfig(poll_interval_s=0.1, book_interval_s=0.2, replace_mode=MODES[dialect],
                              book_levels=20 if dialect == "kucoin" else 10)  # fmt: skip
        c = CcxtVenueClient(Venue("V"), lambda: plain_client(dialect, url), cfg)
        system = build_live([(c, c.start(), FeeSchedule(Decimal(2), Decimal(5)))])
        try:
            yield dialect, url, system
        finally:
            system.stop()


IID = InstrumentId("BTC/USDT", "V")


def _submit(system: LiveSystem, coid: str, qty: str, px: str) -> None:
    cmd = SubmitOrder(
        client_order_id=ClientOrderId(coid), account=ACCT, instrument_id=IID, side=Side.BUY,
        order_type=OrderType.LIMIT, quantity=Decimal(qty), price=Decimal(px),
        time_in_force=TimeInForce.GTC,
    )  # fmt: skip
    assert system.engine.submit(cmd).ok
    assert system.run_until(lambda: _status(system, coid) is OrderStatus.ACCEPTED, 10)


def _replace(system: LiveSystem, old: str, new: str, qty: str, px: str) -> None:
    cmd = ReplaceOrder(client_order_id=ClientOrderId(old), new_client_order_id=ClientOrderId(new),
                       account=ACCT, quantity=Decimal(qty), price=Decimal(px))  # fmt: skip
    assert system.engine.replace(cmd).ok


def _status(system: LiveSystem, coid: str) -> OrderStatus | None:
    o = system.engine.orders.get(ClientOrderId(coid))
    return None if o is None else o.status


def _sell(dialect: str, url: str, qty: str, px: str) -> None:
    _as(dialect, url, lambda ex: ex.create_order("BTC/USDT", "limit", "sell", qty, px))


def test_a_replace_leaves_one_venue_order_under_the_new_id_and_fills_book_once(
    venue: tuple[str, str, LiveSystem],
) -> None:
    dialect, url, system = venue
    fills: list[OrderFilled] = []
    system.engine.bus.subscribe(OrderFilled, fills.append)

    # an order partly filled (0.1 of 0.4), then replaced at a new price: the venue works
    # the leaves (0.3) under the new id, the original is gone
    _submit(system, "R1", "0.4", "49999.99")
    _sell(dialect, url, "0.1", "49999.99")
    assert system.run_until(lambda: _status(system, "R1") is OrderStatus.PARTIALLY_FILLED, 10)
    _replace(system, "R1", "R1b", "0.4", "49999.97")
    assert system.run_until(lambda: _status(system, "R1b") is OrderStatus.PARTIALLY_FILLED, 10)
    assert _status(system, "R1") is OrderStatus.REPLACED
    working = _as(
        dialect, url, lambda ex: ex.fetch_open_orders("BTC/USDT"), (DEMO_KEY, DEMO_SECRET)
    )
    assert [(o["clientOrderId"], Decimal(o["amount"]), Decimal(o["price"])) for o in working] == [
        ("R1b", Decimal("0.3"), Decimal("49999.97"))
    ]  # fmt: skip

    # the rest fills at the new price, on the new id
    _sell(dialect, url, "0.3", "49999.97")
    assert system.run_until(lambda: _status(system, "R1b") is OrderStatus.FILLED, 10)
    system.run_until(lambda: False, 0.5)  # a few more polls: nothing may be booked twice
    got = [(str(f.client_order_id), f.quantity, f.price) for f in fills]
    assert got == [("R1", Decimal("0.1"), Decimal("49999.99")),
                   ("R1b", Decimal("0.3"), Decimal("49999.97"))]  # fmt: skip
    mine = _as(dialect, url, lambda ex: ex.fetch_my_trades("BTC/USDT"), (DEMO_KEY, DEMO_SECRET))
    assert sorted(str(t["id"]) for t in mine) == sorted(str(f.trade_id) for f in fills)
    r1b = system.engine.orders.get(ClientOrderId("R1b"))
    assert r1b.filled_qty == Decimal("0.4")


def test_a_replace_the_venue_cannot_do_is_rejected_with_a_reason(
    venue: tuple[str, str, LiveSystem],
) -> None:
    dialect, _, system = venue
    rejects: list[OrderReplaceRejected] = []
    system.engine.bus.subscribe(OrderReplaceRejected, rejects.append)
    _submit(system, "R2", "0.2", "49999.99")
    # the replacement would cost more than the account holds: the venue refuses it. With
    # edit (cancelReplace, STOP_ON_FAILURE) nothing happened and the original keeps working;
    # cancel + new canceled first, so the original ends canceled (documented)
    _replace(system, "R2", "R2b", "8000", "49999.99")
    assert system.run_until(lambda: bool(rejects), 10)
    assert rejects[0].reason in (ReasonCode.VENUE_REJECT, ReasonCode.INVALID_ORDER)
    want = OrderStatus.ACCEPTED if MODES[dialect] == "edit" else OrderStatus.CANCELED
    assert system.run_until(lambda: _status(system, "R2") is want, 10)
    assert _status(system, "R2b") is None or _status(system, "R2b") is not OrderStatus.ACCEPTED


def test_replace_mode_off_refuses_with_a_reason_and_a_bad_mode_is_named() -> None:
    c = CcxtVenueClient(Venue("V"), lambda: None, CcxtVenueConfig(replace_mode="off"))
    got: list[tuple[Any, ...]] = []

    class Sink:  # every report, by name
        def __getattr__(self, name: str) -> Callable[..., None]:
            return lambda *args: got.append((name, *args))

    order = cast(Order, SimpleNamespace(client_order_id=ClientOrderId("X1")))
    c.bind(cast(ExecutionSink, Sink()))
    c.replace(order, order)
    assert c.drain() == 1
    why = "V: replace is not offered here; cancel and resubmit"
    assert got == [("on_replace_rejected", "X1", ReasonCode.INVALID_ORDER, why)]
    with pytest.raises(ValidationError, match="replace_mode"):
        CcxtVenueConfig(replace_mode="amend")
