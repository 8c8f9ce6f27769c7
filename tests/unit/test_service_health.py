"""Readiness says which part is not ready and why: the journal writer process gone or failed,
a store that does not answer, a journal falling behind, no venue connected, a dead feed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from tradecore.errors import JournalError
from tradecore.service.health import Probe


class _Health(Enum):
    UP = "UP"
    DOWN = "DOWN"


@dataclass
class _Store:
    committed: int = 0
    broken: Exception | None = None

    def max_seq(self) -> int:
        if self.broken is not None:
            raise self.broken
        return self.committed


@dataclass
class _Process:
    returncode: int | None = None

    def poll(self) -> int | None:
        return self.returncode


@dataclass
class _Writer:
    process: _Process = field(default_factory=_Process)
    error: Exception | None = None

    def check(self) -> None:
        if self.error is not None:
            raise self.error


@dataclass
class _Journal:
    store: _Store | None
    last_seq: int = 0
    writer: _Writer | None = None


@dataclass
class _Engine:
    journal: _Journal | None


class _Venue:
    def __init__(self, health: _Health | Exception) -> None:
        self._health = health

    def health(self) -> _Health:
        if isinstance(self._health, Exception):
            raise self._health
        return self._health


def _probe(
    journal: _Journal | None,
    venues: Mapping[str, Any] | None = None,
    *,
    running: bool = True,
    error: BaseException | None = None,
    max_lag: int = 50_000,
) -> Probe:
    vs = {"SIMA": _Venue(_Health.UP)} if venues is None else venues
    return Probe(
        _Engine(journal), lambda: vs, lambda: running, lambda: error, max_journal_lag=max_lag
    )


def test_without_a_journal_there_is_no_lag_and_the_journal_check_passes() -> None:
    p = _probe(None)
    assert p.journal_lag() == 0
    assert p.journal_check() == (True, "no journal configured")


def test_the_lag_is_appended_minus_committed() -> None:
    p = _probe(_Journal(_Store(committed=90), last_seq=100))
    assert p.journal_lag() == 10
    assert p.journal_check() == (True, "10 events behind")


def test_a_store_that_cannot_say_what_it_committed_counts_everything_as_behind() -> None:
    p = _probe(_Journal(_Store(broken=OSError("connection lost")), last_seq=42))
    assert p.journal_lag() == 42
    assert p.journal_check() == (False, "journal store does not answer: connection lost")
    assert p.checks()["journal"][0] is False


def test_a_journal_too_far_behind_is_not_ready() -> None:
    p = _probe(_Journal(_Store(committed=0), last_seq=11), max_lag=10)
    assert p.journal_check() == (False, "journal 11 events behind (limit 10)")


def test_an_exited_writer_process_is_not_ready_and_says_its_exit_code() -> None:
    writer = _Writer(process=_Process(returncode=-9))
    p = _probe(_Journal(_Store(), writer=writer))
    assert p.journal_check() == (False, "journal writer exited (-9)")


def test_a_writer_that_reported_an_error_is_not_ready_and_says_the_error() -> None:
    writer = _Writer(error=JournalError("append failed: disk full"))
    p = _probe(_Journal(_Store(), writer=writer))
    assert p.journal_check() == (False, "append failed: disk full")


def test_a_live_writer_without_error_is_ready() -> None:
    p = _probe(_Journal(_Store(committed=5), last_seq=5, writer=_Writer()))
    assert p.journal_check() == (True, "0 events behind")


def test_a_venue_that_cannot_report_its_health_is_not_counted_as_connected() -> None:
    venues = {
        "SIMC": _Venue(RuntimeError("no answer")),
        "SIMB": _Venue(_Health.DOWN),
        "SIMA": _Venue(_Health.UP),
    }
    assert _probe(None, venues).venue_check() == (True, "connected: SIMA")
    only_bad = {"SIMC": _Venue(RuntimeError("no answer")), "SIMB": _Venue(_Health.DOWN)}
    assert _probe(None, only_bad).venue_check() == (False, "no venue connected")


def test_the_feed_and_extra_checks_are_reported_with_the_others() -> None:
    p = _probe(None, running=False)
    p.extra = lambda: {"recovery": (False, "replaying")}
    assert p.checks() == {
        "journal": (True, "no journal configured"),
        "feed": (False, "market feed not running"),
        "venues": (True, "connected: SIMA"),
        "recovery": (False, "replaying"),
    }
    dead = _probe(None, error=ValueError("bad tick"))
    assert dead.feed_check() == (False, "market feed stopped: ValueError: bad tick")
    assert dead.alive() == (False, "market feed died: ValueError: bad tick")
    assert _probe(None).alive() == (True, "ok")
