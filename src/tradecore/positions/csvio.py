"""Reading fills and marks CSV files (the data contracts of docs/positions.md).

Everything is parsed and validated before anything is applied: a malformed row raises
:class:`~tradecore.errors.ValidationError` whose field is ``line N, column C``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from tradecore.errors import ValidationError
from tradecore.model.enums import Side
from tradecore.model.values import to_decimal

FILL_COLUMNS = (
    "timestamp",
    "account",
    "instrument",
    "side",
    "quantity",
    "price",
    "fee",
    "fee_currency",
)
MARK_COLUMNS = ("instrument", "price")


@dataclass(frozen=True, slots=True)
class FillRow:
    line: int
    timestamp: datetime
    account: str
    instrument: str
    side: Side
    quantity: Decimal
    price: Decimal
    fee: Decimal
    fee_currency: str


def _open(path: str | Path, columns: tuple[str, ...]) -> tuple[csv.DictReader[str], list[str]]:
    p = Path(path)
    if not p.is_file():
        raise ValidationError(str(path), "file not found")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(str(path), "not a UTF-8 text file") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    reader.fieldnames = [h.strip() for h in (reader.fieldnames or [])]
    header = list(reader.fieldnames)
    missing = [c for c in columns if c not in header]
    if missing:
        raise ValidationError("line 1", f"missing column(s) {', '.join(missing)}")
    return reader, header


#: exact numbers in these files stay within this many powers of ten (1e999999 is refused)
MAX_EXPONENT = 30


def _rows(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, str | None]]]:
    """Non-blank rows with their line numbers; a row wider than the header or a CSV syntax
    error is a ValidationError naming the line."""
    it = iter(reader)
    while True:
        try:
            row = next(it)
        except StopIteration:
            return
        except csv.Error as e:
            raise ValidationError(f"line {reader.line_num}", f"not valid CSV: {e}") from None
        line = reader.line_num
        extra = row.pop(None, None)  # type: ignore[call-overload]
        if extra:
            raise ValidationError(f"line {line}", f"{len(extra)} more field(s) than the header")
        if any((v or "").strip() for v in row.values()):
            yield line, row


def _cell(row: dict[str, str | None], col: str, line: int) -> str:
    v = row.get(col)
    if v is None or v.strip() == "":
        raise ValidationError(f"line {line}, column {col}", "empty value")
    return v.strip()


def _dec(row: dict[str, str | None], col: str, line: int) -> Decimal:
    raw = _cell(row, col, line)
    try:
        d = to_decimal(raw, col)
    except ValidationError as e:
        raise ValidationError(f"line {line}, column {col}", e.reason) from None
    if not d.is_finite() or (d != 0 and abs(d.adjusted()) > MAX_EXPONENT):
        raise ValidationError(f"line {line}, column {col}", f"{raw!r} is out of range")
    return d


def read_fills(path: str | Path) -> list[FillRow]:
    reader, _ = _open(path, FILL_COLUMNS)
    out: list[FillRow] = []
    for line, row in _rows(reader):
        ts_raw = _cell(row, "timestamp", line)
        try:
            ts = datetime.fromisoformat(ts_raw.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(
                f"line {line}, column timestamp", f"{ts_raw!r} is not ISO-8601"
            ) from None
        side_raw = _cell(row, "side", line).upper()
        if side_raw not in ("BUY", "SELL"):
            raise ValidationError(f"line {line}, column side", f"{side_raw!r} is not BUY or SELL")
        qty = _dec(row, "quantity", line)
        if qty <= 0:
            raise ValidationError(f"line {line}, column quantity", f"{qty} must be > 0")
        fee_raw = (row.get("fee") or "").strip()
        fee = _dec(row, "fee", line) if fee_raw else Decimal(0)
        out.append(
            FillRow(
                line, ts, _cell(row, "account", line), _cell(row, "instrument", line),
                Side(side_raw), qty, _dec(row, "price", line), fee,
                (row.get("fee_currency") or "").strip().upper(),
            )
        )  # fmt: skip
    return out


def read_marks(path: str | Path) -> dict[str, Decimal]:
    reader, _ = _open(path, MARK_COLUMNS)
    marks: dict[str, Decimal] = {}
    for line, row in _rows(reader):
        marks[_cell(row, "instrument", line)] = _dec(row, "price", line)
    return marks


def read_returns(path: str | Path) -> tuple[list[str], list[Decimal]]:
    reader, _ = _open(path, ("date", "return"))
    dates: list[str] = []
    rets: list[Decimal] = []
    for line, row in _rows(reader):
        dates.append(_cell(row, "date", line))
        r = _dec(row, "return", line)
        if r <= -1:
            raise ValidationError(f"line {line}, column return", f"{r} <= -100%")
        rets.append(r)
    if len(rets) < 2:
        raise ValidationError("returns", "need at least two returns")
    return dates, rets
