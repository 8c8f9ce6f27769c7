from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from tests.fakes import ScriptedVenue
from tradecore.engine import Engine, InstrumentRegistry, SimClock
from tradecore.engine.execution import attach
from tradecore.model import Instrument, spot

settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile("ci")


@pytest.fixture
def btc() -> Instrument:
    return spot("BTC/USD", "FAKE", tick="0.01", lot="0.001", min_quantity="0.001")


@pytest.fixture
def venue() -> ScriptedVenue:
    return ScriptedVenue("FAKE")


@pytest.fixture
def engine(btc: Instrument, venue: ScriptedVenue) -> Engine:
    clock = SimClock(1_000)
    eng = Engine(clock, InstrumentRegistry([btc]))
    attach(eng, [venue])
    return eng
