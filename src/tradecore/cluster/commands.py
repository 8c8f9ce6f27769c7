"""Commands in: submit / cancel / replace / kill switch as NATS requests to a shard.

Subjects ``<prefix>.cmd.<shard>.<op>``; the request body is the same JSON as the REST body
(validated by the same pydantic models, so the same field errors), and the answer is the
REST answer with its status code inside: ``{"status": 201, "order": {...}, "denial": null,
"duplicate": false}``; an error is ``{"status": 422, "detail": "quantity: ..."}``. The
client order id is the idempotency key, as over REST (a repeated submit answers 200 with
``duplicate: true``); the journal keeps it across restarts of the shard.

A shard answers only for its own accounts: another account is ``421`` (misdirected), so a
client with a stale account map learns it at once. The handler is plain code called on the
engine's thread (the shard's event loop); it never touches NATS itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pydantic

from tradecore.cluster.guard import ShardGuard
from tradecore.config_types import format_pydantic_error
from tradecore.engine.core import CommandResult, Engine
from tradecore.errors import ValidationError
from tradecore.model.commands import CancelOrder, ReplaceOrder, SubmitOrder
from tradecore.model.enums import OrderType
from tradecore.model.identifiers import AccountId, ClientOrderId, InstrumentId, Venue
from tradecore.service.models import Ident, KillSwitchRequest, OrderRequest, ReplaceRequest


class CancelRequest(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    account: Ident
    client_order_id: Ident


class ReplaceBody(ReplaceRequest):
    client_order_id: Ident


class Refused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def answer(res: CommandResult, created: int = 201) -> dict[str, Any]:
    ok = res.denial is None and not res.duplicate
    return {
        "status": created if ok else 200,
        "order": None if res.order is None else res.order.snapshot(),
        "denial": None if res.denial is None else res.denial.to_dict(),
        "duplicate": res.duplicate,
    }


class CommandHandler:
    """``handle(op, body) -> reply bytes`` for one shard (no I/O)."""

    def __init__(
        self,
        engine: Engine,
        shard: int,
        accounts: frozenset[str],
        guard: ShardGuard,
        extra: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] | None = None,
    ) -> None:
        self.engine = engine
        self.shard = shard
        self.accounts = accounts
        self.guard = guard
        self.ops: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "submit": self.submit,
            "cancel": self.cancel,
            "replace": self.replace,
            "kill": self.kill,
            "order": self.order,
            **(extra or {}),
        }

    def handle(self, op: str, body: bytes) -> bytes:
        fn = self.ops.get(op)
        try:
            if fn is None:
                raise Refused(404, f"unknown operation {op!r} (one of {', '.join(self.ops)})")
            try:
                data = json.loads(body or b"{}")
            except (ValueError, UnicodeDecodeError):
                raise Refused(422, "body: not JSON") from None
            if not isinstance(data, dict):
                raise Refused(422, "body: not a JSON object")
            out = fn(data)
        except Refused as r:
            out = {"status": r.status, "detail": r.detail}
        except pydantic.ValidationError as e:
            field, reason = format_pydantic_error(e)
            out = {"status": 422, "detail": f"{field}: {reason}"}
        except ValidationError as e:
            out = {"status": 422, "detail": f"{e.field}: {e.reason}"}
        return json.dumps(out, default=str, separators=(",", ":")).encode()

    def _own(self, account: str) -> None:
        if account not in self.accounts:
            raise Refused(421, f"account {account} is not on shard {self.shard}")

    # ------------------------------------------------------------------ operations
    def submit(self, data: dict[str, Any]) -> dict[str, Any]:
        req = OrderRequest.model_validate(data)
        self._own(req.account)
        if (req.type is OrderType.LIMIT) != (req.price is not None):
            raise Refused(422, "price: required for LIMIT orders and refused for MARKET orders")
        cmd = SubmitOrder(
            client_order_id=ClientOrderId(req.client_order_id), account=AccountId(req.account),
            instrument_id=InstrumentId.of(req.symbol, Venue(req.venue)), side=req.side,
            order_type=req.type, quantity=Decimal(req.quantity),
            price=None if req.price is None else Decimal(req.price),
            time_in_force=req.time_in_force, post_only=req.post_only,
            reduce_only=req.reduce_only,
        )  # fmt: skip
        existing = self.engine.orders.get(cmd.client_order_id)
        if existing is not None and existing.account != cmd.account:
            raise Refused(409, "client_order_id already used")
        return answer(self.engine.submit(cmd))

    def _visible(self, account: str, coid: str) -> None:
        self._own(account)
        o = self.engine.orders.get(ClientOrderId(coid))
        if o is None or o.account != account:
            raise Refused(404, f"no order {coid}")

    def cancel(self, data: dict[str, Any]) -> dict[str, Any]:
        req = CancelRequest.model_validate(data)
        self._visible(req.account, req.client_order_id)
        cmd = CancelOrder(
            client_order_id=ClientOrderId(req.client_order_id), account=AccountId(req.account)
        )
        return answer(self.engine.cancel(cmd), created=200)

    def replace(self, data: dict[str, Any]) -> dict[str, Any]:
        req = ReplaceBody.model_validate(data)
        self._visible(req.account, req.client_order_id)
        cmd = ReplaceOrder(
            client_order_id=ClientOrderId(req.client_order_id),
            new_client_order_id=ClientOrderId(req.new_client_order_id),
            account=AccountId(req.account),
            quantity=None if req.quantity is None else Decimal(req.quantity),
            price=None if req.price is None else Decimal(req.price),
        )  # fmt: skip
        return answer(self.engine.replace(cmd), created=200)

    def kill(self, data: dict[str, Any]) -> dict[str, Any]:
        req = KillSwitchRequest.model_validate(data)
        if req.scope != "*":
            self._own(req.scope)
        pipe = self.guard.inner
        if pipe is None:
            raise Refused(409, "risk is disabled")
        e = (pipe.engage if req.engaged else pipe.release)(req.scope, "nats", req.why)
        return {"status": 200, "scope": e.scope, "engaged": e.engaged, "who": e.who,
                "why": e.why, "ts": e.ts}  # fmt: skip

    def order(self, data: dict[str, Any]) -> dict[str, Any]:
        req = CancelRequest.model_validate(data)
        self._visible(req.account, req.client_order_id)
        o = self.engine.orders.get(ClientOrderId(req.client_order_id))
        assert o is not None
        return {"status": 200, "order": o.snapshot()}
