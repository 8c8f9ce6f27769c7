"""Docs point only inside the repository (issue 21: performance.md linked a file outside it and
cited issue numbers a reader of the repository cannot open)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)]*)?\)")


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_relative_links_resolve_to_files_in_the_repository(path: Path) -> None:
    for target, _ in LINK.findall(path.read_text()):
        if re.match(r"^[a-z]+://", target):
            continue
        resolved = (path.parent / target).resolve()
        assert resolved.is_relative_to(ROOT), f"{path.name}: {target} is outside the repository"
        assert resolved.exists(), f"{path.name}: {target} does not exist"


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_no_issue_numbers(path: Path) -> None:
    text = path.read_text()
    assert not re.search(r"\bissue \d+|\bthe issue\b", text, re.IGNORECASE), path.name
