"""Liveness, readiness and the journal lag, from what the engine already exposes.

* ``/health`` (liveness): the process answers and its market feed has not died with an error.
  A feed that *stopped* with an exception makes the process useless: 503, restart it.
* ``/ready`` (readiness): every check of :meth:`Probe.checks` passes: the journal is writable
  (its writer process alive and error-free, or the store answers a query) and keeping up (at
  most ``max_journal_lag`` events appended but not committed), the feed is running, and at
  least one venue is connected (health UP). Extra checks can be passed to the app factory.

The journal lag is the engine's last appended seq minus the highest seq committed in the
store (read back from the store itself: with the writer process, the engine cannot see the
commits otherwise).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Check = tuple[bool, str]
ExtraChecks = Callable[[], Mapping[str, Check]]


@dataclass
class Probe:
    engine: Any
    venues: Callable[[], Mapping[Any, Any]]
    feed_running: Callable[[], bool]
    feed_error: Callable[[], BaseException | None]
    extra: ExtraChecks | None = None
    max_journal_lag: int = 50_000

    # ------------------------------------------------------------------ journal
    def journal_lag(self) -> int:
        """Events appended but not yet committed (0 without a journal)."""
        jr = getattr(self.engine, "journal", None)
        store = getattr(jr, "store", None)
        if jr is None or store is None:
            return 0
        last = int(getattr(jr, "last_seq", 0))
        try:
            committed = int(store.max_seq())
        except Exception:
            return last
        return max(0, last - committed)

    def journal_check(self) -> Check:
        jr = getattr(self.engine, "journal", None)
        if jr is None or getattr(jr, "store", None) is None:
            return True, "no journal configured"
        writer = getattr(jr, "writer", None)
        if writer is not None:
            if writer.process.poll() is not None:
                return False, f"journal writer exited ({writer.process.returncode})"
            try:
                writer.check()
            except Exception as e:
                return False, str(e)
        try:
            jr.store.max_seq()
        except Exception as e:
            return False, f"journal store does not answer: {e}"
        lag = self.journal_lag()
        if lag > self.max_journal_lag:
            return False, f"journal {lag} events behind (limit {self.max_journal_lag})"
        return True, f"{lag} events behind"

    # ------------------------------------------------------------------ the rest
    def venue_check(self) -> Check:
        up = []
        for name, v in sorted(self.venues().items()):
            try:
                if v.health().value == "UP":
                    up.append(name)
            except Exception:  # a venue client that cannot say is not connected
                continue
        return (bool(up), f"connected: {', '.join(up)}" if up else "no venue connected")

    def feed_check(self) -> Check:
        err = self.feed_error()
        if err is not None:
            return False, f"market feed stopped: {type(err).__name__}: {err}"
        return (True, "running") if self.feed_running() else (False, "market feed not running")

    def checks(self) -> dict[str, Check]:
        out = {
            "journal": self.journal_check(),
            "feed": self.feed_check(),
            "venues": self.venue_check(),
        }
        if self.extra is not None:
            out.update(self.extra())
        return out

    def alive(self) -> Check:
        err = self.feed_error()
        if err is not None:
            return False, f"market feed died: {type(err).__name__}: {err}"
        return True, "ok"
