"""The FIX order-entry gateway's engine side: FIX requests in, ExecutionReports out.

Everything here runs on the engine's thread (QuickFIX's threads only hand messages over:
:mod:`tradecore.service.fix.acceptor`), so it calls the engine's caller API directly, the
way the REST handlers do, and hears the engine's events on its bus.

* **In**: each message type has one handler (:data:`FixGateway.handlers`). An order goes
  through the REST request model (:func:`~tradecore.service.fix.requests.order_request`) and
  :func:`~tradecore.service.models.submit_command`, then the engine's ``submit``: the same
  validation, risk and router as REST, ClOrdID as the client order id (a repeated ClOrdID is
  answered with the order's status, never entered twice). A refusal before the engine is a
  rejected ExecutionReport with the reason code first in Text; a denial's code sets
  OrdRejReason (:data:`~tradecore.fix.tags.REJ_REASON_OF`).
* **Out**: the orders a session entered are followed by their events: every change of the
  order's status is one ExecutionReport (new, pending cancel/replace, canceled, replaced,
  expired, rejected) and every fill one Trade report (a SMART parent's fills are its
  children's, its status follows theirs). Cancel and replace refusals are OrderCancelReject.
  ExecID is the event's sequence number: unique and the same after a replay.
* **Drop copy**: a session configured ``drop_copy = true`` enters nothing; it receives the
  ExecutionReports of every order of its accounts, however entered (FIX, REST, strategies).
* **Ownership survives a restart**: an order entered over FIX carries its session in its tag
  (``fix:<SenderCompID>``, journaled, inherited by children and replacements), so after
  ``serve`` restarts on its journal the session's orders are reported to it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

import msgspec

from tradecore.engine.bus import MessageBus
from tradecore.engine.clock import Clock
from tradecore.engine.core import CommandResult
from tradecore.fix import tags as T
from tradecore.model.commands import CancelOrder, ReplaceOrder, SubmitOrder
from tradecore.model.enums import OrderStatus, ReasonCode
from tradecore.model.events import (
    Event,
    OrderCancelRejected,
    OrderDenied,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
    OrderReplaceRejected,
)
from tradecore.model.identifiers import AccountId, ClientOrderId
from tradecore.model.orders import Order
from tradecore.service.fix import answers as A
from tradecore.service.fix.config import FixConfig
from tradecore.service.fix.requests import FixRefusal, order_request, replace_request
from tradecore.service.models import submit_command

S = OrderStatus
TAG = "fix:"  # the tag of an order a FIX session entered: fix:<SenderCompID>
Send = Callable[[str, A.Outgoing], None]
#: the ExecType of a status change the gateway reports (fills have their own report)
STATUS_EXEC = {
    S.ACCEPTED: T.EXEC_NEW, S.CANCELED: T.EXEC_CANCELED, S.EXPIRED: T.EXEC_EXPIRED,
    S.REJECTED: T.EXEC_REJECTED, S.DENIED: T.EXEC_REJECTED,
    S.PENDING_CANCEL: T.EXEC_PENDING_CANCEL, S.PENDING_REPLACE: T.EXEC_PENDING_REPLACE,
}  # fmt: skip


class OrderStoreView(Protocol):
    def get(self, coid: ClientOrderId) -> Order | None: ...

    def open_orders(self, account: AccountId | None = None) -> list[Order]: ...


class OrderEntry(Protocol):
    """The engine's caller API as the gateway uses it (what REST uses, nothing more)."""

    @property
    def orders(self) -> OrderStoreView: ...

    @property
    def bus(self) -> MessageBus: ...

    @property
    def clock(self) -> Clock: ...

    def submit(self, cmd: SubmitOrder) -> CommandResult: ...

    def cancel(self, cmd: CancelOrder) -> CommandResult: ...

    def replace(self, cmd: ReplaceOrder) -> CommandResult: ...


class FixGateway:
    def __init__(self, engine: OrderEntry, config: FixConfig, send: Send) -> None:
        self.engine = engine
        self.clients = config.clients
        self.send = send
        self.owner: dict[ClientOrderId, str] = {}  # an order a session entered -> its CompID
        self._reported: dict[ClientOrderId, OrderStatus] = {}
        # the ClOrdID of an order's pending cancel or replace request (FIX answers with it)
        self._pending: dict[ClientOrderId, str] = {}
        self._refused = 0
        self._started = time.time_ns() // 1_000_000
        self._answered: set[ClientOrderId] = set()  # refusals sent from events, this command
        self._copies = tuple(c for c, cfg in sorted(self.clients.items()) if cfg.drop_copy)
        self.handlers: dict[str, Callable[[str, T.Fields], None]] = {
            T.NEW_ORDER_SINGLE: self._new, T.ORDER_CANCEL: self._cancel,
            T.ORDER_REPLACE: self._replace, T.ORDER_STATUS: self._status,
            T.MASS_CANCEL: self._mass_cancel,
        }  # fmt: skip
        engine.bus.subscribe_all(self._on_event)

    # ------------------------------------------------------------------ in
    def handle(self, comp: str, f: T.Fields) -> None:
        """One application message from session ``comp`` (on the engine's thread)."""
        handler = self.handlers.get(f.get(T.MSG_TYPE, ""))
        if handler is not None and comp in self.clients:  # a drop copy has no trade scope
            handler(comp, f)

    def _exec_id(self) -> str:
        """The ExecID of an answer no event stands behind (a refusal, a status): unique
        across restarts too (the gateway's start time, wall clock: it is never journaled)."""
        self._refused += 1
        return f"R{self._started}-{self._refused}"

    def _now(self) -> int:
        return self.engine.clock.now_ns()

    def _refuse_new(self, comp: str, f: T.Fields, code: str, text: str, account: str) -> None:
        self.send(comp, A.bare_reject(f, self._exec_id(), self._now(), code, text, account))

    def _account(self, comp: str, f: T.Fields) -> str:
        client = self.clients[comp]
        account = f.get(T.ACCOUNT) or client.default_account
        if account is None:
            raise FixRefusal(T.VALIDATION_ERROR, "Account(1): required (the session has several)")
        if not client.can_use(account):
            raise FixRefusal(T.ACCOUNT_FORBIDDEN, f"{comp} may not use account {account}", 1)
        return account

    def _scope(self, comp: str, scope: str) -> None:
        if scope not in self.clients[comp].scopes:
            raise FixRefusal(T.SCOPE_FORBIDDEN, f"{comp} lacks the {scope} scope")

    def _new(self, comp: str, f: T.Fields) -> None:
        account = f.get(T.ACCOUNT, "")
        try:
            self._scope(comp, "trade")
            account = self._account(comp, f)
            cmd = msgspec.structs.replace(submit_command(order_request(f, account)),
                                          tag=TAG + comp)  # fmt: skip
        except FixRefusal as e:
            self._refuse_new(comp, f, e.code, e.text, account)
            return
        except ValueError as e:  # price and type disagree (the REST rule)
            self._refuse_new(comp, f, T.VALIDATION_ERROR, f"Price(44): {e}", account)
            return
        coid = cmd.client_order_id
        existing = self.engine.orders.get(coid)
        if existing is not None and not self.clients[comp].can_use(existing.account):
            self._refuse_new(comp, f, T.DUPLICATE_ID, "ClOrdID(11) already used", account)
            return
        if existing is None:
            self.owner[coid] = comp  # before submit: its events are this session's
        res = self.engine.submit(cmd)
        if res.duplicate and res.order is not None:
            self._status_report(comp, res.order, "DUPLICATE_CLIENT_ORDER_ID: known order, "
                                "not entered again")  # fmt: skip
        elif res.denial is not None and (res.order is None or res.duplicate):
            self.owner.pop(coid, None)
            self._refuse_new(comp, f, res.denial.reason.value, res.denial.message, account)

    def _visible(self, comp: str, coid: str) -> Order:
        order = self.engine.orders.get(ClientOrderId(coid))
        if order is None or not self.clients[comp].can_use(order.account):
            raise FixRefusal(T.NOT_FOUND, f"no order {coid}", T.ORIG_CL_ORD_ID)
        return order

    def _cancel(self, comp: str, f: T.Fields) -> None:
        order: Order | None = None
        try:
            self._scope(comp, "trade")
            order = self._visible(comp, f.get(T.ORIG_CL_ORD_ID, ""))
        except FixRefusal as e:
            self.send(comp, A.cancel_reject(f, order, "1", e.code, e.text))
            return
        coid = order.client_order_id
        self._answered.discard(coid)
        self._pending[coid] = f.get(T.CL_ORD_ID, str(coid))
        res = self.engine.cancel(CancelOrder(client_order_id=coid, account=order.account))
        if res.denial is not None and coid not in self._answered:
            self._pending.pop(coid, None)
            self.send(comp, A.cancel_reject(f, order, "1", res.denial.reason.value,
                                            res.denial.message))  # fmt: skip

    def _replace(self, comp: str, f: T.Fields) -> None:
        order: Order | None = None
        try:
            self._scope(comp, "trade")
            order = self._visible(comp, f.get(T.ORIG_CL_ORD_ID, ""))
            req = replace_request(f, str(order.account))
        except FixRefusal as e:
            self.send(comp, A.cancel_reject(f, order, "2", e.code, e.text))
            return
        coid, new_id = order.client_order_id, ClientOrderId(req.new_client_order_id)
        if self.engine.orders.get(new_id) is None:
            self.owner[new_id] = comp
        self._answered.discard(coid)
        self._pending[coid] = str(new_id)
        res = self.engine.replace(
            ReplaceOrder(
                client_order_id=coid, new_client_order_id=new_id, account=order.account,
                quantity=None if req.quantity is None else Decimal(req.quantity),
                price=None if req.price is None else Decimal(req.price),
            )
        )  # fmt: skip
        if res.denial is not None and coid not in self._answered:
            self._pending.pop(coid, None)
            if self.owner.get(new_id) == comp and self.engine.orders.get(new_id) is None:
                self.owner.pop(new_id, None)
            self.send(comp, A.cancel_reject(f, order, "2", res.denial.reason.value,
                                            res.denial.message))  # fmt: skip

    def _status(self, comp: str, f: T.Fields) -> None:
        try:
            self._scope(comp, "read")
            order = self._visible(comp, f.get(T.CL_ORD_ID, ""))
        except FixRefusal as e:
            kind, fields = A.bare_reject(f, self._exec_id(), self._now(), e.code, e.text,
                                         f.get(T.ACCOUNT, ""))  # fmt: skip
            self.send(comp, (kind, [(t, T.EXEC_STATUS if t == T.EXEC_TYPE else v)
                                    for t, v in fields if t != T.ORD_REJ_REASON]))  # fmt: skip
            return
        self._status_report(comp, order, "")

    def _status_report(self, comp: str, order: Order, text: str) -> None:
        self.send(comp, A.execution_report(order, T.EXEC_STATUS, self._exec_id(), self._now(),
                                           text=text))  # fmt: skip

    def _mass_cancel(self, comp: str, f: T.Fields) -> None:
        kind = f.get(T.MASS_CANCEL_REQUEST_TYPE, "")
        try:
            self._scope(comp, "trade")
            if kind not in ("1", "7"):
                raise FixRefusal(T.UNSUPPORTED, "MassCancelRequestType(530): 1 or 7")
            if kind == "1" and not f.get(T.SYMBOL):
                raise FixRefusal(T.VALIDATION_ERROR, "Symbol(55): required for type 1")
            accounts = [self._account(comp, f)] if f.get(T.ACCOUNT) else None
        except FixRefusal as e:
            self.send(comp, A.mass_cancel_report(f, "0", 0, e.message))
            return
        client = self.clients[comp]
        n = 0
        for order in list(self.engine.orders.open_orders()):
            acct = str(order.account)
            if order.parent_id is not None or not client.can_use(acct):
                continue
            if accounts is not None and acct not in accounts:
                continue
            if kind == "1" and order.instrument_id.symbol != f.get(T.SYMBOL):
                continue
            res = self.engine.cancel(CancelOrder(client_order_id=order.client_order_id,
                                                 account=order.account))  # fmt: skip
            n += res.ok
        self.send(comp, A.mass_cancel_report(f, kind, n, ""))

    # ------------------------------------------------------------------ out
    def _root(self, e: Any) -> tuple[To, Order] | None:
        """The order event ``e`` is about as a client sees it (itself, or the parent of the
        child it names) and who hears of it: the session that entered it, and the drop-copy
        sessions of its account."""
        order = self.engine.orders.get(e.client_order_id)
        if order is not None and order.parent_id is not None:
            order = self.engine.orders.get(order.parent_id)
        if order is None:
            return None
        comp = self.owner.get(order.client_order_id)
        if comp is None and order.tag.startswith(TAG):
            comp = self.owner[order.client_order_id] = order.tag[len(TAG) :]
        if comp not in self.clients:
            comp = None
        copies = tuple(c for c in self._copies if self.clients[c].can_use(str(order.account)))
        return None if comp is None and not copies else (To(comp, copies), order)

    def _on_event(self, e: object) -> None:
        if not isinstance(e, Event) or not hasattr(e, "client_order_id"):
            return
        got = self._root(e)
        if got is None:
            return
        to, order = got
        handler = _EVENT_HANDLERS.get(type(e), FixGateway._changed)
        handler(self, to, order, e)

    def _tell(self, to: To, out: A.Outgoing) -> None:
        for comp in to.all:
            self.send(comp, out)

    def _changed(self, to: To, order: Order, e: Any) -> None:
        """Report the order's status if it changed since the last report."""
        coid = order.client_order_id
        st = order.status
        if self._reported.get(coid) is st or st not in STATUS_EXEC:
            return
        self._reported[coid] = st
        reason: ReasonCode | None = None
        if st in (S.REJECTED, S.DENIED) and isinstance(e, (OrderRejected, OrderDenied)):
            reason = e.reason
        text = getattr(e, "message", "") if st in (S.REJECTED, S.DENIED, S.CANCELED) else ""
        asked = self._pending.get(coid) if st in _ANSWERS_REQUEST else None
        kind, fields = A.execution_report(
            order, STATUS_EXEC[st], str(e.seq), e.ts, orig=None if asked is None else str(coid),
            reason=reason, text=text,
        )  # fmt: skip
        if asked is not None:  # the answer to a request carries the request's ClOrdID
            fields = [(t, asked if t == T.CL_ORD_ID else v) for t, v in fields]
        if st.is_terminal:
            self._pending.pop(coid, None)
        self._tell(to, (kind, fields))

    def _fill(self, to: To, order: Order, e: Any) -> None:
        assert isinstance(e, OrderFilled)
        coid = order.client_order_id
        self._reported[coid] = order.status
        self._tell(to, A.execution_report(order, T.EXEC_TRADE, str(e.seq), e.ts,
                                          last=(e.quantity, e.price)))  # fmt: skip

    def _replaced(self, to: To, order: Order, e: Any) -> None:
        assert isinstance(e, OrderReplaced)
        new = self.engine.orders.get(e.new_client_order_id)
        if e.client_order_id != order.client_order_id or new is None:
            return  # a child's replacement: nothing the client asked for
        if to.owner is not None:
            self.owner[new.client_order_id] = to.owner
        self._reported[new.client_order_id] = new.status
        self._reported[order.client_order_id] = order.status
        self._pending.pop(order.client_order_id, None)
        self._tell(to, A.execution_report(new, T.EXEC_REPLACED, str(e.seq), e.ts,
                                          orig=str(order.client_order_id)))  # fmt: skip

    def _refused_change(self, to: To, order: Order, e: Any) -> None:
        """A refused cancel or replace: OrderCancelReject to the session that asked."""
        assert isinstance(e, (OrderCancelRejected, OrderReplaceRejected))
        if e.client_order_id != order.client_order_id or to.owner is None:
            return
        coid = order.client_order_id
        self._answered.add(coid)
        self._reported[coid] = order.status
        kind = "1" if isinstance(e, OrderCancelRejected) else "2"
        req = {T.CL_ORD_ID: self._pending.pop(coid, str(coid)), T.ORIG_CL_ORD_ID: str(coid)}
        self.send(to.owner, A.cancel_reject(req, order, kind, e.reason.value, e.message))


class To(NamedTuple):
    """Who hears of an order: the session that entered it (None: REST, a strategy) and the
    drop-copy sessions of its account (ExecutionReports only)."""

    owner: str | None
    copies: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        return self.copies if self.owner is None else (self.owner, *self.copies)


_ANSWERS_REQUEST = frozenset({S.PENDING_CANCEL, S.CANCELED, S.PENDING_REPLACE})
_EVENT_HANDLERS: dict[type, Callable[[FixGateway, To, Order, Any], None]] = {
    OrderFilled: FixGateway._fill,
    OrderReplaced: FixGateway._replaced,
    OrderCancelRejected: FixGateway._refused_change,
    OrderReplaceRejected: FixGateway._refused_change,
}
