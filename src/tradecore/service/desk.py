"""What the dashboard shows beyond the engine's own views: each venue's real ack latency,
and the recent alerts of every account.

Venue latency: the engine's rolling ack latency is measured on the engine clock, which in
``serve`` moves in whole market steps (every simulated venue then shows one step, 100 ms).
So a simulated venue shows its configured ``ack_latency_us`` (source ``configured``) and any
other venue the wall time from its order's submit (``OrderInitialized`` with ``submitted``)
to its ``OrderAccepted`` as the bus delivers them (source ``measured``; until a first ack,
the engine's figure, source ``engine``). Alerts: the last :data:`ALERTS_KEPT` risk alerts,
breach actions, trading-state and kill-switch changes and strategy alerts, each with its
owner by the stream's own rules (:data:`tradecore.service.stream.RULES`), so the REST view
and the stream agree on who sees what."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

from tradecore.model import codec
from tradecore.model.events import OrderAccepted, OrderInitialized, OrderRejected
from tradecore.risk.emergency import TradingStateChanged
from tradecore.risk.events import BreachActionTaken, KillSwitchChanged, RiskAlert
from tradecore.service.stream import FIRM, PUBLIC, RULES, OwnerOf, may_see
from tradecore.strategy.host import StrategyAlert
from tradecore.venues.sim.client import SimVenueClient

ALERT_TYPES: tuple[type[Any], ...] = (
    RiskAlert, BreachActionTaken, TradingStateChanged, KillSwitchChanged, StrategyAlert,
)  # fmt: skip
ALERTS_KEPT = 1000
WINDOW = 100  # acks in a live venue's rolling mean
_SHARED = frozenset({FIRM, PUBLIC})  # owners that are no one account
PENDING_MAX = 10_000  # submitted orders awaiting their ack (older ones are forgotten)

Subscribe = Callable[[type[Any], Callable[[Any], None]], None]


class VenueLatency:
    """Configured latency of simulated venues, ack round trip in wall time of the others."""

    def __init__(
        self,
        clients: dict[Any, Any],
        configured_us: dict[str, int],
        subscribe: Subscribe,
        clock_ns: Callable[[], int] = time.perf_counter_ns,
    ) -> None:
        self.configured = {
            str(v): configured_us[str(v)]
            for v, c in clients.items()
            if isinstance(c, SimVenueClient) and str(v) in configured_us
        }
        self._clock = clock_ns
        self._sent: dict[str, tuple[str, int]] = {}
        self._acks: dict[str, deque[int]] = {}
        subscribe(OrderInitialized, self._on_initialized)
        subscribe(OrderAccepted, self._on_acked)
        subscribe(OrderRejected, self._on_acked)

    def _on_initialized(self, e: OrderInitialized) -> None:
        # live only (wall times): the engine emits no OrderSubmitted any more, its submit is
        # this event with ``submitted``
        venue = str(e.instrument_id.venue)
        if not e.submitted or venue in self.configured:
            return
        if len(self._sent) >= PENDING_MAX:
            self._sent.pop(next(iter(self._sent)))
        self._sent[str(e.client_order_id)] = (venue, self._clock())

    def _on_acked(self, e: OrderAccepted | OrderRejected) -> None:
        sent = self._sent.pop(str(e.client_order_id), None)
        if sent is None:
            return
        acks = self._acks.setdefault(sent[0], deque(maxlen=WINDOW))
        acks.append(self._clock() - sent[1])

    def of(self, venue: str, engine_us: int) -> tuple[int, str]:
        """(latency in µs, its source) for ``venue``; ``engine_us``: the engine's figure."""
        if venue in self.configured:
            return self.configured[venue], "configured"
        acks = self._acks.get(venue)
        if acks:
            return sum(acks) // len(acks) // 1000, "measured"
        return engine_us, "engine"


class AlertLog:
    """The recent alerts, newest last, each with the owner the stream would give it."""

    def __init__(self, subscribe: Subscribe, owner_of: OwnerOf, kept: int = ALERTS_KEPT):
        self.owner_of = owner_of
        self._ring: deque[tuple[str, dict[str, Any]]] = deque(maxlen=kept)
        for t in ALERT_TYPES:
            subscribe(t, self._on_alert)

    def _on_alert(self, m: Any) -> None:
        owner = RULES[type(m)](m, self.owner_of)
        if owner is not None:
            self._ring.append((owner, codec.encode(m)))

    def for_account(self, account: str, accounts: frozenset[str], limit: int) -> list[Any]:
        """Newest first: ``account``'s alerts and the firm-wide ones ``accounts`` may see."""
        out = []
        for owner, m in reversed(self._ring):
            if (owner == account or owner in _SHARED) and may_see(accounts, owner):
                out.append(m)
                if len(out) >= limit:
                    break
        return out


class FillCount:
    """Every fill of an account in the journal, counted incrementally (each call reads only
    the rows after the last one counted); without a journal store, the fills in memory."""

    CHUNK = 5000

    def __init__(self, store: Callable[[], Any], in_memory: Callable[[str], int]) -> None:
        self._store = store
        self._in_memory = in_memory
        self._seen: dict[str, tuple[int, int]] = {}  # account -> (last seq, count)

    def __call__(self, account: str) -> int:
        store = self._store()
        if store is None:
            return self._in_memory(account)
        last, n = self._seen.get(account, (0, 0))
        while True:
            rows = store.account_page(
                account, ["OrderFilled"], cursor=last, limit=self.CHUNK, newest_first=False
            )
            if rows:
                last, n = rows[-1][0], n + len(rows)
            if len(rows) < self.CHUNK:
                break
        self._seen[account] = (last, n)
        return n
