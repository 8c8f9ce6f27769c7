"""``tradecore positions``: positions and PnL from a fills CSV."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from tradecore.cli._common import print_json, user_errors
from tradecore.positions.csvio import read_fills, read_marks
from tradecore.positions.ledger import PositionLedger
from tradecore.positions.position import Method


def register(app: typer.Typer) -> None:
    @app.command()
    def positions(
        fills: Path = typer.Option(
            ..., "--fills", metavar="FILE", help="fills CSV (see docs/positions.md)"
        ),
        marks: Path | None = typer.Option(
            None, "--marks", metavar="FILE", help="marks CSV: instrument,price"
        ),
        method: Method = typer.Option(
            Method.AVERAGE, "--method", metavar="average|fifo", help="cost method"
        ),
        currency: str = typer.Option(
            "USD", "--currency", metavar="CCY", help="quote currency of non BASE/QUOTE symbols"
        ),
        as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
    ) -> None:
        """Positions, average price, realized and unrealized PnL from fills (exact decimals)."""
        with user_errors():
            rows = read_fills(fills)  # all rows parsed and checked before any is applied
            mark_map = read_marks(marks) if marks else {}
            ledger = PositionLedger(method, currency.upper())
            ledger.apply_rows(rows)
            data = ledger.to_json(mark_map)
        if as_json:
            print_json(data)
            return
        table = Table(title=f"positions ({method.value})")
        for col in (
            "account",
            "instrument",
            "quantity",
            "avg price",
            "realized",
            "unrealized",
            "ccy",
            "fees",
        ):
            table.add_column(
                col, justify="right" if col not in ("account", "instrument", "ccy") else "left"
            )
        for p in data["positions"]:
            fees = ", ".join(f"{v} {k}" for k, v in p["fees"].items())
            table.add_row(
                p["account"], p["instrument"], p["quantity"], p["avg_price"] or "-",
                p["realized_pnl"], p["unrealized_pnl"] or "-", p["currency"], fees,
            )  # fmt: skip
        Console().print(table)
