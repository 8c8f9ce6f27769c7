"""The idle-time garbage collector: no automatic pauses, cycles still reclaimed when idle."""

from __future__ import annotations

import gc
import weakref

from tradecore.engine.gcpolicy import IdleCollector


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def _cycle() -> weakref.ref[Node]:
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_no_automatic_collection_inside_but_idle_reclaims_cycles() -> None:
    was = gc.isenabled()
    with IdleCollector(young=100) as c:
        assert not gc.isenabled()
        ref = _cycle()
        for _ in range(5_000):  # far past CPython's automatic threshold
            [[] for _ in range(3)]
        assert ref() is not None  # nobody collected behind the engine's back
        keep = [Node() for _ in range(200)]  # enough live young objects for idle() to act
        c.idle()
        assert len(keep) == 200
        assert ref() is None and sum(c.collections) == 1
    assert gc.isenabled() == was


def test_idle_is_a_no_op_until_enough_was_allocated() -> None:
    with IdleCollector(young=10_000_000) as c:
        c.idle()
        assert c.collections == [0, 0, 0]


def test_a_full_collection_freezes_its_survivors_and_still_reclaims_new_cycles() -> None:
    with IdleCollector(young=100) as c:
        survivors = [Node() for _ in range(300)]
        for _ in range(100):  # every 100th idle collection is a full one
            survivors.extend(Node() for _ in range(150))  # live: counted as young objects
            c.idle()
        assert c.collections[2] == 1
        walked = {id(o) for o in gc.get_objects()}  # every generation but the frozen one
        assert not any(id(s) in walked for s in survivors)  # not walked again
        ref = _cycle()  # garbage made after the freeze is still found
        survivors.extend(Node() for _ in range(150))
        c.idle()
        assert ref() is None


def test_idle_runs_its_tasks_every_time_before_collecting() -> None:
    seen: list[int] = []
    with IdleCollector(young=10_000_000, tasks=(lambda: seen.append(1),)) as c:
        c.idle()
        c.idle()
    assert seen == [1, 1] and c.collections == [0, 0, 0]
