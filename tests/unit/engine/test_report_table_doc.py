from __future__ import annotations

from pathlib import Path

from tradecore.engine.reports import TABLE, Report, table_markdown
from tradecore.model import OrderStatus

DOC = Path(__file__).parents[3] / "docs" / "execution.md"


def test_every_report_in_every_state_has_an_outcome() -> None:
    assert {(r, s) for r in Report for s in OrderStatus} == set(TABLE)


def test_docs_print_the_table_the_code_uses() -> None:
    text = DOC.read_text()
    doc = text.split("<!-- report-table:begin -->\n")[1].split("\n<!-- report-table:end -->")[0]
    assert doc == table_markdown()
