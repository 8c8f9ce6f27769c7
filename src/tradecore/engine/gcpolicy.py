"""Garbage collection tuned for a latency-sensitive engine.

CPython's cyclic collector runs whenever enough container objects have been allocated, which
means in the middle of whatever order happens to be processing: a pause of tens to hundreds of
microseconds on an unlucky order. The engine's own objects rarely form cycles (events, commands
and quotes are msgspec structs with ``gc=False``; orders are slotted and acyclic), so the
collector can wait for a quiet moment.

:class:`IdleCollector` turns automatic collection off, freezes everything that exists at
start-up (configuration, registries: never collectable), and collects when the driver says the
engine is idle (between commands, or when the event loop has nothing to do) and only once
enough objects have been allocated, with CPython's own generation policy: the young
generation every ``young`` allocations, the middle one every 10th time, a full collection
every 10th of those. Memory stays bounded as long as the engine is idle now and then; a
driver that is never idle must call :meth:`idle` from its loop anyway (it is cheap when there
is nothing to collect).

After each full collection the survivors are frozen (``gc.freeze``): a full collection walks
every tracked object, and a long-running service holds hundreds of thousands of them (closed
orders kept for idempotency, positions, history), so the next full collection would pause
for tens of milliseconds to find that they are all still alive (serve at 1,000 orders/s:
~14 ms every ~3,750 orders, in the REST tail). Frozen objects are still freed by their
reference counts; what freezing gives up is finding a cycle that forms later through an
object that was alive at the freeze, which the engine's acyclic objects do not make.

Other work that can wait for a quiet moment is handed in as ``tasks`` (the composition root
gives the journal's :meth:`~tradecore.journal.Journal.idle`, which encodes the audit records
kept off the order path): each runs at every :meth:`idle`, before the collection.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from types import TracebackType


class IdleCollector:
    __slots__ = ("_was_enabled", "_young_runs", "collections", "tasks", "young")

    def __init__(self, young: int = 20_000, *, tasks: Iterable[Callable[[], None]] = ()) -> None:
        self.young = young
        self.tasks = tuple(tasks)
        self._young_runs = 0
        self._was_enabled = True
        self.collections = [0, 0, 0]

    def __enter__(self) -> IdleCollector:
        self._was_enabled = gc.isenabled()
        gc.collect()
        gc.freeze()
        gc.disable()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        gc.unfreeze()
        if self._was_enabled:
            gc.enable()

    def idle(self) -> None:
        """Run the idle tasks, then collect if enough has been allocated since the last
        collection."""
        for task in self.tasks:
            task()
        if gc.get_count()[0] < self.young:
            return
        self._young_runs += 1
        if self._young_runs % 100 == 0:
            gen = 2
        elif self._young_runs % 10 == 0:
            gen = 1
        else:
            gen = 0
        gc.collect(gen)
        if gen == 2:
            gc.freeze()  # what survived a full collection is not walked by the next one
        self.collections[gen] += 1
