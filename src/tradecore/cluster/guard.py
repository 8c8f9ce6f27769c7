"""A shard's firm-risk gate: its credit (exposure budget) and its emergency state.

:class:`ShardGuard` is the engine's ``RiskGate`` on a shard: it asks the shard's own
:class:`~tradecore.cluster.exposure.ExposureBook` (kept from the engine's bus; the order
being checked, which has no event yet, is added to it) whether the shard's gross exposure
stays within the credit the risk aggregator allocated, then hands the order to the configured risk
pipeline. No network hop: the credit is a number on this thread, changed by the aggregator
through ``<prefix>.ctl.<shard>.credit``.

The emergency state (ACTIVE, REDUCE_ONLY, HALTED) goes to the risk pipeline's emergency
controls (:mod:`tradecore.risk.emergency`: per account, journaled as ``TradingStateChanged``
events, so it is in the stream and survives a restart; HALTED cancels the working orders;
the pipeline denies). With risk disabled (no pipeline) the guard keeps the state itself
(not journaled: a restarted shard is ACTIVE until the aggregator halts it again at its next
re-balance).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tradecore.cluster.exposure import ExposureBook
from tradecore.engine.core import Engine
from tradecore.model.commands import CancelOrder
from tradecore.model.denial import Denial
from tradecore.model.enums import ReasonCode, Side
from tradecore.model.orders import Order

STATES = ("ACTIVE", "REDUCE_ONLY", "HALTED")
_SEVERITY = {s: n for n, s in enumerate(STATES)}


class ShardGuard:
    def __init__(
        self, engine: Engine, inner: Any, book: ExposureBook, shard: int, accounts: frozenset[str]
    ) -> None:
        self.engine = engine
        self.inner = inner
        self.book = book
        self.shard = shard
        self.accounts = accounts
        self.credit: Decimal | None = None  # None: no firm credit (no aggregator yet)
        self._state = "ACTIVE"  # used only without the pipeline's emergency controls
        self.why = ""
        self.credit_denials = 0

    def __getattr__(self, name: str) -> Any:  # the pipeline's other surfaces (limits, engage)
        if name in ("inner", "_state"):
            raise AttributeError(name)
        return getattr(self.inner, name)

    @property
    def _emergency(self) -> Any:
        return getattr(self.inner, "emergency", None)

    @property
    def state(self) -> str:
        """The strictest state in force over this shard's accounts."""
        em = self._emergency
        if em is None:
            return self._state
        worst = max((str(em.state_of(a)) for a in self.accounts), key=_SEVERITY.__getitem__)
        glob = str(em.state_of("*"))
        return glob if _SEVERITY[glob] > _SEVERITY[worst] else worst

    # ------------------------------------------------------------------ RiskGate
    def check(self, order: Order) -> Denial | None:
        em = self._emergency
        if em is not None:  # the pipeline enforces its own (journaled) states, first
            if em.states and em.denial(order.account) is not None:
                return self.inner.check(order)  # type: ignore[no-any-return]
            return self._check_credit(order)
        if self._state == "HALTED" and order.parent_id is None:
            return Denial(
                ReasonCode.TRADING_HALTED, f"firm risk: {self.why}", "firm_state",
                "HALTED", order.account,
            )  # fmt: skip
        if self._state == "REDUCE_ONLY" and not self._reduces(order):
            return Denial(
                ReasonCode.REDUCE_ONLY, f"firm risk: {self.why}", "firm_state",
                "REDUCE_ONLY", order.account,
            )  # fmt: skip
        return self._check_credit(order)

    def _check_credit(self, order: Order) -> Denial | None:
        credit = self.credit
        if credit is not None and order.parent_id is None:
            used = self.book.gross(self.shard)
            if not self.book.is_working(self.shard, order.client_order_id):
                used += self.book.order_value(
                    order.instrument_id.symbol, order.leaves_qty, order.price
                )
            if used > credit:
                self.credit_denials += 1
                return Denial(
                    ReasonCode.GROSS_EXPOSURE,
                    f"shard {self.shard} exposure {used} would exceed its firm credit {credit}",
                    "firm_credit", str(credit), str(used),
                )  # fmt: skip
        return None if self.inner is None else self.inner.check(order)  # type: ignore[no-any-return]

    def _reduces(self, order: Order) -> bool:
        sym = order.instrument_id.symbol
        pos = self.book.positions.get((self.shard, order.account, sym), Decimal(0))
        signed = order.quantity if order.side is Side.BUY else -order.quantity
        return pos != 0 and abs(pos + signed) <= abs(pos) and (pos > 0) != (signed > 0)

    # ------------------------------------------------------------------ the aggregator's port
    def set_credit(self, credit: Decimal | None) -> dict[str, str | None]:
        self.credit = credit
        return self.usage()

    def usage(self) -> dict[str, str | None]:
        return {
            "gross": str(self.book.gross(self.shard)),
            "credit": None if self.credit is None else str(self.credit),
            "state": self.state,
        }

    def escalate(self, state: str, who: str, why: str) -> str:
        """Move every account of this shard to ``state`` if it is stricter (or ACTIVE to
        release). Returns the state now in force."""
        if state not in _SEVERITY:
            raise ValueError(f"state must be one of {', '.join(STATES)}")
        em = self._emergency
        if em is not None:  # the risk pipeline's journaled state machine (HALTED cancels)
            from tradecore.risk.emergency import TradingState

            for acct in sorted(self.accounts):
                if state == "ACTIVE":
                    em.set_state(acct, TradingState.ACTIVE, who, why, "firm")
                else:
                    em.escalate(acct, TradingState(state), who, why, "firm")
            self.why = why
            return self.state
        if state == "HALTED" and self._state != "HALTED":
            self._state, self.why = state, why
            self._cancel_working()
        if state == "ACTIVE" or _SEVERITY[state] > _SEVERITY[self._state]:
            self._state, self.why = state, why
        return self._state

    def _cancel_working(self) -> None:
        for o in sorted(self.engine.orders.open_orders(), key=lambda x: x.client_order_id):
            if o.parent_id is None and o.account in self.accounts:
                self.engine.cancel(
                    CancelOrder(client_order_id=o.client_order_id, account=o.account)
                )
