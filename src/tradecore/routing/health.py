"""Venue health: a circuit breaker per venue and exponential backoff with jitter."""

from __future__ import annotations

import random
from collections import deque
from decimal import Decimal
from enum import StrEnum
from typing import Final

from tradecore.engine.clock import Clock
from tradecore.routing.config import BreakerConfig, RetryConfig

MS = 1_000_000


class BreakerState(StrEnum):
    CLOSED = "CLOSED"
    OPEN = "OPEN"
    HALF_OPEN = "HALF_OPEN"


# enum members read on the hot path, bound once (on CPython 3.11 each Enum.MEMBER read
# goes through EnumType.__getattr__'s slow attribute hook)
_CLOSED: Final = BreakerState.CLOSED
_HALF_OPEN: Final = BreakerState.HALF_OPEN
_OPEN: Final = BreakerState.OPEN


class CircuitBreaker:
    """closed → open after N consecutive failures or a burst of timeouts → half-open after
    ``open_ms`` (one probe allowed) → closed on the probe's success, open again on failure."""

    def __init__(self, config: BreakerConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self._state = _CLOSED
        self._failures = 0
        self._timeouts: deque[int] = deque()
        self._opened_at = 0
        self._probe_out = False
        self.transitions: list[tuple[int, BreakerState]] = []

    @property
    def state(self) -> BreakerState:
        if (
            self._state is _OPEN
            and self.clock.now_ns() - self._opened_at >= self.config.open_ms * MS
        ):
            self._move(_HALF_OPEN)
            self._probe_out = False
        return self._state

    def _move(self, s: BreakerState) -> None:
        if s is not self._state:
            self._state = s
            self.transitions.append((self.clock.now_ns(), s))

    def allow(self) -> bool:
        """Whether an order may go to this venue now (half-open: the one probe only)."""
        s = self.state
        if s is _CLOSED:
            return True
        return s is _HALF_OPEN and not self._probe_out

    def on_sent(self) -> None:
        if self._state is _HALF_OPEN:
            self._probe_out = True

    def record_success(self) -> None:
        self._failures = 0
        if self.state is not _CLOSED:
            self._move(_CLOSED)
        self._probe_out = False

    def record_failure(self, timeout: bool = False) -> None:
        now = self.clock.now_ns()
        self._failures += 1
        if timeout:
            self._timeouts.append(now)
            horizon = now - self.config.timeout_window_ms * MS
            while self._timeouts and self._timeouts[0] < horizon:
                self._timeouts.popleft()
        s = self.state
        if (
            s is _HALF_OPEN
            or self._failures >= self.config.failure_threshold
            or len(self._timeouts) >= self.config.timeout_burst
        ):
            self._opened_at = now
            self._probe_out = False
            self._timeouts.clear()
            self._move(_OPEN)


def backoff_ns(attempt: int, config: RetryConfig, rng: random.Random) -> int:
    """Delay before retry ``attempt`` (1-based): base·2^(attempt-1), capped, ± jitter."""
    delay_ms = min(config.base_ms * (2 ** max(attempt - 1, 0)), config.max_ms)
    j = float(config.jitter)
    factor = 1.0 + (rng.uniform(-j, j) if j else 0.0)
    return max(int(delay_ms * factor * MS), 0)


class VenueStats:
    """Rolling ack latency and fill/reject ratio of the last ``window`` child orders."""

    def __init__(self, window: int, default_latency_us: int) -> None:
        self._window = window
        self._lat: deque[int] = deque()
        self._lat_sum = 0
        self._outcomes: deque[bool] = deque()
        self._ok = 0
        self.default_latency_us = default_latency_us
        self._rate_cache: tuple[int, int, Decimal] | None = None

    def record_ack(self, latency_ns: int) -> None:
        self._lat.append(latency_ns)
        self._lat_sum += latency_ns
        if len(self._lat) > self._window:
            self._lat_sum -= self._lat.popleft()

    def record_outcome(self, ok: bool) -> None:
        self._outcomes.append(ok)
        self._ok += ok
        if len(self._outcomes) > self._window:
            self._ok -= self._outcomes.popleft()

    @property
    def latency_us(self) -> int:
        """Rolling mean ack latency, O(1)."""
        if not self._lat:
            return self.default_latency_us
        return self._lat_sum // len(self._lat) // 1000

    @property
    def fill_rate(self) -> Decimal:
        """Filled share of the window's child orders, O(1) (cached until it changes)."""
        n = len(self._outcomes)
        if not n:
            return Decimal(1)
        c = self._rate_cache
        if c is None or c[0] != self._ok or c[1] != n:
            c = (self._ok, n, Decimal(self._ok) / Decimal(n))
            self._rate_cache = c
        return c[2]
