"""The strategy API's helpers as a strategy author meets them: parameters given as text take
their default's type (or are refused naming the parameter), timers at a zoned datetime,
prices rounded to the tick, and a clear error when used outside a host."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tradecore.errors import ValidationError
from tradecore.strategy import Strategy, backtest
from tradecore.strategy.base import Timer, _ns

SEC = 1_000_000_000
START = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z, the backtest's default start


class Params(Strategy):
    size = Decimal("0.1")
    levels = 3
    spread = 0.5
    hedge = False
    label = "x"


def test_text_parameters_take_their_defaults_type() -> None:
    s = Params(size="0.25", levels="7", spread="1.5", hedge="yes", label="12", other="kept")
    assert (s.size, s.levels, s.spread, s.hedge, s.label) == (Decimal("0.25"), 7, 1.5, True, "12")
    assert s.params["other"] == "kept" and not hasattr(s, "other")
    assert Params(hedge="off").hedge is False


@pytest.mark.parametrize(("key", "value"), [("levels", "three"), ("spread", "wide")])
def test_a_parameter_that_is_not_of_its_type_is_refused_naming_it(key: str, value: str) -> None:
    with pytest.raises(ValidationError) as e:
        Params(**{key: value})
    assert e.value.field == f"param.{key}" and repr(value) in e.value.reason


def test_a_strategy_outside_a_host_says_so() -> None:
    s = Params()
    with pytest.raises(RuntimeError, match="Params is not attached"):
        s.now  # noqa: B018
    assert repr(s) == "Params(name='Params', account='STRAT', state=NEW, orders=0)"


def test_timers_take_a_zoned_datetime_and_refuse_a_naive_one() -> None:
    at = dt.datetime(2026, 1, 1, 0, 0, 1, 500, tzinfo=dt.UTC)
    assert _ns(at) == START + SEC + 500_000
    with pytest.raises(ValidationError) as e:
        _ns(dt.datetime(2026, 1, 1))
    assert e.value.field == "at"
    t = Timer(5, 2 * SEC, lambda: None)
    assert repr(t) == "Timer(at=5 every 2s)"
    t.cancel()
    assert repr(t) == "Timer(at=5 every 2s cancelled)"


class Helpers(Strategy):
    seen: dict[str, object]

    def on_start(self) -> None:
        self.seen = {
            "down": self.round_price("ETH/USD@SIMA", Decimal("2000.017")),
            "up": self.round_price("ETH/USD@SIMA", Decimal("2000.011"), up=True),
            "tick": self.instrument_rules("ETH/USD@SIMA").tick_size,
            "risk": sorted(self.risk),
        }
        try:
            self.instrument_rules("NOPE/USD@SIMA")
        except ValidationError as e:
            self.seen["unknown"] = e.field
        self.at(dt.datetime(2026, 1, 1, 0, 0, 1, tzinfo=dt.UTC), self._late)
        with pytest.raises(ValidationError):
            self.every(0, self._late)

    def _late(self) -> None:
        self.seen["fired_at"] = self.now


def test_helpers_inside_a_backtest_round_to_the_tick_and_read_the_rules() -> None:
    res = backtest(Helpers, seconds=3)
    s = res.strategies[0]
    assert isinstance(s, Helpers)
    tick = s.seen["tick"]
    assert isinstance(tick, Decimal) and tick > 0
    assert s.seen["down"] == (Decimal("2000.017") // tick) * tick
    up = s.seen["up"]
    assert isinstance(up, Decimal) and up >= Decimal("2000.011") and up % tick == 0
    assert s.seen["unknown"] == "instrument"
    assert s.seen["risk"]  # the risk gate's state is readable
    assert s.seen["fired_at"] == START + SEC
