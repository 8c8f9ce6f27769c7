"""When a DAY order expires in the simulator.

An instrument that names an exchange calendar (``Instrument.calendar``, an exchange-calendars
name such as ``XETR``) expires its DAY orders at the first session close after the moment the
order arrived: today's close during or before the session (early closes included), the next
session's close after the close, on a weekend or a holiday. An instrument without a calendar
trades 24/7 (crypto): its DAY orders expire at the next UTC midnight.
"""

from __future__ import annotations

import bisect
import datetime as dt

DAY_NS = 86_400_000_000_000
_SPAN_DAYS = 366  # closes loaded per calendar at a time, from the day asked for


class SessionError(ValueError):
    """The instrument's calendar is unknown to exchange-calendars or has no sessions then."""


class SessionCloses:
    """Session close times (int ns, UTC) per calendar, loaded lazily and kept sorted."""

    def __init__(self) -> None:
        self._closes: dict[str, list[int]] = {}

    def next_close(self, calendar: str | None, now_ns: int) -> int:
        """The first session close strictly after ``now_ns`` (UTC midnight without a calendar)."""
        if calendar is None:
            return (now_ns // DAY_NS + 1) * DAY_NS
        closes = self._closes.get(calendar)
        if closes is None or not closes or now_ns < closes[0] or now_ns >= closes[-1]:
            closes = self._load(calendar, now_ns)
        i = bisect.bisect_right(closes, now_ns)
        return closes[i] if i < len(closes) else (now_ns // DAY_NS + 1) * DAY_NS

    def _load(self, calendar: str, now_ns: int) -> list[int]:
        import exchange_calendars as xcals

        day = dt.datetime.fromtimestamp(now_ns // 1_000_000_000, dt.UTC).date()
        start, end = day - dt.timedelta(days=1), day + dt.timedelta(days=_SPAN_DAYS)
        try:
            cal = xcals.get_calendar(calendar, start=start, end=end)
        except Exception as e:  # the library's own errors: unknown name, dates out of range
            raise SessionError(f"exchange calendar {calendar!r}: {e}") from None
        closes: list[int] = cal.closes.astype("int64").tolist()
        if not closes:
            raise SessionError(f"exchange calendar {calendar!r} has no session after {day}")
        self._closes[calendar] = closes
        return closes
