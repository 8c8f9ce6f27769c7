"""Request and response models. Prices and quantities are decimal *strings* on the wire
(a JSON float would be a binary float); validation errors name the field."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from tradecore.model.commands import DEFAULT_TIME_IN_FORCE, SubmitOrder, default_order_type
from tradecore.model.enums import OrderType, Side, StpMode, TimeInForce
from tradecore.model.identifiers import AccountId, ClientOrderId, InstrumentId, Venue
from tradecore.service.errors import ErrorOut as ErrorOut  # re-exported

# a positive decimal written out: digits, an optional fraction, no sign, no exponent
POSITIVE_DECIMAL = r"^([0-9]*[1-9][0-9]*(\.[0-9]+)?|[0-9]+\.[0-9]*[1-9][0-9]*)$"
_POSITIVE = re.compile(POSITIVE_DECIMAL)
MAX_DECIMAL_CHARS = 40


def _dec(v: Any) -> Any:
    if isinstance(v, float):
        raise ValueError("send decimals as strings, not JSON numbers (binary floats are refused)")
    if isinstance(v, bool | int):
        raise ValueError("send decimals as strings, not JSON numbers")
    if not isinstance(v, str):
        raise ValueError("must be a decimal string")
    if len(v) > MAX_DECIMAL_CHARS:
        raise ValueError(f"at most {MAX_DECIMAL_CHARS} characters")
    if not _POSITIVE.fullmatch(v):
        raise ValueError(f'{v!r} is not a positive decimal number such as "0.25"')
    return v


DecStr = Annotated[
    str,
    BeforeValidator(_dec),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": POSITIVE_DECIMAL,
            "maxLength": MAX_DECIMAL_CHARS,
            "examples": ["0.25"],
        }
    ),
]
MAX_NS = 2**62  # year 2116; a power of two, so a float reading of the bound is exact


def _ns(v: int) -> int:
    # compared as a float, as schema tools read JSON numbers: a value they take for MAX_NS
    # (within one float step of it) is accepted, everything they see above it refused
    if v <= 0 or float(v) > MAX_NS:
        raise ValueError(f"nanoseconds since the epoch, 1 to {MAX_NS}")
    return v


NanosSinceEpoch = Annotated[
    int,
    AfterValidator(_ns),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_NS}),
]
Ident = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]


# LIMIT and STOP_LIMIT need a price, the other types refuse one: said in the schema too, so
# a client (or a schema fuzzer) knows which bodies are valid without asking the server. With
# no type, the type follows from what is given (model.commands.default_order_type), so any
# price is valid.
PRICED_TYPES = ("LIMIT", "STOP_LIMIT")
_TYPED = {"properties": {"type": {"type": "string"}}, "required": ["type"]}
_PRICE_RULE: dict[str, Any] = {
    "if": {"properties": {"type": {"enum": list(PRICED_TYPES)}}, "required": ["type"]},
    "then": {"required": ["price"], "properties": {"price": {"type": "string"}}},
    "else": {"if": _TYPED, "then": {"properties": {"price": {"type": "null"}}}},
}


class OrderRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_PRICE_RULE)
    client_order_id: Ident
    account: Ident
    symbol: Annotated[
        str,
        Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9/_.\-]+$", examples=["BTC/USD"]),
    ]
    venue: Annotated[str, Field(pattern=r"^[A-Z0-9_]{2,16}$")] = "SMART"
    side: Side
    # omitted: from what is given (a price: LIMIT, a trigger price: STOP_MARKET, both:
    # STOP_LIMIT, neither: MARKET); time in force by type (MARKET IOC, the others GTC):
    # model.commands, the same defaults as the Python strategy API
    type: OrderType | None = None
    quantity: DecStr
    price: DecStr | None = None
    time_in_force: TimeInForce | None = None
    post_only: bool = False
    reduce_only: bool = False
    trigger_price: DecStr | None = None  # STOP_MARKET / STOP_LIMIT
    expire_ns: NanosSinceEpoch | None = None  # GTD
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


class Page(BaseModel):
    """One page: ``next_cursor`` is the seq to pass as ``cursor`` for the next page (null:
    this was the last page)."""

    items: list[dict[str, Any]]
    next_cursor: int | None


class CheckOut(BaseModel):
    ok: bool
    detail: str


class HealthOut(BaseModel):
    status: str
    version: str
    uptime_s: float
    detail: str


class ReadyOut(BaseModel):
    ready: bool
    seq: int
    market_steps: int
    journal_lag: int
    checks: dict[str, CheckOut]


class KillSwitchOut(BaseModel):
    scope: str
    engaged: bool
    who: str
    why: str
    ts: int


def submit_command(req: OrderRequest) -> SubmitOrder:
    """The engine command for a REST (or NATS) order request, with the one default table
    (docs/service.md); ValueError names the field when price and type disagree."""
    otype = req.type or default_order_type(req.price, req.trigger_price)
    if (otype.value in PRICED_TYPES) != (req.price is not None):
        raise ValueError("price: required for LIMIT and STOP_LIMIT orders, refused for the others")
    return SubmitOrder(
        client_order_id=ClientOrderId(req.client_order_id), account=AccountId(req.account),
        instrument_id=InstrumentId.of(req.symbol, Venue(req.venue)), side=req.side,
        order_type=otype, quantity=Decimal(req.quantity),
        price=None if req.price is None else Decimal(req.price),
        time_in_force=req.time_in_force or DEFAULT_TIME_IN_FORCE[otype],
        post_only=req.post_only, reduce_only=req.reduce_only,
        trigger_price=None if req.trigger_price is None else Decimal(req.trigger_price),
        expire_ns=req.expire_ns, stp=req.stp,
        display_qty=None if req.display_qty is None else Decimal(req.display_qty),
    )  # fmt: skip
