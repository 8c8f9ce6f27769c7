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


class RiskPipeline:
    def __init__(self, config: RiskConfig, ctx: RiskContext, emergency: EmergencyControls) -> None:
        self.config = config
        self.ctx = ctx
        self.emergency = emergency
        # flatten orders (risk's own, reduce-only by construction): exempt from entry checks
        self.flatten_ids: set[str] = set()
        self._reduce_only_check = ReduceOnly()
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
        # per account, only the checks its limits configure, in pipeline order
        self._plans: dict[str, tuple[Check, ...]] = {}
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

    def plan(self, account: str) -> tuple[Check, ...]:
        """The checks that apply to ``account`` (ReduceOnly always: orders may ask for it)."""
        plan = self._plans.get(account)
        if plan is None:
            lim = self.limits(account)
            plan = tuple(c for c in self.checks if isinstance(c, ReduceOnly) or c.applies(lim))
            self._plans[account] = plan
        return plan

    def set_reduce_only(
        self, account: str, on: bool = True, who: str = "risk", why: str = "reduce-only"
    ) -> None:
        state = TradingState.REDUCE_ONLY if on else TradingState.ACTIVE
        self.emergency.set_state(account, state, who, why)

    # ------------------------------------------------------------------ RiskGate
    def check(self, order: Order) -> Denial | None:
        if not self.config.enabled:
            return None
        return self._gate(order, self.plan(order.account))

    def check_replace(
        self, order: Order, new_quantity: Decimal, new_price: Decimal | None
    ) -> Denial | None:
        """An amendment, checked as the order it becomes by the same gate as a submit (the
        duplicate-order guard aside: an amendment repeats its order on purpose). The
        decision, allowed or denied, is published as a :class:`ReplaceChecked` record."""
        if not self.config.enabled:
            return None
        cand = _amended(order, new_quantity, new_price)
        plan = tuple(c for c in self.plan(order.account) if not isinstance(c, DuplicateOrder))
        self.ctx.replacing = order.client_order_id
        try:
            d = self._gate(cand, plan)
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

    def _gate(self, order: Order, plan: tuple[Check, ...]) -> Denial | None:
        acct = order.account
        if order.client_order_id in self.flatten_ids:
            # risk's own flatten: exempt from the entry checks (kill switch and HALTED
            # included); the reduce-only check stays as the last line
            return self._reduce_only_check.check(order, self.limits(acct), self.ctx)
        if self.emergency.states:  # some scope is not ACTIVE
            d = self.emergency.denial(acct)
            if d is not None:
                return self._count(d)
        lim = self.limits(acct)
        if lim.halted or order.instrument_id.symbol in self.halted_symbols:
            return self._count(
                Denial(
                    ReasonCode.TRADING_HALTED,
                    "trading halted",
                    "halted",
                    "halted",
                    order.instrument_id.symbol,
                )
            )
        ctx = self.ctx
        ctx.begin()
        try:
            return self._run_checks(order, lim, plan)
        finally:
            ctx.end()

    def _run_checks(self, order: Order, lim: Limits, plan: tuple[Check, ...]) -> Denial | None:
        ctx = self.ctx
        if self.config.mode is _FIRST:
            for c in plan:
                d = c.check(order, lim, ctx)
                if d is not None:
                    return self._count(d)
            return None
        found = [d for c in plan if (d := c.check(order, lim, ctx)) is not None]
        self.last_all = found
        return self._count(found[0]) if found else None

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
