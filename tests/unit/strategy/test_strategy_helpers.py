"""The strategy API's helpers as a strategy author meets them: parameters given as text take
their default's type (or are refused naming the parameter), timers at a zoned datetime (a
naive one refused), prices rounded to the tick, and a clear error when used outside a host."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tradecore.errors import ValidationError
from tradecore.strategy import Strategy, backtest
from tradecore.strategy.base import Timer

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


def test_a_timer_says_when_it_fires_and_whether_it_was_cancelled() -> None:
    t = Timer(5, 2 * SEC, lambda: None)
    assert repr(t) == "Timer(at=5 every 2s)"
    t.cancel()
    assert t.cancelled and repr(t) == "Timer(at=5 every 2s cancelled)"


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
        with pytest.raises(ValidationError) as naive:
            self.at(dt.datetime(2026, 1, 1, 0, 0, 2), self._late)  # no time zone
        self.seen["naive"] = naive.value.field
        with pytest.raises(ValidationError) as zero:
            self.every(0, self._late)
        self.seen["every"] = zero.value.field

    def _late(self) -> None:
        self.seen["fired_at"] = self.now


def test_helpers_inside_a_backtest_round_to_the_tick_and_read_the_rules() -> None:
    res = backtest(Helpers, seconds=3)
    s = res.strategies[0]
    assert isinstance(s, Helpers)
    assert s.seen["tick"] == Decimal("0.01")  # ETH/USD in the default config
    assert (s.seen["down"], s.seen["up"]) == (Decimal("2000.01"), Decimal("2000.02"))
    assert s.seen["unknown"] == "instrument"
    assert {"kill_switches", "trading_state", "reduce_only"} <= set(s.seen["risk"])  # type: ignore[arg-type]
    assert (s.seen["naive"], s.seen["every"]) == ("at", "every.seconds")
    assert s.seen["fired_at"] == START + SEC  # the zoned datetime, in engine nanoseconds
