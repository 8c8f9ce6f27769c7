"""The evicted-id filter: never forgets an id, rarely claims one it never saw, fixed size."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tradecore.oms.idfilter import IdFilter


@given(st.lists(st.text(min_size=1, max_size=30), max_size=200))
def test_an_added_id_is_always_found(ids: list[str]) -> None:
    f = IdFilter(capacity=1_000, false_positive_rate=0.01)
    for i in ids:
        f.add(i)
    assert all(i in f for i in ids)


def test_false_positives_stay_near_the_configured_rate_and_memory_is_fixed() -> None:
    f = IdFilter(capacity=10_000, false_positive_rate=0.01)
    size = f.size_bytes
    for n in range(10_000):
        f.add(f"order-{n}")
    assert f.size_bytes == size  # adding never grows it
    false = sum(f"other-{n}" in f for n in range(20_000))
    assert false / 20_000 < 0.02


def test_bit_positions_do_not_depend_on_the_process_hash_seed() -> None:
    a, b = IdFilter(capacity=100), IdFilter(capacity=100)
    a.add("x-1")
    b.add("x-1")
    assert a._bits == b._bits
