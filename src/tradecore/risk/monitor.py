"""Real-time risk monitor: recomputes limit utilisation on fills and on price moves (no sleep
loop), publishes WARN/BREACH alerts when a level changes, and runs the breach actions.

A fill or a quote only *requests* an evaluation; it runs after the engine has finished the
command or report (``Engine.defer``), when every subscriber (the position keeper, the risk
context's prices and working orders) has applied the same events. The monitor's numbers thus
do not depend on the order in which components subscribed to the bus."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any, Final

from tradecore.model.enums import Side
from tradecore.model.events import OrderFilled
from tradecore.model.market import Quote
from tradecore.risk.config import BreachAction, Limits
from tradecore.risk.emergency import TradingState
from tradecore.risk.events import BreachActionTaken, RiskAlert
from tradecore.risk.exposure import ExposureView
from tradecore.risk.flatten import Flattener
from tradecore.risk.pipeline import RiskPipeline

ZERO = Decimal(0)
HUNDRED = Decimal(100)
Q2 = Decimal("0.01")


class RiskMonitor:
    def __init__(
        self, pipeline: RiskPipeline, flattener: Flattener, throttle_ms: int = 100
    ) -> None:
        self.pipeline = pipeline
        self.flattener = flattener
        self.ctx = pipeline.ctx
        self.engine = pipeline.ctx.engine
        self.levels: dict[tuple[str, str], str] = {}
        # per account: (limit name, value, cap, level) of the last evaluation; the text
        # view (``utilisation``) is built only when someone reads it, not on every fill
        self._util: dict[str, list[tuple[str, Decimal, Decimal, str]]] = {}
        self._specs: dict[str, _Spec] = {}  # per account, compiled for its limits
        self.alerts: list[RiskAlert] = []
        self.actions: list[BreachActionTaken] = []
        self._throttle_ns = throttle_ms * 1_000_000
        self._last_eval: dict[str, int] = {}
        self._scheduled: set[str] = set()
        self._pending: set[str] = set()  # evaluations deferred to the end of this event
        self.evaluations = 0
        bus = self.engine.bus
        bus.subscribe(OrderFilled, self._on_fill)
        bus.subscribe(Quote, self._on_quote)

    def _on_fill(self, e: OrderFilled) -> None:
        if not self.engine.replaying:
            self._soon(e.account)

    def _on_quote(self, q: Quote) -> None:
        """Re-evaluate accounts holding the symbol; at most once per throttle period each,
        with a scheduled evaluation at the period's end so no move is ever skipped."""
        if self.engine.replaying:
            return
        sym = q.instrument_id.symbol
        now = self.engine.clock.now_ns()
        for p in self.ctx.positions.positions_in(sym):
            if p.quantity:
                self._soon(p.account, now)

    def _soon(self, acct: str, now: int | None = None) -> None:
        """Evaluate now, or at the end of the throttle period (scheduled, never skipped)."""
        now = self.engine.clock.now_ns() if now is None else now
        last = self._last_eval.get(acct)
        if last is None or now - last >= self._throttle_ns:
            self._request(acct)
        elif acct not in self._scheduled:
            self._scheduled.add(acct)
            self.engine.clock.schedule(last + self._throttle_ns, partial(self._due_call, acct))

    def _request(self, acct: str) -> None:
        """Evaluate once the current command or report is done: every subscriber (positions,
        prices, working orders) has then seen its events, whatever the subscription order."""
        if acct in self._pending:
            return
        self._pending.add(acct)
        self.engine.defer(self._run_pending, acct)

    def _run_pending(self, acct: str) -> None:
        self._pending.discard(acct)
        self._evaluate(acct)

    def _due_call(self, account: str) -> None:
        self.engine.call(self._due, account)

    def _due(self, account: str) -> None:
        self._scheduled.discard(account)
        self._evaluate(account)

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, account: str) -> dict[str, dict[str, str]]:
        """Re-evaluate ``account`` now; returns its utilisation view."""
        self._evaluate(account)
        return self.utilisation_of(account)

    def _evaluate(self, account: str) -> None:
        self.evaluations += 1
        ctx = self.ctx
        lim = self.pipeline.limits(account)
        spec = self._specs.get(account)
        if spec is None or spec.limits is not lim:
            spec = self._specs[account] = _Spec(lim, self.pipeline.config.warn_pct)
        self._last_eval[account] = self.engine.clock.now_ns()
        # open-order exposure, working orders included; the per-symbol view only when a
        # configured limit reads it (VaR, correlation, concentration)
        exp = ctx.exposures(account) if spec.view else None
        gross, net = (exp.gross(), exp.net()) if exp is not None else ctx.measures(account)
        # (limit name, value, cap, WARN threshold: warn_pct x cap, compared with value x 100)
        values: list[tuple[str, Decimal, Decimal, Decimal]] = []
        if spec.gross is not None:
            values.append(("max_gross_exposure", gross, *spec.gross))
        if spec.net is not None:
            values.append(("max_net_exposure", abs(net), *spec.net))
        if spec.leverage is not None:
            eq = ctx.equity(account)
            lev = gross / eq if eq > 0 else _NO_EQUITY
            values.append(("max_leverage", lev, *spec.leverage))
        if exp is not None:
            self._view_values(lim, spec.warn, exp, gross, values)
        for sym, name, cap, cap_warn in spec.positions:
            worst = max(
                abs(ctx.worst_quantity(account, sym, _BUY, ZERO)),
                abs(ctx.worst_quantity(account, sym, _SELL, ZERO)),
            )
            values.append((name, worst, cap, cap_warn))
        # levels by exact comparison (at the limit is OK, above it is a BREACH); the
        # percentage is worked out only for an alert or when the view is read
        rows: list[tuple[str, Decimal, Decimal, str]] = []
        levels = self.levels
        for name, value, limit, limit_warn in values:
            if limit <= 0:
                continue
            if value > limit:
                level = "BREACH"
            elif value * HUNDRED >= limit_warn:
                level = "WARN"
            else:
                level = "OK"
            rows.append((name, value, limit, level))
            if level != levels.get((account, name), "OK"):
                self._level(account, name, level, value, limit, _pct(value, limit))
        self._util[account] = rows

    def _view_values(
        self, lim: Limits, warn: Decimal, exp: ExposureView, gross: Decimal,
        values: list[tuple[str, Decimal, Decimal, Decimal]],
    ) -> None:  # fmt: skip
        """The limits that read the per-symbol exposure view."""
        ctx = self.ctx
        cap = lim.max_var
        if cap is not None:
            v = ctx.var(exp)
            if v is not None:
                values.append(("max_var", Decimal(repr(round(v, 2))), cap, warn * cap))
        cap = lim.max_correlated_exposure
        if cap is not None:
            c = ctx.correlated_exposure(exp)
            if c is not None:
                value = Decimal(repr(round(c, 2)))
                values.append(("max_correlated_exposure", value, cap, warn * cap))
        cap = lim.max_concentration_pct
        if cap is not None and gross > lim.concentration_min_gross and len(exp):
            top = max(exp.share_pct(s) for s in exp)
            values.append(("max_concentration_pct", top, cap, warn * cap))

    def utilisation_of(self, account: str) -> dict[str, dict[str, str]]:
        """The last evaluation of ``account`` as text: value, limit, utilisation %, level."""
        return {
            name: {
                "value": str(_display(value)),
                "limit": str(cap),
                "utilisation_pct": str(pct),
                "level": level,
            }
            for name, value, cap, level in self._util.get(account, ())
            for pct in (_pct(value, cap),)
        }

    @property
    def utilisation(self) -> dict[str, dict[str, dict[str, str]]]:
        return {acct: self.utilisation_of(acct) for acct in self._util}

    def _level(
        self, account: str, name: str, level: str, value: Decimal, cap: Decimal, pct: Decimal
    ) -> None:
        key = (account, name)
        old = self.levels.get(key, "OK")
        if level == old:
            return
        self.levels[key] = level
        alert = RiskAlert(self.engine.clock.now_ns(), account, level, name, value, cap, pct)
        self.alerts.append(alert)
        self.engine.bus.publish(alert)
        if level == "BREACH" and not self.engine.replaying:
            for action in self.pipeline.config.breach_actions:
                self.engine.defer(self._act, account, action, name)

    # ------------------------------------------------------------------ actions
    def _act(self, account: str, action: BreachAction, limit: str) -> None:
        detail = _ACTIONS[action](self, account, limit)
        eng = self.engine
        taken = BreachActionTaken(eng.clock.now_ns(), account, action.value, limit, detail)
        self.actions.append(taken)
        eng.bus.publish(taken)

    def _halt(self, account: str, limit: str) -> str:
        em = self.pipeline.emergency
        em.escalate(account, TradingState.HALTED, _WHO, f"{limit} breached", f"breach:{limit}")
        return ""

    def _reduce_only(self, account: str, limit: str) -> str:
        em = self.pipeline.emergency
        em.escalate(account, TradingState.REDUCE_ONLY, _WHO, f"{limit} breached", f"breach:{limit}")
        return ""

    def _cancel_all(self, account: str, limit: str) -> str:
        return f"{self.pipeline.emergency.cancel_working(account)} orders"

    def _flatten(self, account: str, limit: str) -> str:
        return f"{len(self.flattener.flatten(account, _WHO, f'{limit} breached'))} positions"

    def snapshot(self) -> dict[str, Any]:
        return {"utilisation": self.utilisation, "state": self.pipeline.state()}


def _pct(value: Decimal, limit: Decimal) -> Decimal:
    return (value / limit * HUNDRED).quantize(Q2)


def _display(value: Decimal) -> Decimal:
    """At most 2 decimals for the utilisation view (the alert event keeps the exact value)."""
    exp = value.as_tuple().exponent
    return value.quantize(Q2) if isinstance(exp, int) and exp < -2 else value


class _Spec:
    """What the monitor evaluates for one account's limits, worked out once: each
    configured cap with its WARN threshold (``warn_pct x cap``, compared with
    ``value x 100``), the ``max_position`` rows by symbol, and whether the per-symbol
    view is needed."""

    __slots__ = ("gross", "leverage", "limits", "net", "positions", "view", "warn")

    def __init__(self, lim: Limits, warn: Decimal) -> None:
        self.limits = lim
        self.warn = warn
        self.gross = _with_warn(lim.max_gross_exposure, warn)
        self.net = _with_warn(lim.max_net_exposure, warn)
        self.leverage = _with_warn(lim.max_leverage, warn)
        self.view = (
            lim.max_var is not None
            or lim.max_correlated_exposure is not None
            or lim.max_concentration_pct is not None
        )
        self.positions = tuple(
            (sym, f"max_position:{sym}", cap, warn * cap)
            for sym, cap in lim.max_position.items()
            if sym != "*"
        )


def _with_warn(cap: Decimal | None, warn: Decimal) -> tuple[Decimal, Decimal] | None:
    return None if cap is None else (cap, warn * cap)


_WHO = "risk-monitor"
_BUY: Final = Side.BUY
_SELL: Final = Side.SELL
_NO_EQUITY = Decimal("1e9")  # leverage shown when equity is not positive
_ACTIONS: dict[BreachAction, Callable[[RiskMonitor, str, str], str]] = {
    BreachAction.BLOCK_NEW_ORDERS: RiskMonitor._halt,
    BreachAction.REDUCE_ONLY: RiskMonitor._reduce_only,
    BreachAction.CANCEL_ALL: RiskMonitor._cancel_all,
    BreachAction.FLATTEN: RiskMonitor._flatten,
}
