"""The composition root: the one place that wires components from a validated AppConfig.

Tests build the same graph with fakes by passing their own pieces (clock, journal, risk).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tradecore.config import AppConfig, load_config
from tradecore.engine.clock import SimClock
from tradecore.engine.core import Engine
from tradecore.engine.execution import Execution
from tradecore.engine.gcpolicy import IdleCollector
from tradecore.engine.instruments import InstrumentRegistry
from tradecore.engine.placement import pin
from tradecore.engine.port import ExecutionPort
from tradecore.engine.ports import EventJournal, RiskGate
from tradecore.errors import ConfigError
from tradecore.marketdata import replay
from tradecore.marketdata.synthetic import InstrumentSpec, SyntheticMarket, VenueProfile
from tradecore.marketdata.types import MarketUpdate
from tradecore.model.identifiers import Venue
from tradecore.model.instrument import Instrument, spot
from tradecore.model.market import Quote
from tradecore.portfolio.fx import FxRates
from tradecore.portfolio.views import Portfolio
from tradecore.positions.keeper import PositionKeeper
from tradecore.positions.position import Method
from tradecore.risk import RiskConfig, build_risk
from tradecore.routing.fees import ModelFees
from tradecore.venues.model import FeeSchedule, VenueModel
from tradecore.venues.sim.client import SimVenueClient, SimVenueConfig


@dataclass
class System:
    config: AppConfig
    clock: SimClock
    instruments: InstrumentRegistry
    engine: Engine
    venues: dict[Venue, SimVenueClient]
    execution: Execution
    positions: PositionKeeper
    fx: FxRates
    portfolio: Portfolio
    risk: RiskGate | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    # the drivers' idle hook (between orders, between market steps): GC and deferred work
    collector: IdleCollector = field(default_factory=IdleCollector)

    def market(self) -> Iterator[MarketUpdate]:
        """The configured market data: a replay file, or the synthetic generator."""
        return market_source(self.config)


def instruments_from(config: AppConfig) -> list[Instrument]:
    out = []
    # an instrument's calendar: its own key, else the risk section's symbol -> calendar map
    # ("24/7" there declares an instrument that never closes: no calendar)
    calendars = {k: v for k, v in config.risk.get("calendars", {}).items() if v != "24/7"}
    for v in config.venues:
        for i in config.instruments:
            out.append(
                spot(
                    i.symbol, v.name, tick=str(i.tick), lot=str(i.lot),
                    min_quantity=str(i.min_quantity), min_notional=str(i.min_notional),
                    asset_class=i.asset_class, quote=i.quote,
                    calendar=i.calendar or calendars.get(i.symbol),
                )
            )  # fmt: skip
    return out


def market_source(config: AppConfig, seconds: int | None = None) -> Iterator[MarketUpdate]:
    if config.marketdata.replay:
        return iter(replay.read(config.marketdata.replay))
    specs = [
        InstrumentSpec(i.symbol, i.start_price, i.tick, i.lot, i.vol_ticks, i.beta, i.level_size)
        for i in config.instruments
    ]
    profiles = [
        VenueProfile(
            Venue(v.name),
            spread_ticks=v.spread_ticks,
            depth_levels=v.depth_levels,
            size_scale=v.size_scale,
            offset_ticks=v.offset_ticks,
            outage_prob=v.outage_prob,
            outage_updates=v.outage_updates,
            spread_bps=v.spread_bps,
            level_step_bps=v.level_step_bps,
        )
        for v in config.venues
    ]
    step_ns = config.marketdata.step_ms * 1_000_000
    market = SyntheticMarket(specs, profiles, seed=config.engine.seed, step_ns=step_ns)
    secs = seconds if seconds is not None else config.demo.seconds
    return market.updates(max(secs * 1000 // config.marketdata.step_ms, 1))


def build_system(
    config: AppConfig | None = None,
    *,
    journal: EventJournal | None = None,
    risk_factory: Callable[[Engine, PositionKeeper], RiskGate] | None = None,
) -> System:
    cfg = config or load_config()
    if cfg.engine.cpu is not None:
        try:
            pin(0, cfg.engine.cpu)
        except OSError as e:
            msg = f"cannot pin the engine to CPU {cfg.engine.cpu}: {e}"
            raise ConfigError("engine.cpu", msg) from None
    start = 1_767_225_600_000_000_000  # the synthetic market's first timestamp
    clock = SimClock(start)
    insts = instruments_from(cfg)
    registry = InstrumentRegistry(insts)
    engine = Engine(clock, registry, journal=journal, retain_closed=cfg.engine.retain_closed)
    if getattr(journal, "store", None) is not None:
        # evicted orders' ids are answered by the journal, not kept in RAM
        engine.orders.archived_lookup = journal.has_order  # type: ignore[union-attr]
        engine.orders.archive_prefilled = journal.store.max_seq() > 0  # type: ignore[union-attr]
    models: dict[Venue, VenueModel] = {}
    venues: dict[Venue, SimVenueClient] = {}
    for n, v in enumerate(cfg.venues):
        venue = Venue(v.name)
        listed = {i.id: i for i in insts if i.venue == venue}
        models[venue] = VenueModel(venue, FeeSchedule(v.maker_bps, v.taker_bps), listed)
        sim_cfg = SimVenueConfig(
            v.ack_latency_us, v.ack_jitter_us, v.fill_delay_us, v.reject_rate, v.timeout_rate,
            seed=cfg.engine.seed * 1000 + n, fill_jitter_us=v.fill_jitter_us, stp=v.stp,
        )  # fmt: skip
        client = SimVenueClient(models[venue], clock, sim_cfg)
        venues[venue] = client
        for iid in listed:
            client.subscribe_quotes(iid, engine.on_quote)
    execution = Execution(
        ExecutionPort(engine), venues.values(), ModelFees(models), cfg.routing,
        seed=cfg.engine.seed,
    )  # fmt: skip
    engine.set_gateway(execution)
    record = getattr(journal, "record", None)
    if record is not None:  # routing decisions and risk events go to the audit trail
        from tradecore.risk.events import AUDIT_RECORDS
        from tradecore.routing.decisions import RoutingDecision

        kinds: tuple[type[Any], ...] = (RoutingDecision, *AUDIT_RECORDS)
        for kind in kinds:
            engine.bus.subscribe(kind, record)
    for c in venues.values():
        c.bind(engine.sink)
    positions = PositionKeeper(
        engine.bus, registry, method=Method(cfg.engine.position_method),
        default_currency=cfg.engine.base_currency,
    )  # fmt: skip
    fx = FxRates(pivot="USD")
    for pair, rate in cfg.fx.items():
        base, _, quote = pair.partition("/")
        fx.set(base, quote, rate)
    engine.bus.subscribe(Quote, fx.on_quote)
    portfolio = Portfolio(
        positions, fx, base_currency=cfg.engine.base_currency,
        cash={cfg.engine.base_currency: cfg.engine.initial_cash},
    )  # fmt: skip
    system = System(cfg, clock, registry, engine, venues, execution, positions, fx, portfolio)
    idle = getattr(journal, "idle", None)  # the audit records' encoding, off the order path
    system.collector = IdleCollector(tasks=() if idle is None else (idle,))
    if risk_factory is not None:
        system.risk = risk_factory(engine, positions)
        engine.risk = system.risk
    else:
        risk_cfg = RiskConfig.from_dict(cfg.risk)
        if risk_cfg.enabled:
            pipeline, monitor = build_risk(
                engine, positions, fx, risk_cfg, base_currency=cfg.engine.base_currency,
                equity=cfg.engine.initial_cash,
            )  # fmt: skip
            system.risk = pipeline
            engine.risk = pipeline
            pipeline.ctx.self_trade_probe = execution.self_trade_at
            system.extras["risk_monitor"] = monitor
    return system


def pump(
    system: System,
    updates: Iterable[MarketUpdate],
    on_step: Callable[[int, int], None] | None = None,
) -> int:
    """Feed market updates through the venues in time order; ``on_step(step, ts)`` runs once
    per distinct timestamp, after that timestamp's updates. Returns the number of updates."""
    clock = system.clock
    n = 0
    step = -1
    last_ts: int | None = None
    for u in updates:
        if u.ts != last_ts:
            if last_ts is not None and on_step is not None:
                on_step(step, last_ts)
            step += 1
            last_ts = u.ts
            clock.advance_to(u.ts)
        n += apply_update(system, u)
    if last_ts is not None and on_step is not None:
        on_step(step, last_ts)
    clock.run_all()
    return n


def apply_update(system: System, u: MarketUpdate) -> int:
    """One market update into its venue (outage flag, then new depth and quotes)."""
    v = system.venues.get(u.instrument_id.venue)
    if v is None:
        return 0
    v.set_down(not u.up)
    if u.up:
        v.on_market(u.instrument_id, u.bids, u.asks)
    return 1
