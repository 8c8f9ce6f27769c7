"""Built-in order flows: strategies a runner can load (``tradecore serve --demo-flow``,
``tradecore demo``). A flow is told each market step and returns the orders it wants sent;
it needs only the engine's read side and the config, and imports neither demo nor bench."""

from __future__ import annotations

import random
import re
from collections import deque
from decimal import Decimal

from tradecore.bootstrap import System
from tradecore.model.commands import CancelOrder, SubmitOrder
from tradecore.model.enums import AssetClass, OrderStatus, OrderType, Side, TimeInForce
from tradecore.model.identifiers import SMART, AccountId, ClientOrderId, InstrumentId

_DEMO_ID = re.compile(r"^D(\d{6,})$")


class DemoFlow:
    """A seeded stream of SMART orders: small and large, market and limit."""

    def __init__(self, system: System, report: object = None) -> None:
        cfg = system.config
        self.system = system
        self.report = report  # kept for callers that pass one (the demo's summary)
        self.rng = random.Random(cfg.engine.seed)
        self.account = AccountId(cfg.demo.account)
        self.specs = [i for i in cfg.instruments if i.asset_class is not AssetClass.FX]
        self.n = 0
        self.resting: deque[tuple[int, ClientOrderId]] = deque()

    def resume(self) -> int:
        """After a restart: go on numbering after the last demo order the engine holds, and
        track its open resting orders again. Returns the next number."""
        eng = self.system.engine
        last = 0
        for o in eng.orders:
            m = _DEMO_ID.match(o.client_order_id)
            if m is None or o.parent_id is not None:
                continue
            last = max(last, int(m.group(1)))
            if o.is_open and o.time_in_force is not TimeInForce.IOC:
                self.resting.append((o.created_ns, o.client_order_id))
        self.resting = deque(sorted(self.resting))
        self.n = last
        return last + 1

    def cancel_stale(self, now_ns: int, max_age_ns: int = 10_000_000_000) -> int:
        """Cancel our resting orders older than ``max_age_ns`` (a strategy refreshing quotes)."""
        eng = self.system.engine
        n = 0
        while self.resting and now_ns - self.resting[0][0] >= max_age_ns:
            _, coid = self.resting.popleft()
            o = eng.orders.get(coid)
            if o is not None and o.is_open and o.status is not OrderStatus.PENDING_CANCEL:
                eng.cancel(CancelOrder(client_order_id=coid, account=self.account))
                n += 1
        return n

    def order(self) -> SubmitOrder | None:
        rng, eng = self.rng, self.system.engine
        spec = rng.choice(self.specs)
        quotes = [q for iid, q in eng.last_quotes.items() if iid.symbol == spec.symbol]
        if not quotes:
            return None
        mid = sum((q.mid for q in quotes), Decimal(0)) / len(quotes)
        side = Side.BUY if rng.random() < 0.5 else Side.SELL
        large = rng.random() < self.system.config.demo.large_order_share
        lots = rng.randint(6, 16) if large else rng.randint(1, 4)
        qty = spec.level_size * Decimal(lots) / 4
        qty = (qty // spec.lot) * spec.lot
        if qty <= 0:
            return None
        self.n += 1
        price: Decimal | None = None
        otype, tif = OrderType.MARKET, TimeInForce.IOC
        if rng.random() < self.system.config.demo.limit_order_share:
            otype = OrderType.LIMIT
            tif = TimeInForce.GTC if rng.random() < 0.5 else TimeInForce.IOC
            bps = Decimal(rng.randint(-6, 12)) * (1 if side is Side.BUY else -1)
            price = ((mid * (1 + bps / 10_000)) // spec.tick) * spec.tick
        return SubmitOrder(
            client_order_id=ClientOrderId(f"D{self.n:06d}"), account=self.account,
            instrument_id=InstrumentId.of(spec.symbol, SMART), side=side, order_type=otype,
            quantity=qty, price=price, time_in_force=tif, tag="large" if large else "",
        )  # fmt: skip


#: flows by name (``--demo-flow`` loads "demo")
FLOWS: dict[str, type[DemoFlow]] = {"demo": DemoFlow}

__all__ = ["FLOWS", "DemoFlow"]
