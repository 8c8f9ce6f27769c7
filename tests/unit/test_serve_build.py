from __future__ import annotations

from pathlib import Path

import pytest

from tradecore.cli.serve import build_service


def test_a_service_built_without_a_journal_writes_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """journal=None used to open a SQLite file literally named 'None' in the working folder,
    so every later test service resumed the previous one's orders."""
    monkeypatch.chdir(tmp_path)
    _, service, _ = build_service(None, None, speed=1.0, demo_flow=False, journal=None)
    assert service.system.engine.journal is None and service.system.engine.seq == 0
    assert list(tmp_path.iterdir()) == []
