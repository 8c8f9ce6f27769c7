"""The deterministic sequencer, clocks, bus and instrument registry."""

from tradecore.engine.bus import MessageBus
from tradecore.engine.clock import Clock, LiveClock, SimClock
from tradecore.engine.core import CommandResult, Engine
from tradecore.engine.instruments import InstrumentRegistry

__all__ = [
    "Clock",
    "CommandResult",
    "Engine",
    "InstrumentRegistry",
    "LiveClock",
    "MessageBus",
    "SimClock",
]
