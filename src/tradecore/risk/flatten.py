"""Flatten: close an account's positions with orders that can only reduce them.

Risk-reducing by construction: every slice is a reduce-only MARKET IOC order on the side that
shrinks the position, sized to what is left after the working orders on that side (so no
sequence of fills can flip the position), and capped at the venue / instrument limits (the
account's ``max_order_quantity`` and the instrument's ``max_quantity``). Slices are exempt
from the entry checks that would block a reduction (kill switch and HALTED, max order size,
self-trade, rate): the pipeline only runs its reduce-only check on them.

Flatten first cancels the account's working orders in the symbol, then re-drives after every
slice ends, until the position is flat, or reports exactly why it cannot be (a denial, the
venue's reject reason, no fill after ``max_idle`` slices, a rest below the minimum quantity).
Each outcome is published as a :class:`~tradecore.risk.events.FlattenReport`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from tradecore.engine.bus import MessageBus
from tradecore.engine.clock import Clock
from tradecore.model.commands import CancelOrder, SubmitOrder
from tradecore.model.enums import OrderType, Side, TimeInForce
from tradecore.model.events import (
    OrderCanceled,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderRejected,
)
from tradecore.model.identifiers import SMART, AccountId, ClientOrderId, InstrumentId, Venue
from tradecore.model.instrument import Instrument
from tradecore.model.orders import Order
from tradecore.positions.keeper import PositionKeeper
from tradecore.risk.config import Limits
from tradecore.risk.events import FlattenReport
from tradecore.risk.working import WorkingOrders

ZERO = Decimal(0)


class FlattenEngine(Protocol):
    """What flatten needs of the engine: its caller API and a deferred call."""

    bus: MessageBus
    clock: Clock

    def submit(self, cmd: SubmitOrder) -> Any: ...

    def cancel(self, cmd: CancelOrder) -> Any: ...

    def defer(self, fn: Callable[..., None], *args: Any) -> None: ...


@dataclass
class Job:
    account: str
    symbol: str
    who: str
    why: str
    live: ClientOrderId | None = None
    idle: int = 0  # slices in a row that filled nothing
    last_reason: str = ""
    slices: int = 0


class Flattener:
    def __init__(
        self,
        engine: FlattenEngine,
        positions: PositionKeeper,
        working: WorkingOrders,
        instrument: Callable[[str], Instrument | None],
        open_orders: Callable[[str], list[Order]],
        lookup: Callable[[ClientOrderId], Order | None],
        limits: Callable[[str], Limits],
        exempt: set[str],
        *,
        venue: Venue = SMART,
        max_idle: int = 3,
    ) -> None:
        self.engine = engine
        self.positions = positions
        self.working = working
        self.instrument = instrument
        self.open_orders = open_orders
        self._lookup = lookup
        self.limits = limits
        self.exempt = exempt
        self.venue = venue
        self.max_idle = max_idle
        self.jobs: dict[tuple[str, str], Job] = {}
        self._by_order: dict[ClientOrderId, Job] = {}
        self._seq = 0
        self.reports: list[FlattenReport] = []
        bus = engine.bus
        bus.subscribe(OrderFilled, self._on_fill)
        for kind in (OrderCanceled, OrderExpired, OrderRejected, OrderDenied):
            bus.subscribe(kind, self._on_done)

    # ------------------------------------------------------------------ API
    def flatten(self, account: str, who: str, why: str) -> list[str]:
        """Start flattening every position of ``account``; returns the symbols."""
        syms = [p.symbol for p in self.positions.positions(account) if p.quantity]
        for sym in sorted(syms):
            key = (account, sym)
            if key in self.jobs:
                continue
            job = self.jobs[key] = Job(account, sym, who, why)
            self._cancel_working(job)
            self._drive(job)
        return syms

    # ------------------------------------------------------------------ driving
    def _cancel_working(self, job: Job) -> None:
        for o in self.open_orders(job.account):
            mine = o.parent_id is None and o.instrument_id.symbol == job.symbol
            if mine and o.client_order_id not in self.exempt:
                self.engine.cancel(
                    CancelOrder(client_order_id=o.client_order_id, account=o.account)
                )

    def _drive(self, job: Job) -> None:
        if job.live is not None:
            return
        pos = self.positions.signed_quantity(job.account, job.symbol)
        if pos == 0:
            return self._finish(job, "flat", "position is flat")
        if job.idle >= self.max_idle:
            why = f"no fill after {job.idle} slices" + (
                f" (last: {job.last_reason})" if job.last_reason else ""
            )
            return self._finish(job, "stuck", why)
        side = Side.SELL if pos > 0 else Side.BUY
        room = abs(pos) - self.working.totals(job.account, job.symbol).side(side)
        inst = self.instrument(job.symbol)
        if inst is None:
            return self._finish(job, "stuck", f"no instrument {job.symbol}")
        if room <= 0:
            return  # orders on the reducing side are still working: wait for them
        qty = room
        cap = self.limits(job.account).max_order_quantity
        cap_q = cap.get(job.symbol, cap.get("*"))
        if cap_q is not None:
            qty = min(qty, cap_q)
        if inst.max_quantity is not None:
            qty = min(qty, inst.max_quantity)
        qty = (qty // inst.lot_size) * inst.lot_size
        if qty <= 0 or qty < inst.min_quantity:
            return self._finish(
                job, "stuck", f"rest {room} is below the minimum quantity {inst.min_quantity}"
            )
        self._seq += 1
        coid = ClientOrderId(f"FLAT-{job.account}-{job.symbol}-{self._seq}")
        self.exempt.add(coid)
        job.live = coid
        job.slices += 1
        self._by_order[coid] = job
        res = self.engine.submit(
            SubmitOrder(
                client_order_id=coid,
                account=AccountId(job.account),
                instrument_id=InstrumentId.of(job.symbol, self.venue),
                side=side,
                order_type=OrderType.MARKET,
                quantity=qty,
                time_in_force=TimeInForce.IOC,
                reduce_only=True,
                tag="flatten",
            )
        )
        denial = getattr(res, "denial", None)
        if denial is not None:
            self._release(coid)
            job.live = None
            self._finish(job, "stuck", f"slice denied {denial.reason.value}: {denial.message}")

    def _release(self, coid: ClientOrderId) -> None:
        self._by_order.pop(coid, None)
        self.exempt.discard(coid)

    def _on_fill(self, e: OrderFilled) -> None:
        if not self.jobs:
            return
        job = self._by_order.get(e.parent_id or e.client_order_id)
        if job is not None:
            job.idle = -1  # progress: this slice counts as filled
        self._maybe_done(e.parent_id or e.client_order_id)

    def _on_done(self, e: Any) -> None:
        if not self.jobs:
            return
        job = self._by_order.get(e.client_order_id)
        if job is not None:
            reason = getattr(e, "reason", None)
            if reason is not None:
                job.last_reason = f"{reason.value}: {getattr(e, 'message', '')}"
            self._maybe_done(e.client_order_id)
            return
        for j in list(self.jobs.values()):  # a cancelled working order: re-drive its job
            if j.live is None and j.account == getattr(e, "account", None):
                self.engine.defer(self._drive, j)

    def _maybe_done(self, coid: ClientOrderId) -> None:
        job = self._by_order.get(coid)
        if job is None or job.live != coid:
            return
        o = self._lookup(coid)
        if o is not None and not o.status.is_terminal:
            return
        self._release(coid)
        job.live = None
        job.idle = 0 if job.idle < 0 else job.idle + 1
        self.engine.defer(self._drive, job)

    def _finish(self, job: Job, status: str, detail: str) -> None:
        self.jobs.pop((job.account, job.symbol), None)
        pos = self.positions.signed_quantity(job.account, job.symbol)
        r = FlattenReport(
            self.engine.clock.now_ns(), job.account, job.symbol, status, pos, job.slices, detail,
            job.who, job.why,
        )  # fmt: skip
        self.reports.append(r)
        self.engine.bus.publish(r)
