"""Risk events published on the engine bus (and journaled as audit records)."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from tradecore.model import codec


class RiskAlert(msgspec.Struct, frozen=True, gc=False, tag=True, tag_field="type"):
    ts: int
    account: str
    level: str  # OK | WARN | BREACH
    limit: str  # e.g. "max_var", "max_gross_exposure", "max_position:BTC/USD"
    value: Decimal
    threshold: Decimal
    utilisation_pct: Decimal


class KillSwitchChanged(msgspec.Struct, frozen=True, gc=False, tag=True, tag_field="type"):
    ts: int
    scope: str  # "*" (global) or an account
    engaged: bool
    who: str
    why: str


class BreachActionTaken(msgspec.Struct, frozen=True, gc=False, tag=True, tag_field="type"):
    ts: int
    account: str
    action: str
    limit: str
    detail: str


class ReplaceChecked(msgspec.Struct, frozen=True, gc=False, tag=True, tag_field="type"):
    """The pre-trade decision on an amendment (allowed or denied), for the audit trail:
    the order as it would become, and for a denial the check, its limit and the value."""

    ts: int
    account: str
    client_order_id: str
    quantity: Decimal
    price: Decimal | None
    allowed: bool
    reason: str = ""
    message: str = ""
    check: str = ""
    limit: str = ""
    value: str = ""


class FlattenReport(msgspec.Struct, frozen=True, gc=False, tag=True, tag_field="type"):
    """How a flatten of one position ended: ``flat``, or ``stuck`` with the exact reason."""

    ts: int
    account: str
    symbol: str
    status: str  # flat | stuck
    position: Decimal  # what is left
    slices: int
    detail: str
    who: str
    why: str


codec.register(RiskAlert, KillSwitchChanged, BreachActionTaken, ReplaceChecked, FlattenReport)

# risk records the composition root sends to the journal's audit trail
AUDIT_RECORDS: tuple[type[msgspec.Struct], ...] = (
    RiskAlert,
    KillSwitchChanged,
    BreachActionTaken,
    ReplaceChecked,
    FlattenReport,
)
