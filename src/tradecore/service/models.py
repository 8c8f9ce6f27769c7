"""Request and response models. Prices and quantities are decimal *strings* on the wire
(a JSON float would be a binary float); validation errors name the field."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from tradecore.model.enums import OrderType, Side, StpMode, TimeInForce


def _dec(v: Any) -> Any:
    if isinstance(v, float):
        raise ValueError("send decimals as strings, not JSON numbers (binary floats are refused)")
    if isinstance(v, bool):
        raise ValueError("not a number")
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        try:
            d = Decimal(v)
        except InvalidOperation:
            raise ValueError(f"{v!r} is not a decimal number") from None
        if not d.is_finite() or d <= 0:
            raise ValueError(f"{v!r} must be a finite number > 0")
        return v
    raise ValueError("must be a decimal string")


DecStr = Annotated[
    str, BeforeValidator(_dec), Field(examples=["0.25"], pattern=r"^[0-9]+(\.[0-9]+)?$")
]
Ident = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]


class OrderRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_order_id: Ident
    account: Ident
    symbol: Annotated[
        str,
        Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9/_.\-]+$", examples=["BTC/USD"]),
    ]
    venue: Annotated[str, Field(pattern=r"^[A-Z0-9_]{2,16}$")] = "SMART"
    side: Side
    type: OrderType = OrderType.MARKET
    quantity: DecStr
    price: DecStr | None = None
    time_in_force: TimeInForce = TimeInForce.IOC
    post_only: bool = False
    reduce_only: bool = False
    trigger_price: DecStr | None = None  # STOP_MARKET / STOP_LIMIT
    expire_ns: Annotated[int, Field(gt=0, lt=2**63)] | None = None  # GTD: ns since the epoch
    display_qty: DecStr | None = None  # iceberg: the quantity the book shows
    stp: StpMode | None = None  # self-trade prevention; None: the venue's mode


class ReplaceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account: Ident
    new_client_order_id: Ident
    quantity: DecStr | None = None
    price: DecStr | None = None


class KillSwitchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scope: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^(\*|[A-Za-z0-9_.:\-]+)$")]
    engaged: bool
    why: Annotated[str, Field(min_length=1, max_length=500)]


class ClockRequest(BaseModel):
    """Manual clock: move the market to absolute step ``step`` (a lower or equal one: no-op)."""

    model_config = ConfigDict(extra="forbid")
    step: Annotated[int, Field(ge=0, le=10**12, examples=[42])]


class ClockOut(BaseModel):
    step: int  # the last market step applied
    ts: int  # simulated time, ns
    advanced: int  # steps this request applied


class DigestOut(BaseModel):
    state_digest: str  # Engine.state_digest: every order's full snapshot and the event seq
    business_digest: str  # journal.recovery.business_digest: orders' outcome and positions
    seq: int
    step: int


class DenialOut(BaseModel):
    reason: str
    message: str
    check: str = ""
    limit: str = ""
    value: str = ""


class OrderOut(BaseModel):
    order: dict[str, Any] | None
    denial: DenialOut | None = None
    duplicate: bool = False


class ErrorOut(BaseModel):
    detail: str
