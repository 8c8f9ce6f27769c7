"""A Bloom filter of client order ids: fixed memory, no false negatives.

The order store forgets closed orders after a while (memory stays flat), but their ids must
stay unusable. Asking the journal about every new id would put an index lookup on every
order; instead, evicted ids go into this filter, and only an id the filter *may* contain
(all of its bits set: a real evicted id, or a false positive at the configured rate) is looked
up in the journal. The bit positions come from BLAKE2b, so they do not depend on the process's
hash seed.
"""

from __future__ import annotations

import math
from hashlib import blake2b


class IdFilter:
    __slots__ = ("_bits", "_k", "_m", "added")

    def __init__(self, capacity: int = 10_000_000, false_positive_rate: float = 0.001) -> None:
        if capacity < 1 or not 0 < false_positive_rate < 1:
            raise ValueError("capacity must be >= 1 and the false positive rate in (0, 1)")
        m = math.ceil(-capacity * math.log(false_positive_rate) / (math.log(2) ** 2))
        self._m = max(m, 64)
        self._k = max(1, round(self._m / capacity * math.log(2)))
        self._bits = bytearray((self._m + 7) // 8)
        self.added = 0

    @property
    def size_bytes(self) -> int:
        return len(self._bits)

    @staticmethod
    def _hashes(key: str) -> tuple[int, int]:
        """Two independent 64-bit hashes; bit i of the key is at (h1 + i * h2) mod m."""
        d = blake2b(key.encode(), digest_size=16).digest()
        return int.from_bytes(d[:8], "little"), int.from_bytes(d[8:], "little") | 1

    def add(self, key: str) -> None:
        h1, h2 = self._hashes(key)
        bits, m = self._bits, self._m
        for i in range(self._k):
            p = (h1 + i * h2) % m
            bits[p >> 3] |= 1 << (p & 7)
        self.added += 1

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        h1, h2 = self._hashes(key)
        bits, m = self._bits, self._m
        for i in range(self._k):  # stops at the first clear bit (most unknown ids: the first)
            p = (h1 + i * h2) % m
            if not bits[p >> 3] & (1 << (p & 7)):
                return False
        return True
