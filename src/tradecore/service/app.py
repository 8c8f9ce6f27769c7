"""The REST + WebSocket API and the dashboard (FastAPI).

Status codes: 201 an order was accepted for processing (its ``denial`` is null); 200 with a
``denial`` when tradecore refused it (risk, routing: a business "no" is data, with its reason
code) or with ``duplicate: true`` for a known client order id; 401 no or bad key; 403 the key
lacks the scope or the account; 404 an order the key cannot see (another account's orders are
indistinguishable from absent ones); 409 a client order id of another account; 413 a body
over the size limit; 422 invalid input, naming the field; 429 rate limited or too many failed
authentications (with ``Retry-After``); 503 not ready. Every error has the one body of
:mod:`tradecore.service.errors`.
"""

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from enum import Enum
from importlib import resources
from typing import Annotated, Any, Literal

import msgspec
from fastapi import Depends, FastAPI, Header, Path, Query, Request, Response, WebSocket
from fastapi.responses import HTMLResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from tradecore import __version__
from tradecore.journal.recovery import business_digest
from tradecore.model.commands import CancelOrder, ReplaceOrder, SubmitOrder
from tradecore.model.identifiers import AccountId, ClientOrderId
from tradecore.model.orders import Order
from tradecore.service import desk_api, errors
from tradecore.service.auth import KeyStore, Principal
from tradecore.service.clock import MAX_STEPS_PER_REQUEST
from tradecore.service.desk import AlertLog
from tradecore.service.errors import ApiError, ErrorOut
from tradecore.service.fastsubmit import FastSubmit
from tradecore.service.health import ExtraChecks, Probe
from tradecore.service.history import History
from tradecore.service.logging import audit_log
from tradecore.service.metrics import AccountFilter
from tradecore.service.models import (
    ClockOut,
    ClockRequest,
    DigestOut,
    HealthOut,
    KillSwitchOut,
    KillSwitchRequest,
    OrderOut,
    OrderRequest,
    Page,
    ReadyOut,
    ReplaceRequest,
    submit_command,
)
from tradecore.service.runner import EngineService
from tradecore.service.security import Verifier, client_of, identify, principal
from tradecore.service.session import SessionStore
from tradecore.service.stream import StreamHub
from tradecore.service.timing import RouteTiming
from tradecore.service.ws import serve_stream

ID_PATTERN = r"^[A-Za-z0-9_.:\-]+$"
Account = Annotated[str, Query(min_length=1, max_length=64, pattern=ID_PATTERN)]
OrderId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
Cursor = Annotated[int | None, Query(ge=0, le=2**62, description="seq to continue after")]
Direction = Annotated[
    Literal["desc", "asc"], Query(description="desc: newest first (default); asc: oldest first")
]
_RETRY = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "string"}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "unreadable body"},
    401: {"model": ErrorOut, "description": "no or bad key"},
    403: {"model": ErrorOut, "description": "scope or account not allowed"},
    404: {"model": ErrorOut, "description": "not found (or not visible to this key)"},
    409: {"model": ErrorOut, "description": "conflict"},
    413: {"model": ErrorOut, "description": "request body too large"},
    422: {"model": ErrorOut, "description": "invalid input, naming the field"},
    429: {"model": ErrorOut, "description": "rate limited", "headers": _RETRY},
}
_json = msgspec.json.Encoder().encode
PUBLIC_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "unreadable body"},
    413: ERRORS[413], 422: ERRORS[422], 429: ERRORS[429],
    503: {"model": ErrorOut, "description": "not ready"},
}  # fmt: skip


def create_app(
    service: EngineService,
    keys: KeyStore,
    *,
    run_feed: bool = True,
    readiness: ExtraChecks | None = None,
    max_body_bytes: int = errors.MAX_BODY_BYTES,
) -> FastAPI:
    """The API over ``service``. ``readiness``: extra /ready checks (name -> (ok, detail)),
    for a runner that knows more than the engine exposes."""
    feed: dict[str, Any] = {"task": None, "error": None}
    started = time.monotonic()

    def feed_done(t: asyncio.Task[None]) -> None:
        if not t.cancelled() and t.exception() is not None:
            feed["error"] = t.exception()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(service.run()) if run_feed else None
        if task is not None:
            task.add_done_callback(feed_done)
        feed["task"] = task
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    app = FastAPI(
        title="tradecore", version=__version__, lifespan=lifespan,
        description="Errors: `{\"error\": {\"code\", \"message\", \"field\", \"errors\"}}`. "
        "Pages: `{\"items\", \"next_cursor\"}`; see docs/service.md.",
    )  # fmt: skip
    errors.install(app)
    eng = service.system.engine
    metrics = service.metrics
    history = History(eng, lambda a: [f for f in service.fills if f["account"] == a])
    probe = Probe(
        eng, lambda: service.system.venues, lambda: service.running or not run_feed,
        lambda: feed["error"], readiness,
    )  # fmt: skip

    def owner_of(coid: str) -> str | None:
        o = eng.orders.get(ClientOrderId(coid))
        return None if o is None else str(o.account)

    def equity_account() -> str | None:
        return getattr(getattr(service.system.config, "demo", None), "account", None)

    def last_equity() -> tuple[str, tuple[int, str]] | None:
        acct = equity_account()
        return None if acct is None or not service.equity else (acct, service.equity[-1])

    def equity_curve(account: str) -> list[dict[str, Any]]:
        if account != equity_account():
            return []  # the equity curve is kept for the demo account only
        return [{"ts": t, "equity": e} for t, e in service.equity]

    hub = StreamHub(owner_of, service.positions, last_equity)
    eng.bus.subscribe_all(hub.on_message)

    sessions = SessionStore()  # the dashboard's logins (service/session.py)
    v = Verifier(keys, metrics)  # one scrypt per unverified key, whatever the route
    Read = Annotated[Principal, Depends(principal(keys, metrics, "read", sessions, v))]
    Trade = Annotated[Principal, Depends(principal(keys, metrics, "trade", sessions, v))]
    Admin = Annotated[Principal, Depends(principal(keys, metrics, "risk-admin", sessions, v))]
    Operator = Annotated[Principal, Depends(principal(keys, metrics, "admin", sessions, v))]
    alerts = AlertLog(eng.bus.subscribe, owner_of)
    desk_api.install(app, service, keys, metrics, sessions, history, alerts, ERRORS)

    def check_account(p: Principal, account: str, field: str = "query.account") -> None:
        if not p.can_see(account):
            raise ApiError(
                403, "account_forbidden", f"key {p.key_id} may not use account {account}",
                field=field,
            )  # fmt: skip

    def visible_order(p: Principal, coid: str) -> Order:
        o = eng.orders.get(ClientOrderId(coid))
        if o is None or not p.can_see(o.account):
            raise ApiError(404, "not_found", f"no order {coid}", field="path.client_order_id")
        return o

    def order_out(res: Any, status: int = 200) -> Response:
        """An :class:`OrderOut` body encoded at once (the route's ``response_model`` still
        documents it): built from the engine's result without a pydantic model, so it is
        neither validated again nor converted twice on the way out."""
        d = res.denial
        body = {
            "order": None if res.order is None else res.order.snapshot(),
            "denial": None if d is None else {
                "reason": d.reason.value, "message": d.message, "check": d.check,
                "limit": d.limit, "value": d.value,
            },
            "duplicate": res.duplicate,
        }  # fmt: skip
        return Response(_json(body), status_code=status, media_type="application/json")

    # ------------------------------------------------------------------ operations
    ops: list[str | Enum] = ["operations"]

    broken = {"model": ErrorOut, "description": "the process is up but broken: restart it"}

    @app.get("/health", tags=ops, response_model=HealthOut, responses={503: broken})
    async def health() -> HealthOut:
        """Liveness: the process answers and its market feed has not died."""
        ok, detail = probe.alive()
        if not ok:
            raise ApiError(503, "not_alive", detail)
        return HealthOut(
            status="ok", version=__version__, uptime_s=round(time.monotonic() - started, 3),
            detail=detail,
        )  # fmt: skip

    @app.get("/ready", tags=ops, response_model=ReadyOut, responses={503: {"model": ReadyOut}})
    async def ready(response: Response) -> ReadyOut:
        """Readiness: journal writable and keeping up, feed running, a venue connected."""
        checks = probe.checks()
        ok = all(c[0] for c in checks.values())
        if not ok:
            response.status_code = 503
        return ReadyOut.model_validate({
            "ready": ok, "seq": eng.seq, "market_steps": service.steps,
            "journal_lag": probe.journal_lag(),
            "checks": {k: {"ok": c[0], "detail": c[1]} for k, c in checks.items()},
        })  # fmt: skip

    @app.get(
        "/metrics", tags=ops, response_class=Response, responses={
            200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                  "description": "Prometheus text format"},
            401: ERRORS[401], 429: ERRORS[429]},
    )  # fmt: skip
    async def prometheus(
        request: Request,
        x_api_key: Annotated[
            str | None,
            Header(description="optional: a key with the metrics scope adds per-account series"),
        ] = None,
    ) -> Response:
        """Prometheus metrics; per-account series only for a key with the ``metrics`` scope."""
        service.venues()
        metrics.journal_lag.set(probe.journal_lag())
        emergency = getattr(service.system.risk, "emergency", None)
        if emergency is not None:  # risk's trading state: global in public, accounts by key
            metrics.trading_state.labels("*").set(0)
            metrics.account_trading_state.clear()
            for scope, st in emergency.states.items():
                if scope == "*":
                    metrics.trading_state.labels("*").set(st.state.severity)
                else:
                    metrics.account_trading_state.labels(scope).set(st.state.severity)
        metrics.ws_clients.set(len(hub.clients))
        out = generate_latest(metrics.registry)
        if x_api_key:
            p = identify(keys, metrics, x_api_key, client_of(request.client))
            if "metrics" in p.scopes:
                out += generate_latest(AccountFilter(metrics.account_registry, p.accounts))  # type: ignore[arg-type]
        return Response(out, media_type=CONTENT_TYPE_LATEST)

    # ------------------------------------------------------------------ orders
    tags: list[str | Enum] = ["orders"]

    @app.post(
        "/v1/orders", tags=tags, status_code=201, response_model=OrderOut,
        responses={**ERRORS, 200: {"model": OrderOut, "description": "refused or duplicate"}},
    )  # fmt: skip
    async def submit(req: OrderRequest, p: Trade) -> Response:
        return submitted(p, req, submit_checked(p, req))

    def submit_checked(p: Principal, req: OrderRequest) -> SubmitOrder:
        """The command of a submit, or the ApiError refusing it (nothing done yet)."""
        check_account(p, req.account, "body.account")
        try:
            cmd = submit_command(req)
        except ValueError as e:
            raise ApiError(422, "validation_error", str(e), field="body.price") from None
        existing = eng.orders.get(cmd.client_order_id)
        if existing is not None and not p.can_see(existing.account):
            raise ApiError(
                409, "duplicate_id", "client_order_id already used",
                field="body.client_order_id",
            )  # fmt: skip
        return cmd

    def submitted(p: Principal, req: OrderRequest, cmd: SubmitOrder) -> Response:
        res = service.submit_timed(cmd)  # journaled (committed under batch) when it returns
        # the journal is the audit of every order; this line only at log level debug
        audit_log.debug("order", key=p.key_id, account=req.account, coid=req.client_order_id,
                        denied=None if res.denial is None else res.denial.reason.value)  # fmt: skip
        return order_out(res, 200 if res.denial is not None or res.duplicate else 201)

    def quick_submit(token: str, body: bytes) -> Response | None:
        """A submit that needs none of FastAPI's machinery (service/fastsubmit.py): a key
        already verified, with the trade scope and within its rate, a valid body. None:
        anything else, answered by the route above (every refusal is the route's own)."""
        p = keys.cached(token)
        if p is None or "trade" not in p.scopes:
            return None
        try:  # as the route reads it: json.loads, then the model (pure: nothing done yet)
            req = OrderRequest.model_validate(json.loads(body))
            cmd = submit_checked(p, req)
        except Exception:  # invalid in any way: the route answers it, with its error body
            return None
        if not keys.allow(p.key_id):
            return None
        return submitted(p, req, cmd)

    @app.delete(
        "/v1/orders/{client_order_id}", tags=tags, response_model=OrderOut, responses=ERRORS
    )
    async def cancel(client_order_id: OrderId, p: Trade) -> Response:
        o = visible_order(p, client_order_id)
        res = eng.cancel(CancelOrder(client_order_id=o.client_order_id, account=o.account))
        audit_log.debug("cancel", key=p.key_id, coid=client_order_id, ok=res.ok)
        return order_out(res)

    @app.post(
        "/v1/orders/{client_order_id}/replace", tags=tags, response_model=OrderOut,
        responses=ERRORS,
    )  # fmt: skip
    async def replace(client_order_id: OrderId, req: ReplaceRequest, p: Trade) -> Response:
        o = visible_order(p, client_order_id)
        check_account(p, req.account, "body.account")
        res = eng.replace(
            ReplaceOrder(
                client_order_id=o.client_order_id,
                new_client_order_id=ClientOrderId(req.new_client_order_id),
                account=AccountId(req.account),
                quantity=None if req.quantity is None else Decimal(req.quantity),
                price=None if req.price is None else Decimal(req.price),
            )
        )  # fmt: skip
        return order_out(res)

    @app.get("/v1/orders", tags=tags, response_model=Page, responses=ERRORS)
    async def orders(
        p: Read,
        account: Account,
        open_only: bool = False,
        cursor: Cursor = None,
        order: Direction = "desc",
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> Page:
        """The account's orders, paged from the journal (``open_only``: the working ones)."""
        check_account(p, account)
        if open_only:
            src = [o.snapshot() for o in eng.orders.open_orders(AccountId(account))]
            return Page(items=src[::-1][:limit] if order == "desc" else src[:limit],
                        next_cursor=None)  # fmt: skip
        return Page.model_validate(history.orders(account, cursor, limit, order == "desc"))

    @app.get("/v1/orders/{client_order_id}", tags=tags, responses=ERRORS)
    async def order(client_order_id: OrderId, p: Read) -> dict[str, Any]:
        """One order with its children; a closed order evicted from memory comes from the
        journal (without children)."""
        o = eng.orders.get(ClientOrderId(client_order_id)) or history.order(client_order_id)
        if o is None or not p.can_see(o.account):
            raise ApiError(404, "not_found", f"no order {client_order_id}",
                           field="path.client_order_id")  # fmt: skip
        snap: dict[str, Any] = o.snapshot()
        snap["children"] = [c.snapshot() for c in eng.orders.children(o.client_order_id)]
        return snap

    @app.get("/v1/fills", tags=["fills"], response_model=Page, responses=ERRORS)
    async def fills(
        p: Read,
        account: Account,
        cursor: Cursor = None,
        order: Direction = "desc",
        limit: Annotated[int, Query(ge=1, le=2000)] = 100,
    ) -> Page:
        """The account's fills, paged from the journal."""
        check_account(p, account)
        return Page.model_validate(history.fills(account, cursor, limit, order == "desc"))

    # ------------------------------------------------------------------ positions, portfolio
    @app.get("/v1/positions", tags=["portfolio"], responses=ERRORS)
    async def positions(p: Read, account: Account) -> list[dict[str, Any]]:
        check_account(p, account)
        return service.positions(account)

    @app.get("/v1/portfolio", tags=["portfolio"], responses=ERRORS)
    async def portfolio(p: Read, account: Account) -> dict[str, Any]:
        check_account(p, account)
        out = service.portfolio(account)
        out["equity_curve"] = equity_curve(account)
        return out

    # ------------------------------------------------------------------ risk
    @app.get("/v1/risk", tags=["risk"], responses=ERRORS)
    async def risk(p: Read, account: Account) -> dict[str, Any]:
        check_account(p, account)
        monitor = service.system.extras.get("risk_monitor")
        pipe = service.system.risk
        if monitor is None or pipe is None:
            return {"enabled": False}
        util = monitor.evaluate(account)
        limits = pipe.limits(account).model_dump(mode="json")  # type: ignore[attr-defined]
        state: dict[str, Any] = pipe.state()  # type: ignore[attr-defined]
        state["working"] = pipe.ctx.working.view(account)  # type: ignore[attr-defined]
        return {"enabled": True, "limits": limits, "utilisation": util, "state": state}

    @app.post("/v1/risk/kill-switch", tags=["risk"], response_model=KillSwitchOut, responses=ERRORS)
    async def kill_switch(req: KillSwitchRequest, p: Admin) -> KillSwitchOut:
        pipe: Any = service.system.risk
        if pipe is None:
            raise ApiError(409, "risk_disabled", "risk is disabled")
        if req.scope != "*":
            check_account(p, req.scope, "body.scope")
        elif "*" not in p.accounts:
            raise ApiError(
                403, "account_forbidden", "a global kill switch needs a key for all accounts",
                field="body.scope",
            )  # fmt: skip
        out: list[Any] = []
        flip = pipe.engage if req.engaged else pipe.release
        # on the engine's stack: its event is committed before the answer, so a restarted
        # serve has the switch as it was
        eng.call(lambda: out.append(flip(req.scope, p.key_id, req.why)))
        e = out[0]
        audit_log.warning(
            "kill_switch", key=p.key_id, scope=req.scope, engaged=req.engaged, why=req.why
        )
        return KillSwitchOut(scope=e.scope, engaged=e.engaged, who=e.who, why=e.why, ts=e.ts)

    # ------------------------------------------------------------------ manual clock, digest
    @app.post("/v1/admin/clock", tags=["admin"], response_model=ClockOut, responses=ERRORS)
    async def clock(req: ClockRequest, p: Operator) -> ClockOut:
        """Manual clock: move the market to absolute step ``step`` (a lower one: no-op)."""
        if service.clock_mode != "manual":
            raise ApiError(
                409, "clock_not_manual", "the market runs on wall time (serve --clock manual)"
            )
        if req.step - service.step > MAX_STEPS_PER_REQUEST:
            msg = f"at most {MAX_STEPS_PER_REQUEST} steps ahead of {service.step}"
            raise ApiError(422, "too_far_ahead", msg, field="body.step")
        n = service.advance(req.step)
        return ClockOut(step=service.step, ts=service.system.clock.now_ns(), advanced=n)

    @app.get("/v1/admin/digest", tags=["admin"], response_model=DigestOut, responses=ERRORS)
    async def digest(p: Operator) -> DigestOut:
        """The engine's state digests (compare a run with another)."""
        biz = business_digest(eng, service.system.positions)
        return DigestOut(
            state_digest=eng.state_digest(), business_digest=biz, seq=eng.seq, step=service.step
        )

    # ------------------------------------------------------------------ venues, routing
    @app.get("/v1/venues", tags=["venues"], responses=ERRORS)
    async def venues(p: Read) -> list[dict[str, Any]]:
        return service.venues()

    @app.get("/v1/routing/decisions", tags=["routing"], responses=ERRORS)
    async def decisions(
        p: Read, account: Account, limit: Annotated[int, Query(ge=1, le=500)] = 50
    ) -> list[dict[str, Any]]:
        check_account(p, account)
        out = []
        for d in reversed(service.system.execution.decisions.recent(5000)):
            parent = eng.orders.get(d.parent_id)
            if parent is not None and parent.account == account:
                out.append(d.to_dict())
                if len(out) >= limit:
                    break
        return out

    # ------------------------------------------------------------------ streams
    def snapshot(acct: str, p: Principal) -> dict[str, Any]:
        return {
            "account": acct, "positions": service.positions(acct),
            "portfolio": service.portfolio(acct),
            "open_orders": [o.snapshot() for o in eng.orders.open_orders(AccountId(acct))],
            "fills": history.fills(acct, None, 50, True)["items"][::-1],
            "venues": service.venues(), "equity_curve": equity_curve(acct),
            "scopes": sorted(p.scopes),
        }  # fmt: skip

    @app.websocket("/v1/stream")
    async def stream(ws: WebSocket, key: str = "", account: str = "") -> None:
        await serve_stream(
            ws, key, account, keys=keys, metrics=metrics, hub=hub, snapshot=snapshot,
            default_account=equity_account() or "", sessions=sessions,
        )  # fmt: skip

    static = resources.files("tradecore.service") / "static"
    assets = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def dashboard() -> HTMLResponse:
        return HTMLResponse((static / "dashboard.html").read_text())

    @app.get("/static/{name}", include_in_schema=False)
    async def asset(name: str) -> Response:
        if name not in assets:  # only the dashboard's own files, never a path
            raise ApiError(404, "not_found", f"no static file {name}", field="path.name")
        return Response((static / name).read_text(), media_type=assets[name])

    # innermost first: the submit fast path inside the body limit, the timing around all
    route = next(r for r in app.routes if getattr(r, "endpoint", None) is submit)
    app.add_middleware(FastSubmit, quick=quick_submit, route=route)
    app.add_middleware(errors.BodyLimit, limit=max_body_bytes)
    app.add_middleware(RouteTiming, histogram=metrics.http_latency)
    return app
