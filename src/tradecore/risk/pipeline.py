"""The pre-trade pipeline: the engine's RiskGate. Kill switches and account states first
(cheapest, most important), then every configured check in a fixed order."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any, Final

from tradecore.model.denial import Denial
from tradecore.model.enums import ReasonCode
from tradecore.model.orders import Order
from tradecore.risk.checks import (
    Bound,
    Check,
    DuplicateOrder,
    MaxOrderNotional,
    MaxOrderQuantity,
    PriceBand,
    RateLimit,
    SelfTrade,
    TradingHours,
)
from tradecore.risk.config import Limits, Mode, RiskConfig
from tradecore.risk.context import RiskContext
from tradecore.risk.emergency import EmergencyControls, TradingState
from tradecore.risk.events import KillSwitchChanged, ReplaceChecked
from tradecore.risk.exposure_checks import (
    Concentration,
    CorrelatedExposure,
    Exposure,
    Leverage,
    MaxPosition,
    ReduceOnly,
    VarLimit,
)

# enum members read on the hot path, bound once (on CPython 3.11 each Enum.MEMBER read
# goes through EnumType.__getattr__'s slow attribute hook)
_FIRST: Final = Mode.FIRST


class _Plan:
    """One account's compiled checks for one set of limit values: the bound checks its
    limits switch on, in pipeline order (the replace gate's list leaves out the duplicate
    guard), and the reduce-only check alone (for risk's own flatten orders)."""

    __slots__ = ("checks", "halted", "limits", "reduce_only", "replace")

    def __init__(self, lim: Limits, checks: list[Check]) -> None:
        self.limits = lim
        self.halted = lim.halted
        bound = [(c, b) for c in checks if (b := c.bind(lim)) is not None]
        self.checks: tuple[Bound, ...] = tuple(b for _, b in bound)
        self.replace: tuple[Bound, ...] = tuple(
            b for c, b in bound if not isinstance(c, DuplicateOrder)
        )
        self.reduce_only = ReduceOnly().bind(lim)


class RiskPipeline:
    def __init__(self, config: RiskConfig, ctx: RiskContext, emergency: EmergencyControls) -> None:
        self.config = config
        self.ctx = ctx
        self.emergency = emergency
        self._enabled = config.enabled
        self._first = config.mode is _FIRST
        # flatten orders (risk's own, reduce-only by construction): exempt from entry checks
        self.flatten_ids: set[str] = set()
        self.rate = RateLimit()
        self.checks: list[Check] = [
            ReduceOnly(),
            MaxOrderQuantity(),
            MaxOrderNotional(),
            PriceBand(),
            MaxPosition(),
            Exposure(),
            Concentration(),
            Leverage(),
            self.rate,
            DuplicateOrder(),
            SelfTrade(),
            TradingHours(config.calendars),
            VarLimit(),
            CorrelatedExposure(),
        ]
        self._limits: dict[str, Limits] = {}
        # per account, the checks compiled for its current limits (see _Plan)
        self._plans: dict[str, _Plan] = {}
        self._ro_limits: dict[str, Limits] = {}  # limits of accounts in REDUCE_ONLY state
        self.halted_symbols: set[str] = set()
        self.denials: Counter[str] = Counter()
        self.last_all: list[Denial] = []  # every denial of the last order in ALL mode

    def limits(self, account: str) -> Limits:
        lim = self._limits.get(account)
        if lim is None:
            lim = self._limits[account] = self.config.limits_for(account)
        if not lim.reduce_only and self.emergency.states and self.emergency.reduce_only(account):
            ro = self._ro_limits.get(account)
            if ro is None:
                ro = self._ro_limits[account] = lim.merged({"reduce_only": True})
            return ro
        return lim

    def plan(self, account: str) -> _Plan:
        """The checks compiled for ``account``'s limits as they stand (recompiled when they
        change: a reduce-only state switches limits)."""
        lim = self.limits(account)
        plan = self._plans.get(account)
        if plan is None or plan.limits is not lim:
            plan = self._plans[account] = _Plan(lim, self.checks)
        return plan

    def set_reduce_only(
        self, account: str, on: bool = True, who: str = "risk", why: str = "reduce-only"
    ) -> None:
        state = TradingState.REDUCE_ONLY if on else TradingState.ACTIVE
        self.emergency.set_state(account, state, who, why)

    # ------------------------------------------------------------------ RiskGate
    def check(self, order: Order) -> Denial | None:
        if not self._enabled:
            return None
        plan = self.plan(order.account)
        return self._gate(order, plan, plan.checks)

    def check_replace(
        self, order: Order, new_quantity: Decimal, new_price: Decimal | None
    ) -> Denial | None:
        """An amendment, checked as the order it becomes by the same gate as a submit (the
        duplicate-order guard aside: an amendment repeats its order on purpose). The
        decision, allowed or denied, is published as a :class:`ReplaceChecked` record."""
        if not self._enabled:
            return None
        cand = _amended(order, new_quantity, new_price)
        plan = self.plan(order.account)
        self.ctx.replacing = order.client_order_id
        try:
            d = self._gate(cand, plan, plan.replace)
        finally:
            self.ctx.replacing = None
        eng = self.ctx.engine
        eng.bus.publish(
            ReplaceChecked(
                eng.clock.now_ns(), order.account, order.client_order_id,
                new_quantity, new_price, d is None,
                *(() if d is None else (d.reason.value, d.message, d.check, d.limit, d.value)),
            )
        )  # fmt: skip
        return d

    def _gate(self, order: Order, plan: _Plan, checks: tuple[Bound, ...]) -> Denial | None:
        ctx = self.ctx
        if order.client_order_id in self.flatten_ids:
            # risk's own flatten: exempt from the entry checks (kill switch and HALTED
            # included); the reduce-only check stays as the last line
            ctx.begin(order)
            try:
                return plan.reduce_only(order, ctx)
            finally:
                ctx.end()
        if self.emergency.states:  # some scope is not ACTIVE
            d = self.emergency.denial(order.account)
            if d is not None:
                return self._count(d)
        if plan.halted or (
            self.halted_symbols and order.instrument_id.symbol in self.halted_symbols
        ):
            return self._count(
                Denial(
                    ReasonCode.TRADING_HALTED,
                    "trading halted",
                    "halted",
                    "halted",
                    order.instrument_id.symbol,
                )
            )
        ctx.begin(order)
        try:
            if self._first:
                for c in checks:
                    d = c(order, ctx)
                    if d is not None:
                        return self._count(d)
                return None
            found = [d for c in checks if (d := c(order, ctx)) is not None]
            self.last_all = found
            return self._count(found[0]) if found else None
        finally:
            ctx.end()

    def _count(self, d: Denial) -> Denial:
        self.denials[d.reason.value] += 1
        return d

    def check_cancel(self, account: str) -> Denial | None:
        """Cancel-rate limit (call before sending a cancel); never while a scope is not
        ACTIVE: cancels always pass in an emergency."""
        if self.emergency.states:
            return None
        return self.rate.cancel_denial(
            account, self.limits(account), self.ctx.engine.clock.now_ns()
        )

    # ------------------------------------------------------------------ kill switch
    def engage(self, scope: str, who: str, why: str) -> KillSwitchChanged:
        """The kill switch: ``scope`` HALTED (working orders cancelled), journaled."""
        self.emergency.set_state(scope, TradingState.HALTED, who, why, "kill_switch")
        return self._kill_event(scope, True, who, why)

    def release(self, scope: str, who: str, why: str) -> KillSwitchChanged:
        self.emergency.set_state(scope, TradingState.ACTIVE, who, why, "kill_switch")
        return self._kill_event(scope, False, who, why)

    def _kill_event(self, scope: str, engaged: bool, who: str, why: str) -> KillSwitchChanged:
        e = KillSwitchChanged(self.ctx.engine.clock.now_ns(), scope, engaged, who, why)
        self.ctx.engine.bus.publish(e)  # the audit record of the operator's action
        return e

    def state(self) -> dict[str, Any]:
        em = self.emergency
        return {
            "trading_state": em.view(),
            "kill_switches": {
                k: {"who": v.who, "why": v.why, "ts": v.ts}
                for k, v in sorted(em.states.items())
                if v.source == "kill_switch" and v.state is TradingState.HALTED
            },
            "reduce_only": sorted(
                k for k, v in em.states.items() if v.state is TradingState.REDUCE_ONLY
            ),
            "denials": dict(self.denials),
        }

    def export_state(self) -> dict[str, Any]:
        """For engine snapshots: the emergency states (the rest is rebuilt from orders)."""
        return {"trading_state": self.emergency.export_state()}

    def import_state(self, state: dict[str, Any]) -> None:
        self.emergency.import_state(state.get("trading_state", []))
        self.ctx.working.rebuild(self.ctx.engine.orders.open_orders())


def _amended(order: Order, qty: Decimal, price: Decimal | None) -> Order:
    """The order as an amendment would make it (same id: the checks read its fields only)."""
    new = Order(
        order.client_order_id, order.account, order.instrument_id, order.side,
        order.order_type, qty, price, order.time_in_force, post_only=order.post_only,
        reduce_only=order.reduce_only, parent_id=order.parent_id, created_ns=order.created_ns,
        tag=order.tag,
    )  # fmt: skip
    new.filled_qty = order.filled_qty
    return new
