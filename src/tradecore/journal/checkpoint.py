"""WAL checkpoints on a thread of their own.

In WAL mode SQLite copies the log back into the database file (a checkpoint) from inside
whichever commit crosses ``wal_autocheckpoint`` pages; with ``synchronous=NORMAL`` that
commit also pays the only fsync: 5-7 ms inside one request on the serving process's event
loop (REST p99, docs/performance.md). A writing :class:`~tradecore.journal.store.SQLiteStore`
switches automatic checkpoints off on its connection and runs them here instead: a daemon
thread with its own connection runs a PASSIVE checkpoint every ``interval_s`` (PASSIVE never
blocks the writer; the sqlite3 module releases the GIL while SQLite works), so the log stays
small and no commit waits for one. Durability is unchanged: a commit is in the log either way.
"""

from __future__ import annotations

import sqlite3
import threading


class Checkpointer:
    def __init__(self, path: str, interval_s: float = 0.25) -> None:
        self.path = path
        self.interval_s = interval_s
        self.runs = 0
        self.errors = 0
        self.last: tuple[int, int] = (0, 0)  # (frames in the log, frames copied back)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="journal-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        db = sqlite3.connect(self.path, isolation_level=None)
        try:
            db.execute("PRAGMA busy_timeout=1000")
            while not self._stop.wait(self.interval_s):
                self.checkpoint(db)
            self.checkpoint(db)  # what the last commits left in the log
        finally:
            db.close()

    def checkpoint(self, db: sqlite3.Connection) -> None:
        try:
            _, log, done = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            self.last = (int(log), int(done))
            self.runs += 1
        except sqlite3.Error:
            self.errors += 1  # busy or locked: the next round catches up

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        """Ask the thread to end after its last checkpoint (a store dropped unclosed)."""
        self._stop.set()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
