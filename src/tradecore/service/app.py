"""The REST + WebSocket API and the dashboard (FastAPI).

Status codes: 201 an order was accepted for processing (its ``denial`` is null); 200 with a
``denial`` when tradecore refused it (risk, routing: a business "no" is data, with its reason
code) or with ``duplicate: true`` for a known client order id; 401 no or bad key; 403 the key
lacks the scope or the account; 404 an order the key cannot see (another account's orders are
indistinguishable from absent ones); 422 invalid input, naming the field; 429 rate limited.
"""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from importlib import resources
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request, Response, WebSocket
from fastapi.responses import HTMLResponse, JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.websockets import WebSocketDisconnect

from tradecore import __version__
from tradecore.journal.recovery import business_digest
from tradecore.model.commands import CancelOrder, ReplaceOrder, SubmitOrder
from tradecore.model.enums import OrderType
from tradecore.model.identifiers import AccountId, ClientOrderId, InstrumentId, Venue
from tradecore.model.orders import Order
from tradecore.service.auth import KeyStore, Principal
from tradecore.service.clock import MAX_STEPS_PER_REQUEST
from tradecore.service.logging import audit_log
from tradecore.service.models import (
    ClockOut,
    ClockRequest,
    DenialOut,
    DigestOut,
    ErrorOut,
    KillSwitchRequest,
    OrderOut,
    OrderRequest,
    ReplaceRequest,
)
from tradecore.service.runner import EngineService

Account = Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut},
    422: {"model": ErrorOut}, 429: {"model": ErrorOut},
}  # fmt: skip


def create_app(service: EngineService, keys: KeyStore, *, run_feed: bool = True) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(service.run()) if run_feed else None
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    app = FastAPI(title="tradecore", version=__version__, lifespan=lifespan)
    eng = service.system.engine
    metrics = service.metrics

    @app.middleware("http")
    async def timing(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        t0 = time.perf_counter()
        resp = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "other")
        metrics.http_latency.labels(path).observe(time.perf_counter() - t0)
        return resp

    def principal(scope: str) -> Callable[..., Principal]:
        def dep(x_api_key: Annotated[str | None, Header()] = None) -> Principal:
            p = keys.authenticate(x_api_key)
            if p is None:
                raise HTTPException(401, "missing or invalid API key (header X-API-Key)")
            if not keys.allow(p.key_id):
                raise HTTPException(429, "rate limit exceeded for this key")
            if scope not in p.scopes:
                raise HTTPException(403, f"key {p.key_id} lacks scope {scope}")
            return p

        return dep

    Read = Annotated[Principal, Depends(principal("read"))]
    Trade = Annotated[Principal, Depends(principal("trade"))]
    Admin = Annotated[Principal, Depends(principal("risk-admin"))]
    Operator = Annotated[Principal, Depends(principal("admin"))]

    def check_account(p: Principal, account: str) -> None:
        if not p.can_see(account):
            raise HTTPException(403, f"key {p.key_id} may not use account {account}")

    def visible_order(p: Principal, coid: str) -> Order:
        o = eng.orders.get(ClientOrderId(coid))
        if o is None or not p.can_see(o.account):
            raise HTTPException(404, f"no order {coid}")
        return o

    def order_out(res: Any) -> OrderOut:
        d = None if res.denial is None else DenialOut(**res.denial.to_dict())
        return OrderOut(
            order=None if res.order is None else res.order.snapshot(),
            denial=d,
            duplicate=res.duplicate,
        )

    # ------------------------------------------------------------------ operations
    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready", responses={503: {"model": ErrorOut}})
    async def ready(response: Response) -> dict[str, Any]:
        ok = service.running or not run_feed
        if not ok:
            response.status_code = 503
        return {"ready": ok, "seq": eng.seq, "market_steps": service.steps}

    @app.get("/metrics")
    async def prometheus() -> Response:
        service.venues()
        jr = eng.journal
        metrics.journal_lag.set(len(getattr(jr, "_events", ())))
        emergency = getattr(service.system.risk, "emergency", None)
        if emergency is not None:  # risk's trading state, one gauge per scope
            metrics.trading_state.clear()
            metrics.trading_state.labels("*").set(0)
            for scope, st in emergency.states.items():
                metrics.trading_state.labels(scope).set(st.state.severity)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    # ------------------------------------------------------------------ orders
    @app.post("/v1/orders", status_code=201, response_model=OrderOut, responses=ERRORS)
    async def submit(req: OrderRequest, p: Trade, response: Response) -> OrderOut:
        check_account(p, req.account)
        if (req.type in (OrderType.LIMIT, OrderType.STOP_LIMIT)) != (req.price is not None):
            raise HTTPException(
                422, "price: required for LIMIT and STOP_LIMIT orders, refused for the others"
            )
        cmd = SubmitOrder(
            client_order_id=ClientOrderId(req.client_order_id), account=AccountId(req.account),
            instrument_id=InstrumentId.of(req.symbol, Venue(req.venue)), side=req.side,
            order_type=req.type, quantity=Decimal(req.quantity),
            price=None if req.price is None else Decimal(req.price),
            time_in_force=req.time_in_force,
            post_only=req.post_only, reduce_only=req.reduce_only,
            trigger_price=None if req.trigger_price is None else Decimal(req.trigger_price),
            expire_ns=req.expire_ns, stp=req.stp,
            display_qty=None if req.display_qty is None else Decimal(req.display_qty),
        )  # fmt: skip
        existing = eng.orders.get(cmd.client_order_id)
        if existing is not None and not p.can_see(existing.account):
            raise HTTPException(409, "client_order_id already used")
        res = service.submit_timed(cmd)
        audit_log.info("order", key=p.key_id, account=req.account, coid=req.client_order_id,
                       denied=None if res.denial is None else res.denial.reason.value)  # fmt: skip
        if res.denial is not None or res.duplicate:
            response.status_code = 200
        return order_out(res)

    @app.delete("/v1/orders/{client_order_id}", response_model=OrderOut, responses=ERRORS)
    async def cancel(client_order_id: str, p: Trade) -> OrderOut:
        o = visible_order(p, client_order_id)
        res = eng.cancel(CancelOrder(client_order_id=o.client_order_id, account=o.account))
        audit_log.info("cancel", key=p.key_id, coid=client_order_id, ok=res.ok)
        return order_out(res)

    @app.post("/v1/orders/{client_order_id}/replace", response_model=OrderOut, responses=ERRORS)
    async def replace(client_order_id: str, req: ReplaceRequest, p: Trade) -> OrderOut:
        o = visible_order(p, client_order_id)
        check_account(p, req.account)
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

    @app.get("/v1/orders", responses=ERRORS)
    async def orders(
        p: Read,
        account: Account,
        open_only: bool = False,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> list[dict[str, Any]]:
        check_account(p, account)
        src = (
            eng.orders.open_orders(AccountId(account))
            if open_only
            else [o for o in eng.orders if o.account == account]
        )
        return [o.snapshot() for o in src[-limit:]]

    @app.get("/v1/orders/{client_order_id}", responses=ERRORS)
    async def order(client_order_id: str, p: Read) -> dict[str, Any]:
        o = visible_order(p, client_order_id)
        snap: dict[str, Any] = o.snapshot()
        snap["children"] = [c.snapshot() for c in eng.orders.children(o.client_order_id)]
        return snap

    @app.get("/v1/fills", responses=ERRORS)
    async def fills(
        p: Read, account: Account, limit: Annotated[int, Query(ge=1, le=2000)] = 100
    ) -> list[dict[str, Any]]:
        check_account(p, account)
        return [f for f in service.fills if f["account"] == account][-limit:]

    # ------------------------------------------------------------------ positions, portfolio
    @app.get("/v1/positions", responses=ERRORS)
    async def positions(p: Read, account: Account) -> list[dict[str, Any]]:
        check_account(p, account)
        return service.positions(account)

    @app.get("/v1/portfolio", responses=ERRORS)
    async def portfolio(p: Read, account: Account) -> dict[str, Any]:
        check_account(p, account)
        out = service.portfolio(account)
        out["equity_curve"] = [{"ts": t, "equity": e} for t, e in service.equity]
        return out

    # ------------------------------------------------------------------ risk
    @app.get("/v1/risk", responses=ERRORS)
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

    @app.post("/v1/risk/kill-switch", responses=ERRORS)
    async def kill_switch(req: KillSwitchRequest, p: Admin) -> dict[str, Any]:
        pipe: Any = service.system.risk
        if pipe is None:
            raise HTTPException(409, "risk is disabled")
        if req.scope != "*":
            check_account(p, req.scope)
        elif "*" not in p.accounts:
            raise HTTPException(403, "a global kill switch needs a key for all accounts")
        out: list[Any] = []
        flip = pipe.engage if req.engaged else pipe.release
        # on the engine's stack: its event is committed before the answer, so a restarted
        # serve has the switch as it was
        eng.call(lambda: out.append(flip(req.scope, p.key_id, req.why)))
        e = out[0]
        audit_log.warning(
            "kill_switch", key=p.key_id, scope=req.scope, engaged=req.engaged, why=req.why
        )
        return {"scope": e.scope, "engaged": e.engaged, "who": e.who, "why": e.why, "ts": e.ts}

    # ------------------------------------------------------------------ manual clock, digest
    @app.post(
        "/v1/admin/clock", response_model=ClockOut, responses={**ERRORS, 409: {"model": ErrorOut}}
    )
    async def clock(req: ClockRequest, p: Operator) -> ClockOut:
        if service.clock_mode != "manual":
            raise HTTPException(409, "the market runs on wall time (serve --clock manual)")
        if req.step - service.step > MAX_STEPS_PER_REQUEST:
            raise HTTPException(
                422, f"step: at most {MAX_STEPS_PER_REQUEST} steps ahead of {service.step}"
            )
        n = service.advance(req.step)
        return ClockOut(step=service.step, ts=service.system.clock.now_ns(), advanced=n)

    @app.get("/v1/admin/digest", response_model=DigestOut, responses=ERRORS)
    async def digest(p: Operator) -> DigestOut:
        biz = business_digest(eng, service.system.positions)
        return DigestOut(
            state_digest=eng.state_digest(), business_digest=biz, seq=eng.seq, step=service.step
        )

    # ------------------------------------------------------------------ venues, routing
    @app.get("/v1/venues", responses=ERRORS)
    async def venues(p: Read) -> list[dict[str, Any]]:
        return service.venues()

    @app.get("/v1/routing/decisions", responses=ERRORS)
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
    @app.websocket("/v1/stream")
    async def stream(ws: WebSocket, key: str = "", account: str = "") -> None:
        p = keys.authenticate(key or ws.headers.get("x-api-key"))
        if p is None or "read" not in p.scopes or (account and not p.can_see(account)):
            await ws.close(code=4401)
            return
        await ws.accept()
        accounts = frozenset([account]) if account else p.accounts
        q = service.connect(accounts)
        try:
            acct = account or next(
                iter(sorted(a for a in p.accounts if a != "*")), service.system.config.demo.account
            )
            await ws.send_json({"type": "snapshot", "data": {
                "account": acct, "positions": service.positions(acct),
                "portfolio": service.portfolio(acct),
                "open_orders": [o.snapshot() for o in eng.orders.open_orders(AccountId(acct))],
                "fills": [f for f in service.fills if f["account"] == acct][-50:],
                "venues": service.venues(),
                "equity_curve": [{"ts": t, "equity": e} for t, e in service.equity],
                "scopes": sorted(p.scopes),
            }})  # fmt: skip
            while True:
                await ws.send_text(await q.get())
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            service.disconnect(q)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def dashboard() -> HTMLResponse:
        html = (resources.files("tradecore.service") / "static" / "dashboard.html").read_text()
        return HTMLResponse(html)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)

    return app
