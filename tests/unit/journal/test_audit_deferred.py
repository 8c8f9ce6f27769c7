"""Audit records (routing decisions, risk events) are encoded off the order path: at the
engine's idle moments, or at the latest before the batch that holds them is written or handed
to the writer process, with the same rows in the same batches as when they were encoded at
once."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest

from tradecore.bootstrap import System, build_system
from tradecore.config import load_config
from tradecore.demo import run_demo
from tradecore.errors import JournalError
from tradecore.journal import Durability, Journal
from tradecore.journal.store import SQLiteStore
from tradecore.model import codec
from tradecore.risk.events import AUDIT_RECORDS, KillSwitchChanged, RiskAlert
from tradecore.routing.decisions import RoutingDecision

AuditRow = tuple[int, int, str, str | None, str | None, bytes]
# (durability, writer process): batch; group written in the engine; group with its writer
MODES = [(Durability.BATCH, False), (Durability.GROUP, False), (Durability.GROUP, True)]
IDS = ["batch", "group-inline", "group-writer"]


def stored(path: Path) -> list[AuditRow]:
    s = SQLiteStore(path)
    try:
        q = "SELECT seq, ts, type, account, coid, payload FROM audit ORDER BY id"
        return [tuple(r) for r in s.db.execute(q)]  # type: ignore[misc]
    finally:
        s.close()


def expected_row(jr: Journal, obj: Any) -> AuditRow:
    """The row the journal wrote when it encoded each record at once (its column rules)."""
    coid = getattr(obj, "parent_id", getattr(obj, "client_order_id", None))
    return (jr.last_seq, obj.ts, type(obj).__name__, getattr(obj, "account", None), coid,
            codec.dumps(obj))  # fmt: skip


def alert(ts: int, n: int) -> RiskAlert:
    return RiskAlert(ts, "A", "WARN", "max_var", Decimal(n), Decimal("100"), Decimal(n))


class Batches:
    """The audit rows of each batch the journal commits (in the engine) or hands to its
    writer process (one message of rows), in order."""

    def __init__(self, jr: Journal) -> None:
        self.jr = jr
        self.audit: list[list[AuditRow]] = []
        w = jr.writer
        if w is not None:
            send = w._write

            def spy_send(kind: bytes, body: bytes | bytearray = b"") -> None:
                if kind == b"R":
                    rows = msgspec.msgpack.decode(bytes(body))
                    self.audit.append([(*r[1:6], r[7]) for r in rows if r[0] == 1])
                send(kind, body)

            w._write = spy_send  # type: ignore[method-assign]
        else:
            store = jr.store
            assert store is not None
            append = store.append

            def spy_append(events: Any, audit: Any) -> None:
                self.audit.append([(*r[:5], r[6]) for r in audit])
                append(events, audit)

            store.append = spy_append  # type: ignore[method-assign]

    def index(self) -> int:
        """The batch a record made now goes in: the next one committed or sent."""
        w = self.jr.writer
        return len(self.audit) if w is None else w.sent


def run(path: Path, durability: Durability, writer: bool, idle: bool) -> Iterator[Any]:
    """A demo run (SMART orders: routing decisions) with kill-switch records and risk alerts
    published between commands; yields (system, journal, expected rows by batch)."""
    jr = Journal(SQLiteStore(path), durability, background=writer, group_ms=1)
    cfg = load_config(None, {"demo": {"seconds": 6}})
    system = build_system(cfg, journal=jr)
    jr._clock_ns = system.clock.now_ns
    batches = Batches(jr)
    expected: dict[int, list[AuditRow]] = {}

    def capture(obj: Any) -> None:
        expected.setdefault(batches.index(), []).append(expected_row(jr, obj))

    for kind in (RoutingDecision, *AUDIT_RECORDS):
        system.engine.bus.subscribe(kind, capture)  # after the journal: the same moment
    run_demo(cfg, seconds=6, system=system)
    for i in range(5):
        ts = system.clock.now_ns()
        system.engine.bus.publish(KillSwitchChanged(ts, "*", i % 2 == 0, "ops", f"drill {i}"))
        system.engine.bus.publish(alert(ts, i))
        if idle:
            system.collector.idle()
        if i % 2:
            jr.commit()
    yield system, jr, batches, expected


@pytest.mark.parametrize(("durability", "writer"), MODES, ids=IDS)
@pytest.mark.parametrize("idle", [False, True], ids=["no-idle", "idle"])
def test_audit_rows_are_the_same_bytes_in_the_same_batches(
    tmp_path: Path, durability: Durability, writer: bool, idle: bool
) -> None:
    path = tmp_path / "a.db"
    for _system, jr, batches, expected in run(path, durability, writer, idle):
        assert (jr.writer is not None) is writer
        jr.close()  # the last records, never committed, go with the last batch
        got = {i: rows for i, rows in enumerate(batches.audit) if rows}
        assert got == expected
        flat = [r for i in sorted(expected) for r in expected[i]]
        assert len(flat) > 10 and {r[2] for r in flat} >= {"RoutingDecision", "RiskAlert"}
        assert stored(path) == flat


def counting(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    calls: list[Any] = []
    real = codec.dumps

    def dumps(obj: Any) -> bytes:
        calls.append(obj)
        return real(obj)

    monkeypatch.setattr(codec, "dumps", dumps)
    return calls


@pytest.mark.parametrize(("durability", "writer"), MODES, ids=IDS)
def test_a_record_is_encoded_at_the_idle_hook_not_when_made_nor_at_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, durability: Durability, writer: bool
) -> None:
    jr = Journal(SQLiteStore(tmp_path / "i.db"), durability, background=writer)
    system: System = build_system(load_config(None, {}), journal=jr)
    calls = counting(monkeypatch)
    records = [alert(10 + i, i) for i in range(3)]
    for r in records:
        jr.record(r)
    assert calls == []  # nothing encoded on the order path
    system.collector.idle()  # the composition root gave the engine's idle hook the journal's
    assert calls == records
    jr.commit()
    jr.flush()
    assert calls == records  # the commit had nothing left to encode
    jr.idle()  # nothing pending: nothing done
    assert calls == records
    assert [r[5] for r in stored(tmp_path / "i.db")] == [codec.dumps(r) for r in records]
    jr.close()


@pytest.mark.parametrize(("durability", "writer"), MODES, ids=IDS)
def test_a_record_committed_without_any_idle_call_is_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, durability: Durability, writer: bool
) -> None:
    path = tmp_path / "c.db"
    jr = Journal(SQLiteStore(path), durability, background=writer)
    payload = codec.dumps(alert(1, 1))
    calls = counting(monkeypatch)
    jr.record(alert(1, 1))
    assert calls == []
    jr.commit()  # batch: written now; group: at the window's end or the flush
    jr.flush()
    assert calls == [alert(1, 1)]
    assert stored(path) == [(0, 1, "RiskAlert", "A", None, payload)]
    jr.record(alert(2, 2))
    jr.close()  # never committed nor idle: close keeps it
    assert len(calls) == 2
    assert [r[1] for r in stored(path)] == [1, 2]


def test_the_writer_sends_records_alone_when_the_group_window_passes(tmp_path: Path) -> None:
    import time

    jr = Journal(SQLiteStore(tmp_path / "w.db"), Durability.GROUP, group_ms=1)
    assert jr.writer is not None
    jr.record(alert(1, 1))  # no event row waits with it
    time.sleep(0.005)
    jr.commit()
    assert jr.commits == 1  # handed over at the window's end, not at the next flush
    jr.close()
    assert len(stored(tmp_path / "w.db")) == 1


@pytest.mark.parametrize(("durability", "writer"), MODES, ids=IDS)
@pytest.mark.parametrize("found_by", ["idle", "close"])
def test_an_unencodable_record_is_raised_and_nothing_else_is_lost(
    tmp_path: Path, durability: Durability, writer: bool, found_by: str
) -> None:
    path = tmp_path / "u.db"
    jr = Journal(SQLiteStore(path), durability, background=writer)
    jr.record(alert(1, 1))
    jr.record(object())  # no record type of the codec
    jr.record(alert(3, 3))
    with pytest.raises(JournalError, match="not encodable"):
        getattr(jr, found_by)()
    if found_by == "idle":
        jr.close()
    assert [r[1] for r in stored(path)] == [1, 3]
