"""Replay recorded top-of-book quotes from CSV or Parquet.

Schema (both formats, one row per venue quote, in time order):

=========  ==========  ==================================================
column     type        meaning
=========  ==========  ==================================================
ts_ns      int         event time, nanoseconds since the Unix epoch (UTC)
venue      str         venue name, e.g. ``SIMA``
symbol     str         instrument symbol, e.g. ``BTC/USD``
bid        decimal     best bid price, written as text (exact)
bid_size   decimal     size at the best bid
ask        decimal     best ask price
ask_size   decimal     size at the best ask
=========  ==========  ==================================================

Decimals are text in both formats so no binary float ever touches a price. A malformed row
raises :class:`~tradecore.errors.ValidationError` naming the line (CSV) or row (Parquet) and
the column, before anything is replayed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path

from tradecore.errors import ValidationError
from tradecore.marketdata.types import MarketUpdate
from tradecore.model.identifiers import InstrumentId, Venue
from tradecore.model.values import to_decimal

COLUMNS = ("ts_ns", "venue", "symbol", "bid", "bid_size", "ask", "ask_size")


def _row(where: str, row: dict[str, str]) -> MarketUpdate:
    for col in COLUMNS:
        if row.get(col) in (None, ""):
            raise ValidationError(f"{where}, column {col}", "missing value")
    try:
        ts = int(row["ts_ns"])
    except ValueError:
        raise ValidationError(
            f"{where}, column ts_ns", f"{row['ts_ns']!r} is not an integer"
        ) from None
    vals: dict[str, Decimal] = {}
    for col in ("bid", "bid_size", "ask", "ask_size"):
        try:
            vals[col] = to_decimal(row[col], col)
        except ValidationError as e:
            raise ValidationError(f"{where}, column {col}", e.reason) from None
    if vals["bid"] >= vals["ask"]:
        raise ValidationError(f"{where}, column bid", f"bid {vals['bid']} >= ask {vals['ask']}")
    iid = InstrumentId.of(row["symbol"], Venue(row["venue"]))
    return MarketUpdate(
        ts, iid, ((vals["bid"], vals["bid_size"]),), ((vals["ask"], vals["ask_size"]),)
    )


def read_csv(path: str | Path) -> list[MarketUpdate]:
    """Parse the whole file first (nothing is half-replayed on a bad row)."""
    out: list[MarketUpdate] = []
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValidationError("header", f"missing columns {missing}")
        for row in reader:
            out.append(_row(f"line {reader.line_num}", row))
    _check_order(out)
    return out


def read_parquet(path: str | Path) -> list[MarketUpdate]:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    missing = [c for c in COLUMNS if c not in table.column_names]
    if missing:
        raise ValidationError("schema", f"missing columns {missing}")
    cols = {c: table.column(c).to_pylist() for c in COLUMNS}
    out = [
        _row(f"row {i + 1}", {c: "" if cols[c][i] is None else str(cols[c][i]) for c in COLUMNS})
        for i in range(table.num_rows)
    ]
    _check_order(out)
    return out


def read(path: str | Path) -> list[MarketUpdate]:
    p = Path(path)
    if p.suffix.lower() in (".parquet", ".pq"):
        return read_parquet(p)
    return read_csv(p)


def _check_order(updates: list[MarketUpdate]) -> None:
    for i in range(1, len(updates)):
        if updates[i].ts < updates[i - 1].ts:
            raise ValidationError(f"row {i + 1}, column ts_ns", "timestamps go backwards")


def _rows(updates: Iterable[MarketUpdate]) -> Iterator[dict[str, str]]:
    for u in updates:
        yield {
            "ts_ns": str(u.ts),
            "venue": u.instrument_id.venue,
            "symbol": u.instrument_id.symbol,
            "bid": str(u.bids[0][0]),
            "bid_size": str(u.bids[0][1]),
            "ask": str(u.asks[0][0]),
            "ask_size": str(u.asks[0][1]),
        }


def write_csv(path: str | Path, updates: Iterable[MarketUpdate]) -> None:
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(COLUMNS))
        w.writeheader()
        for r in _rows(updates):
            w.writerow(r)


def write_parquet(path: str | Path, updates: Iterable[MarketUpdate]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = list(_rows(updates))
    data = {c: [r[c] for r in rows] for c in COLUMNS}
    arrays = {
        c: pa.array([int(x) for x in data[c]], pa.int64())
        if c == "ts_ns"
        else pa.array(data[c], pa.string())
        for c in COLUMNS
    }
    pq.write_table(pa.table(arrays), path)
