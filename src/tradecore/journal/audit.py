"""Audit queries over the journal: an order's whole story, or an account over a period."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from tradecore.journal.store import AuditRow, JournalStore


def _iso(ts: int) -> str:
    return (
        datetime.fromtimestamp(ts / 1e9, tz=UTC)
        .isoformat(timespec="microseconds")
        .replace("+00:00", "Z")
    )


def _entry(r: AuditRow) -> dict[str, Any]:
    body = json.loads(r.payload)
    body.pop("type", None)
    return {
        "seq": r.seq,
        "time": _iso(r.ts),
        "kind": r.kind,
        "type": r.type,
        "order": r.coid,
        "data": body,
    }


def order_history(store: JournalStore, coid: str) -> list[dict[str, Any]]:
    """The order, its children (routed slices), their routing decisions, risk outcome,
    venue messages and fills, in sequence order."""
    ids = [coid]
    children_of = getattr(store, "children_of", None)
    if children_of is not None:
        frontier = [coid]
        while frontier:
            kids = children_of(frontier.pop())
            ids.extend(kids)
            frontier.extend(kids)
    return [_entry(r) for r in store.order_rows(ids)]


def account_history(store: JournalStore, account: str, since_ns: int = 0) -> list[dict[str, Any]]:
    return [_entry(r) for r in store.account_rows(account, since_ns)]


def parse_since(text: str) -> int:
    """ISO-8601 (``2026-01-01T10:00:00Z``) or integer nanoseconds."""
    if text.isdigit():
        return int(text)
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1e9)
