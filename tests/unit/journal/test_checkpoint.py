"""WAL checkpoints run on the store's own thread, never inside a commit."""

from __future__ import annotations

import gc
import time
from pathlib import Path

from tradecore.journal.store import SQLiteStore


def _rows(
    start: int, n: int
) -> list[tuple[int, int, str, str | None, str | None, str | None, bytes]]:
    return [
        (s, s, "Probe", "acct", f"o{s}", None, b'{"type":"Probe"}' * 20)
        for s in range(start, start + n)
    ]


def test_commits_never_checkpoint_and_the_thread_does(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    store = SQLiteStore(path)
    store.append(_rows(1, 50), [])
    assert store.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    assert store._checkpoints is not None and store._checkpoints.alive
    for k in range(20):  # writes keep coming while the thread checkpoints
        store.append(_rows(51 + 50 * k, 50), [])
    ckpt = store._checkpoints
    assert ckpt is not None
    deadline = time.monotonic() + 5
    while ckpt.runs < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ckpt.runs >= 2 and ckpt.errors == 0
    store.close()
    assert not ckpt.alive
    again = SQLiteStore(path)
    assert again.max_seq() == 1050
    assert [s for s, _ in again.read(1040)] == list(range(1041, 1051))
    again.close()


def test_the_log_is_copied_back_without_a_commit_doing_it(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "j.db")
    store.append(_rows(1, 200), [])  # a few hundred frames: below SQLite's own 1000-page mark
    ckpt = store._checkpoints
    assert ckpt is not None
    deadline = time.monotonic() + 5
    while ckpt.last[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    log, done = ckpt.last
    assert log > 0 and done == log  # every frame of the log is back in the database file
    store.close()


def test_a_store_dropped_without_close_stops_its_thread(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "j.db")
    store.append(_rows(1, 5), [])
    ckpt = store._checkpoints
    assert ckpt is not None and ckpt.alive
    del store
    gc.collect()
    deadline = time.monotonic() + 5
    while ckpt.alive and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not ckpt.alive
