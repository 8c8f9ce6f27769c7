"""Wire CCXT venues (and simulated ones) to an engine on the wall clock, and drive it.

:class:`LiveSystem` is the live composition for connectors: one engine on a
:class:`LiveClock`, the execution module over every client, positions. Its :meth:`step`
runs on the engine's thread: due timers, then every connector's queued reports, in order.
A service runs ``step`` from its event loop; tests and tools call :meth:`run_until`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from tradecore.engine.clock import LiveClock
from tradecore.engine.core import Engine
from tradecore.engine.execution import Execution
from tradecore.engine.instruments import InstrumentRegistry
from tradecore.engine.port import ExecutionPort
from tradecore.engine.ports import EventJournal
from tradecore.model.identifiers import ClientOrderId, Venue
from tradecore.model.instrument import Instrument
from tradecore.positions.keeper import PositionKeeper
from tradecore.routing.config import RoutingConfig
from tradecore.routing.fees import ModelFees
from tradecore.venues.ccxt.adapter import CcxtVenueClient
from tradecore.venues.ccxt.paper import PaperVenue
from tradecore.venues.model import FeeSchedule, VenueModel
from tradecore.venues.protocol import VenueClient, VenueOrderStatus
from tradecore.venues.sim.client import SimVenueClient

BPS = Decimal(10_000)


@dataclass
class LiveSystem:
    clock: LiveClock
    engine: Engine
    execution: Execution
    positions: PositionKeeper
    connectors: list[CcxtVenueClient]
    sims: list[SimVenueClient] = field(default_factory=list)
    #: set by the connectors' ``notify`` when a report is queued
    wake: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        for c in self.connectors:
            c.notify = self.wake.set

    def wait(self, max_s: float) -> None:
        """Sleep until a connector queues a report, the next timer is due, or ``max_s``
        (the GIL is free meanwhile, for the connectors' I/O threads)."""
        due = self.clock.next_time()
        if due is not None:
            max_s = min(max_s, max(0.0, (due - time.time_ns()) / 1e9))
        self.wake.wait(max_s)
        self.wake.clear()

    def step(self) -> int:
        """One turn on the engine's thread: due timers, then queued venue reports."""
        n = self.clock.fire_due()
        for c in self.connectors:
            n += c.drain()
        return n

    def run_until(self, done: Callable[[], bool], timeout_s: float, idle_s: float = 0.002) -> bool:
        """Step until ``done()`` or ``timeout_s``; returns whether ``done()`` held."""
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            self.step()
            if done():
                return True
            self.wait(idle_s)
        self.step()
        return done()

    def stop(self) -> None:
        for c in self.connectors:
            c.stop()


def reconciler(
    engine: Engine, execution: Execution
) -> Callable[[ClientOrderId, VenueOrderStatus], None]:
    """What a connector calls (on the engine thread) with the venue's word on an order after
    a reconnect: the execution module's one reconciliation, as one engine report."""

    def apply(coid: ClientOrderId, status: VenueOrderStatus) -> None:
        order = engine.orders.get(coid)
        if order is not None:
            engine.call(execution.reconcile, order, status)

    return apply


def rules_applier(
    registry: InstrumentRegistry, model: VenueModel, execution: Execution
) -> Callable[[Sequence[Instrument]], None]:
    """What a connector calls (on the engine thread) with a venue's refreshed instruments:
    each replaces its entry in the registry and the venue's model, then the execution module
    forgets the listings and plans it built from the old rules."""

    def apply(instruments: Sequence[Instrument]) -> None:
        for inst in instruments:
            registry.add(inst)
            model.instruments[inst.id] = inst
        execution.reload()

    return apply


def build_live(
    connectors: Sequence[tuple[CcxtVenueClient, Sequence[Instrument], FeeSchedule]],
    sims: Sequence[tuple[Venue, Sequence[Instrument], FeeSchedule]] = (),
    *,
    routing: RoutingConfig | None = None,
    journal: EventJournal | None = None,
    seed: int = 0,
    paper: bool = False,
) -> LiveSystem:
    """Engine + execution over started connectors (with their instruments and fees) and
    simulated venues on the same wall clock. ``paper``: the connectors only feed books; a
    simulator per venue matches our orders against them (:class:`PaperVenue`)."""
    clock = LiveClock()
    insts = [i for _, got, _ in connectors for i in got] + [i for _, got, _ in sims for i in got]
    registry = InstrumentRegistry(insts)
    engine = Engine(clock, registry, journal=journal)
    models: dict[Venue, VenueModel] = {}
    clients: list[VenueClient] = []
    for c, got, fees in connectors:
        models[c.venue] = VenueModel(c.venue, fees, {i.id: i for i in got})
        clients.append(PaperVenue(c, models[c.venue], clock) if paper else c)
    sim_clients = []
    for venue, got, fees in sims:
        models[venue] = VenueModel(venue, fees, {i.id: i for i in got})
        s = SimVenueClient(models[venue], clock)
        sim_clients.append(s)
        clients.append(s)
    execution = Execution(
        ExecutionPort(engine), clients, ModelFees(models), routing or RoutingConfig(), seed=seed
    )
    engine.set_gateway(execution)
    for cl in clients:
        cl.bind(engine.sink)
    by_venue = {cl.venue: cl for cl in clients}
    for c, got, _ in connectors:
        c.set_reconciler(reconciler(engine, execution))
        c.on_rules = rules_applier(registry, models[c.venue], execution)
        for i in got:
            by_venue[c.venue].subscribe_quotes(i.id, engine.on_quote)
    positions = PositionKeeper(engine.bus, registry)
    return LiveSystem(
        clock, engine, execution, positions, [c for c, _, _ in connectors], sim_clients
    )


def fees_bps(maker: Decimal, taker: Decimal) -> FeeSchedule:
    """A fee schedule from fractions of notional (ccxt's market ``maker``/``taker``)."""
    return FeeSchedule(maker * BPS, taker * BPS)
