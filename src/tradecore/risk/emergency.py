"""Emergency controls: a typed state per scope (one account, or ``"*"`` for all), with who,
when and why, journaled as sequenced events so a restart (replay or snapshot) restores it.

    ACTIVE  <->  REDUCE_ONLY  <->  HALTED      (and ACTIVE <-> HALTED directly)

* ACTIVE: every order goes through the pre-trade checks.
* REDUCE_ONLY: only orders that reduce the position (working orders counted) pass.
* HALTED: no new order and no amendment passes (cancels always do); entering HALTED cancels
  every working order in scope. Flatten orders are exempt (they only ever reduce).

An account's effective state is the stricter of its own and the global one. The kill switch
is HALTED set with ``source = "kill_switch"`` (denials then say KILL_SWITCH).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, Protocol

from tradecore.model import codec
from tradecore.model.commands import CancelOrder
from tradecore.model.denial import Denial
from tradecore.model.enums import ReasonCode
from tradecore.model.events import Event
from tradecore.model.orders import Order

GLOBAL = "*"


class TradingState(StrEnum):
    ACTIVE = "ACTIVE"
    REDUCE_ONLY = "REDUCE_ONLY"
    HALTED = "HALTED"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {TradingState.ACTIVE: 0, TradingState.REDUCE_ONLY: 1, TradingState.HALTED: 2}

# state -> states it may move to (a request for the current state is a no-op)
TRANSITIONS: dict[TradingState, frozenset[TradingState]] = {
    TradingState.ACTIVE: frozenset({TradingState.REDUCE_ONLY, TradingState.HALTED}),
    TradingState.REDUCE_ONLY: frozenset({TradingState.ACTIVE, TradingState.HALTED}),
    TradingState.HALTED: frozenset({TradingState.REDUCE_ONLY, TradingState.ACTIVE}),
}


class TradingStateChanged(Event, frozen=True):
    """A scope's emergency state changed (sequenced and journaled like an order event)."""

    account: str  # the scope: an account, or "*" for every account
    state: TradingState
    previous: TradingState
    who: str
    why: str
    source: str  # "kill_switch", "breach_action:<limit>", "api", "operator"


codec.register(TradingStateChanged)


class EventRecorder(Protocol):
    """The engine's hook for non-order events (``Engine.register_event`` / ``record``)."""

    def register_event(self, kind: type[Event]) -> None: ...

    def record(self, make: Callable[[int, int], Event]) -> Event: ...


Canceller = Callable[[CancelOrder], Any]  # Engine.cancel
OpenOrders = Callable[[], list[Order]]  # the open orders (top-level ones are cancelled)


class EmergencyControls:
    def __init__(
        self,
        recorder: EventRecorder,
        subscribe: Callable[[type[Any], Callable[[Any], None]], None],
        cancel: Canceller,
        open_orders: OpenOrders,
        replaying: Callable[[], bool],
    ) -> None:
        self._recorder = recorder
        self._cancel = cancel
        self._open_orders = open_orders
        self._replaying = replaying
        self.states: dict[str, TradingStateChanged] = {}
        self.cancels_sent = 0
        recorder.register_event(TradingStateChanged)
        subscribe(TradingStateChanged, self._on_changed)

    # ------------------------------------------------------------------ reads
    def state_of(self, scope: str) -> TradingState:
        e = self.states.get(scope)
        return TradingState.ACTIVE if e is None else e.state

    def effective(self, account: str) -> TradingStateChanged | None:
        """The stricter of the account's and the global state (None: both ACTIVE)."""
        g = self.states.get(GLOBAL)
        a = self.states.get(account)
        if a is None:
            return g
        if g is None:
            return a
        return g if g.state.severity >= a.state.severity else a

    def denial(self, account: str) -> Denial | None:
        """The HALTED denial for ``account`` (REDUCE_ONLY is enforced by the ReduceOnly check)."""
        e = self.effective(account)
        if e is None or e.state is not TradingState.HALTED:
            return None
        if e.source == "kill_switch":
            return Denial(
                ReasonCode.KILL_SWITCH,
                f"kill switch engaged by {e.who}: {e.why}",
                "kill_switch",
                e.account,
                "engaged",
            )
        return Denial(
            ReasonCode.TRADING_HALTED,
            f"trading halted by {e.who}: {e.why}",
            "trading_state",
            e.account,
            "HALTED",
        )

    def reduce_only(self, account: str) -> bool:
        e = self.effective(account)
        return e is not None and e.state is TradingState.REDUCE_ONLY

    # ------------------------------------------------------------------ changes
    def set_state(
        self, scope: str, state: TradingState, who: str, why: str, source: str = "operator"
    ) -> TradingStateChanged | None:
        """Move ``scope`` to ``state`` (journaled); None if it already is in it. Entering
        HALTED cancels every working order in scope."""
        prev = self.state_of(scope)
        if state is prev:
            return None
        if state not in TRANSITIONS[prev]:
            raise ValueError(f"{scope}: {prev} cannot move to {state}")

        def make(seq: int, ts: int) -> Event:
            return TradingStateChanged(seq, ts, scope, state, prev, who, why, source)

        e = self._recorder.record(make)
        assert isinstance(e, TradingStateChanged)
        if state is TradingState.HALTED and not self._replaying():
            self.cancel_working(scope)
        return e

    def escalate(
        self, scope: str, state: TradingState, who: str, why: str, source: str
    ) -> TradingStateChanged | None:
        """Move to ``state`` only if it is stricter than the current one (breach actions)."""
        if state.severity <= self.state_of(scope).severity:
            return None
        return self.set_state(scope, state, who, why, source)

    def cancel_working(self, scope: str) -> int:
        """Cancel every working top-level order in ``scope`` (a SMART parent's cancel takes
        its children with it). Returns the number of cancels sent."""
        n = 0
        for o in sorted(self._open_orders(), key=lambda x: x.client_order_id):
            if o.parent_id is not None or (scope != GLOBAL and o.account != scope):
                continue
            res = self._cancel(CancelOrder(client_order_id=o.client_order_id, account=o.account))
            if getattr(res, "ok", False):
                n += 1
        self.cancels_sent += n
        return n

    def _on_changed(self, e: TradingStateChanged) -> None:
        if e.state is TradingState.ACTIVE:
            self.states.pop(e.account, None)
        else:
            self.states[e.account] = e

    # ------------------------------------------------------------------ snapshot
    def export_state(self) -> list[dict[str, Any]]:
        return [codec.encode(e) for _, e in sorted(self.states.items())]

    def import_state(self, rows: list[dict[str, Any]]) -> None:
        self.states = {}
        for r in rows:
            e = codec.decode(r)
            assert isinstance(e, TradingStateChanged)
            self.states[e.account] = e

    def view(self) -> dict[str, dict[str, Any]]:
        return {
            scope: {
                "state": e.state.value,
                "who": e.who,
                "why": e.why,
                "since_ns": e.ts,
                "source": e.source,
            }
            for scope, e in sorted(self.states.items())
        }
