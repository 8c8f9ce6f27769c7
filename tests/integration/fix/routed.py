"""An engine routing to a FIX venue (the venue app, another process, through
:class:`~tradecore.venues.fix.client.FixVenueClient`) and a simulated venue, on the wall
clock; the test's thread is the engine's thread (:meth:`Routed.run_until`)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.integration.fix.harness import DICTIONARY, ROOT, free_port, wait_port
from tradecore.engine.clock import LiveClock
from tradecore.engine.core import Engine
from tradecore.engine.execution import Execution
from tradecore.engine.instruments import InstrumentRegistry
from tradecore.engine.port import ExecutionPort
from tradecore.model.identifiers import Venue
from tradecore.model.instrument import spot
from tradecore.positions.keeper import PositionKeeper
from tradecore.routing.config import RoutingConfig
from tradecore.routing.fees import ModelFees
from tradecore.venues.fix.client import FixVenueClient
from tradecore.venues.fix.config import FixVenueConfig
from tradecore.venues.model import FeeSchedule, VenueModel
from tradecore.venues.sim.client import SimVenueClient

D = Decimal
SIM_ASKS = ((D("60000.6"), D("0.3")), (D("60001.2"), D("0.3")), (D("60003"), D("1")))
SIM_BIDS = ((D("59999.4"), D("0.3")), (D("59998.8"), D("0.3")), (D("59997"), D("1")))


class VenueProcess:
    def __init__(
        self, folder: Path, port: int | None = None, gap: int = 0, resend_from: int = 0
    ) -> None:
        self.folder, self.port, self.gap = folder, port or free_port(), gap
        self.resend_from = resend_from
        self.p: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        cmd = [sys.executable, "-m", "tests.integration.fix.venue_app", "--port", str(self.port),
               "--dir", str(self.folder), "--dictionary", str(DICTIONARY), "--gap", str(self.gap),
               "--resend-from", str(self.resend_from)]  # fmt: skip
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / "venue.out").open("a") as out:
            self.p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        assert wait_port(self.port, 20), (self.folder / "venue.out").read_text()

    def kill(self) -> None:
        if self.p is not None and self.p.poll() is None:
            self.p.kill()
            self.p.wait(10)

    def state(self) -> dict[str, Any]:
        import json

        out: dict[str, Any] = json.loads((self.folder / "venue-state.json").read_text())
        return out


class Routed:
    def __init__(self, tmp: Path, venue_port: int, routing: RoutingConfig | None = None) -> None:
        self.clock = LiveClock()
        fixv = spot("BTC/USD", "FIXV", tick="0.01", lot="0.0001")
        sima = spot("BTC/USD", "SIMA", tick="0.01", lot="0.0001")
        self.fixv, self.sima = fixv, sima
        registry = InstrumentRegistry([fixv, sima])
        self.engine = Engine(self.clock, registry)
        models = {
            Venue("FIXV"): VenueModel(Venue("FIXV"), FeeSchedule(), {fixv.id: fixv}),
            Venue("SIMA"): VenueModel(Venue("SIMA"), FeeSchedule(), {sima.id: sima}),
        }
        self.wake = threading.Event()
        self.config = FixVenueConfig(
            port=venue_port, target_comp_id="XVENUE", store=tmp / "adapter-store",
            log=tmp / "adapter-log", status_timeout_s=2,
        )  # fmt: skip
        self.fix = FixVenueClient(Venue("FIXV"), self.config, [fixv], notify=self.wake.set,
                                  dictionary=DICTIONARY)  # fmt: skip
        self.sim = SimVenueClient(models[Venue("SIMA")], self.clock)
        self.execution = Execution(ExecutionPort(self.engine), [self.fix, self.sim],
                                   ModelFees(models), routing or RoutingConfig(), seed=1)  # fmt: skip
        self.engine.set_gateway(self.execution)
        for c in (self.fix, self.sim):
            c.bind(self.engine.sink)
        self.positions = PositionKeeper(self.engine.bus, registry)
        self.sim.on_market(sima.id, SIM_BIDS, SIM_ASKS)

    def step(self) -> None:
        self.clock.fire_due()
        self.fix.drain()

    def run_until(self, done: Callable[[], bool], timeout_s: float = 15) -> bool:
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            self.step()
            if done():
                return True
            self.wake.wait(0.005)
            self.wake.clear()
        self.step()
        return done()

    def order(self, coid: str) -> Any:
        return self.engine.orders.get(coid)  # type: ignore[arg-type]

    def refused(self) -> list[dict[int, str]]:
        """Session-level Rejects (35=3) the venue sent us: a message of ours that failed its
        FIX44.xml (UseDataDictionary=Y on both ends); business rejects (35=j) too."""
        return [f for f in self.fix.edge.admin_received if f.get(35) == "3"]

    def stop(self) -> None:
        self.fix.stop()
