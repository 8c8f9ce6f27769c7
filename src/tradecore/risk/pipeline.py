"""The pre-trade pipeline: the engine's RiskGate. Kill switches and account states first
(cheapest, most important), then every configured check in a fixed order."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

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

GLOBAL = "*"


class RiskPipeline:
    def __init__(self, config: RiskConfig, ctx: RiskContext) -> None:
        self.config = config
        self.ctx = ctx
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
        self.killed: dict[str, KillSwitchChanged] = {}
        self.blocked: dict[str, str] = {}  # account -> why (breach action)
        self.reduce_only: set[str] = set()
        self.halted_symbols: set[str] = set()
        self.denials: Counter[str] = Counter()
        self.last_all: list[Denial] = []  # every denial of the last order in ALL mode

    def limits(self, account: str) -> Limits:
        lim = self._limits.get(account)
        if lim is None:
            lim = self.config.limits_for(account)
            if account in self.reduce_only and not lim.reduce_only:
                lim = lim.merged({"reduce_only": True})
            self._limits[account] = lim
        return lim

    def plan(self, account: str) -> tuple[Check, ...]:
        """The checks that apply to ``account`` (ReduceOnly always: orders may ask for it)."""
        plan = self._plans.get(account)
        if plan is None:
            lim = self.limits(account)
            plan = tuple(c for c in self.checks if isinstance(c, ReduceOnly) or c.applies(lim))
            self._plans[account] = plan
        return plan

    def set_reduce_only(self, account: str, on: bool = True) -> None:
        (self.reduce_only.add if on else self.reduce_only.discard)(account)
        self._limits.pop(account, None)
        self._plans.pop(account, None)

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
        k = self.killed.get(GLOBAL) or self.killed.get(acct)
        if k is not None:
            return self._count(
                Denial(
                    ReasonCode.KILL_SWITCH,
                    f"kill switch engaged by {k.who}: {k.why}",
                    "kill_switch",
                    k.scope,
                    "engaged",
                )
            )
        why = self.blocked.get(acct)
        if why is not None:
            return self._count(
                Denial(
                    ReasonCode.TRADING_HALTED,
                    f"new orders blocked: {why}",
                    "breach_action",
                    "block_new_orders",
                    acct,
                )
            )
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
        if self.config.mode is Mode.FIRST:
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
        """Cancel-rate limit (call before sending a cancel)."""
        if self.killed:
            return None  # cancels always pass while a kill switch is engaged
        return self.rate.cancel_denial(
            account, self.limits(account), self.ctx.engine.clock.now_ns()
        )

    # ------------------------------------------------------------------ kill switch
    def engage(self, scope: str, who: str, why: str) -> KillSwitchChanged:
        e = KillSwitchChanged(self.ctx.engine.clock.now_ns(), scope, True, who, why)
        self.killed[scope] = e
        self.ctx.engine.bus.publish(e)
        return e

    def release(self, scope: str, who: str, why: str) -> KillSwitchChanged:
        e = KillSwitchChanged(self.ctx.engine.clock.now_ns(), scope, False, who, why)
        self.killed.pop(scope, None)
        self.ctx.engine.bus.publish(e)
        return e

    def state(self) -> dict[str, Any]:
        return {
            "kill_switches": {
                k: {"who": v.who, "why": v.why, "ts": v.ts} for k, v in self.killed.items()
            },
            "blocked": dict(self.blocked),
            "reduce_only": sorted(self.reduce_only),
            "denials": dict(self.denials),
        }


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
