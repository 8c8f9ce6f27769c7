"""Market data: the synthetic generator, CSV/Parquet replay, the consolidated book."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tradecore.bootstrap import build_system, pump
from tradecore.config import load_config
from tradecore.errors import ValidationError
from tradecore.marketdata import replay
from tradecore.marketdata.consolidated import ConsolidatedBook
from tradecore.marketdata.synthetic import InstrumentSpec, SyntheticMarket, VenueProfile
from tradecore.model import Side, Venue, codec
from tradecore.model.events import Event

D = Decimal


def small_market(seed: int = 3) -> SyntheticMarket:
    return SyntheticMarket(
        [
            InstrumentSpec(
                "BTC/USD", D(60000), D("0.01"), D("0.001"), vol_ticks=50.0, level_size=D("0.5")
            )
        ],
        [
            VenueProfile(Venue("SIMA"), spread_ticks=4),
            VenueProfile(Venue("SIMB"), spread_ticks=6, outage_prob=0.05),
        ],
        seed=seed,
    )


def test_generator_is_seeded_exact_and_never_crossed() -> None:
    a = list(small_market().updates(200))
    b = list(small_market().updates(200))
    assert a == b
    assert a != list(small_market(seed=4).updates(200))
    for u in a:
        assert u.bids[0][0] < u.asks[0][0]
        assert all(p % D("0.01") == 0 for p, _ in u.bids + u.asks)
    assert any(not u.up for u in a)  # outages happen


def test_csv_and_parquet_round_trip_exactly(tmp_path: Path) -> None:
    ups = [u for u in small_market().updates(50) if u.up]
    replay.write_csv(tmp_path / "q.csv", ups)
    replay.write_parquet(tmp_path / "q.parquet", ups)
    a, b = replay.read(tmp_path / "q.csv"), replay.read(tmp_path / "q.parquet")
    assert a == b
    assert [(u.bids[0], u.asks[0]) for u in a] == [(u.bids[0], u.asks[0]) for u in ups]


def test_malformed_replay_row_names_line_and_column(tmp_path: Path) -> None:
    p = tmp_path / "bad.csv"
    p.write_text(
        "ts_ns,venue,symbol,bid,bid_size,ask,ask_size\n1,SIMA,BTC/USD,100,1,101,1\n2,SIMA,BTC/USD,102,1,101,1\n"
    )
    with pytest.raises(ValidationError, match="line 3, column bid"):
        replay.read(p)


def test_consolidated_book_merges_venues_by_price() -> None:
    from tradecore.model import InstrumentId
    from tradecore.model.market import BookLevel, BookSnapshot

    def snap(v: str, asks: list[tuple[str, str]]) -> BookSnapshot:
        return BookSnapshot(
            InstrumentId("X/USD", Venue(v)), (), tuple(BookLevel(D(p), D(s)) for p, s in asks), 0, 1
        )

    cb = ConsolidatedBook(
        [snap("B", [("100", "1"), ("102", "1")]), snap("A", [("100", "2"), ("101", "1")])]
    )
    assert [(lv.venue, lv.price) for lv in cb.asks] == [
        ("A", D(100)),
        ("B", D(100)),
        ("A", D(101)),
        ("B", D(102)),
    ]
    assert cb.available(Side.BUY, D(101)) == D(4)


def _event_log(tmp_path: Path, source: Path) -> bytes:
    from tradecore.demo import run_demo

    cfg = load_config(
        None, {"marketdata": {"replay": str(source)}, "demo": {"seconds": 20, "order_every": 3}}
    )
    system = build_system(cfg)
    log: list[bytes] = []
    system.engine.bus.subscribe_all(
        lambda e: log.append(codec.dumps(e)) if isinstance(e, Event) else None
    )
    run_demo(cfg, system=system)
    return b"\n".join(log)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_replaying_the_same_file_twice_gives_byte_identical_event_logs(
    tmp_path: Path, fmt: str
) -> None:
    cfg = load_config(None, {"demo": {"seconds": 20}})
    system = build_system(cfg)
    from tradecore.bootstrap import market_source

    ups = [u for u in market_source(cfg, 20) if u.up]
    path = tmp_path / f"quotes.{fmt}"
    (replay.write_csv if fmt == "csv" else replay.write_parquet)(path, ups)
    first = _event_log(tmp_path, path)
    second = _event_log(tmp_path, path)
    assert len(first) > 1000
    assert first == second
    assert pump(system, iter(())) == 0
