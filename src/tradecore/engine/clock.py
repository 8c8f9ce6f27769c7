"""Injected clocks with a timer queue. Live, simulated and replayed runs share one code path:
components ask ``clock.now_ns()`` and ``clock.schedule(at_ns, fn)``; only who advances time
differs. Timers fire in (time, insertion order), so equal-time timers are deterministic."""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable
from typing import Protocol

Callback = Callable[[], None]


class Clock(Protocol):
    def now_ns(self) -> int: ...

    def schedule(self, at_ns: int, fn: Callback) -> None: ...


class _TimerQueue:
    __slots__ = ("_counter", "_heap")

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, Callback]] = []
        self._counter = itertools.count()

    def push(self, at_ns: int, fn: Callback) -> None:
        heapq.heappush(self._heap, (at_ns, next(self._counter), fn))

    def next_time(self) -> int | None:
        return self._heap[0][0] if self._heap else None

    def pop(self) -> tuple[int, Callback]:
        at, _, fn = heapq.heappop(self._heap)
        return at, fn

    def __len__(self) -> int:
        return len(self._heap)


class SimClock:
    """Simulated time. Time moves only when the driver calls :meth:`advance_to`."""

    __slots__ = ("_now", "_timers")

    def __init__(self, start_ns: int = 0) -> None:
        self._now = start_ns
        self._timers = _TimerQueue()

    def now_ns(self) -> int:
        return self._now

    def schedule(self, at_ns: int, fn: Callback) -> None:
        t = self._timers
        heapq.heappush(t._heap, (at_ns if at_ns > self._now else self._now, next(t._counter), fn))

    def pending(self) -> int:
        return len(self._timers)

    def next_time(self) -> int | None:
        return self._timers.next_time()

    def advance_to(self, ts_ns: int) -> int:
        """Fire every timer due at or before ``ts_ns`` in order, then set now. Returns count."""
        fired = 0
        heap = self._timers._heap
        pop = heapq.heappop
        while heap and heap[0][0] <= ts_ns:
            at, _, fn = pop(heap)
            if at > self._now:
                self._now = at
            fn()
            fired += 1
        if ts_ns > self._now:
            self._now = ts_ns
        return fired

    def run_all(self) -> int:
        """Fire timers until none are left (time jumps forward as needed)."""
        fired = 0
        heap = self._timers._heap
        pop = heapq.heappop
        while heap:
            at, _, fn = pop(heap)
            if at > self._now:
                self._now = at
            fn()
            fired += 1
        return fired


class LiveClock:
    """Wall-clock time. A live driver calls :meth:`fire_due` from the engine thread."""

    __slots__ = ("_timers",)

    def __init__(self) -> None:
        self._timers = _TimerQueue()

    def now_ns(self) -> int:
        return time.time_ns()

    def schedule(self, at_ns: int, fn: Callback) -> None:
        self._timers.push(at_ns, fn)

    def next_time(self) -> int | None:
        return self._timers.next_time()

    def fire_due(self) -> int:
        now = time.time_ns()
        fired = 0
        while (nt := self._timers.next_time()) is not None and nt <= now:
            _, fn = self._timers.pop()
            fn()
            fired += 1
        return fired
