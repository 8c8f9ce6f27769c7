"""serve's market clock: the synthetic market as numbered steps, applied one at a time.

A *step* is every market update of one timestamp (one per venue and instrument). Step ``n`` is
a pure function of the seed and ``n``. Applying a step is one engine call, so one journal
commit: the venues' timers due by then fire (arrivals, cancels, fills), then the step's depth
goes into the venues (passive fills, quotes). A crash never leaves half a step journaled.

Two clock modes (``[service] clock`` / ``serve --clock``):

* ``wall``: the feed applies a step every ``step_ms / speed`` of wall time;
* ``manual``: the market stands still until ``POST /v1/admin/clock {"step": N}`` moves it to
  absolute step ``N`` (a repeated or lower ``N`` is a no-op). Each step applied is journaled
  (a ``ClockAdvanced`` audit record), so a restarted serve knows where the market was even if
  the step changed no order. The steps of one request are committed together at its end
  (``Journal.atomic``): a crash leaves the market before the request or after it. A run is
  then a pure function of the sequence of acknowledged commands and clock steps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import msgspec

from tradecore.bootstrap import System, apply_update, market_source
from tradecore.marketdata.types import MarketUpdate
from tradecore.model import codec

MAX_STEPS_PER_REQUEST = 100_000


class ClockAdvanced(msgspec.Struct, frozen=True, gc=False, tag=True, tag_field="type"):
    """Journaled (audit) after each market step in manual clock mode: the step, and the venue
    order and trade numbers each simulated venue had used by then."""

    ts: int
    step: int
    ids: dict[str, tuple[int, int]] = msgspec.field(default_factory=dict)


codec.register(ClockAdvanced)


@dataclass
class MarketStep:
    index: int
    ts: int
    updates: list[MarketUpdate] = field(default_factory=list)


def market_steps(system: System) -> Iterator[MarketStep]:
    """The configured market, grouped by timestamp and numbered from 0."""
    current: MarketStep | None = None
    n = 0
    for u in market_source(system.config, seconds=10**7):
        if current is None or u.ts != current.ts:
            if current is not None:
                yield current
                n += 1
            current = MarketStep(n, u.ts)
        current.updates.append(u)
    if current is not None:
        yield current


def apply_step(system: System, step: MarketStep, record: Callable[[object], None] | None) -> None:
    """Run inside ``engine.call``: timers due by the step, then its updates, then the record."""
    system.clock.advance_to(step.ts)
    for u in step.updates:
        apply_update(system, u)
    if record is not None:
        ids = {str(n): v.ids_used() for n, v in system.venues.items()}
        record(ClockAdvanced(step.ts, step.index, ids))
