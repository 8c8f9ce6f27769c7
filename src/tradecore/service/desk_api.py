"""The REST endpoints the dashboard needs besides the trading API: its session (key in a
header once, an HttpOnly cookie afterwards), the instruments with their precision, the book
per venue and consolidated, alerts, denials, the emergency state of an account and its fill
count. Who sees what follows the stream's rules (service/stream.py): market data and
instruments are for every key with ``read``; the rest only for the key's accounts; a global
state's who and why only for a key for all accounts."""

import json
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request, Response
from pydantic import BaseModel

from tradecore.marketdata.consolidated import ConsolidatedBook
from tradecore.model.identifiers import InstrumentId
from tradecore.service.auth import KeyStore, Principal
from tradecore.service.desk import AlertLog, FillCount
from tradecore.service.errors import ApiError
from tradecore.service.history import History
from tradecore.service.metrics import Metrics
from tradecore.service.runner import EngineService
from tradecore.service.security import API_KEY, client_of, identify, principal
from tradecore.service.session import COOKIE, SessionStore

ID_PATTERN = r"^[A-Za-z0-9_.:\-]+$"
Account = Annotated[str, Query(min_length=1, max_length=64, pattern=ID_PATTERN)]
Symbol = Annotated[str, Query(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9/_.\-]+$")]


class SessionOut(BaseModel):
    key_id: str
    accounts: list[str]
    scopes: list[str]
    expires_in_s: int


class SessionEnded(BaseModel):
    ended: bool


class InstrumentOut(BaseModel):
    symbol: str
    venues: list[str]
    base: str
    quote: str
    tick: str
    lot: str
    price_decimals: int
    quantity_decimals: int


class LevelOut(BaseModel):
    price: str
    size: str
    venue: str


class VenueBookOut(BaseModel):
    venue: str
    bids: list[LevelOut]
    asks: list[LevelOut]


class BookOut(BaseModel):
    symbol: str
    venues: list[VenueBookOut]
    consolidated: VenueBookOut  # venue "*", each level naming its venue


class ScopeStateOut(BaseModel):
    scope: str
    state: str
    who: str
    why: str
    source: str
    ts: int


class TradingStateOut(BaseModel):
    account: str
    state: str  # the effective one: the stricter of the account's and the global state
    scopes: list[ScopeStateOut]


class FillCountOut(BaseModel):
    account: str
    fills: int


def _decimals(x: Decimal) -> int:
    exp = x.normalize().as_tuple().exponent
    return max(0, -exp) if isinstance(exp, int) else 0


def install(
    app: FastAPI,
    service: EngineService,
    keys: KeyStore,
    metrics: Metrics,
    sessions: SessionStore,
    history: History,
    alerts: AlertLog,
    errors_doc: dict[int | str, dict[str, Any]],
) -> None:
    Read = Annotated[Principal, Depends(principal(keys, metrics, "read", sessions))]
    fill_count = FillCount(
        lambda: history.store, lambda a: sum(1 for f in service.fills if f["account"] == a)
    )

    def check_account(p: Principal, account: str) -> None:
        if not p.can_see(account):
            msg = f"key {p.key_id} may not use account {account}"
            raise ApiError(403, "account_forbidden", msg, field="query.account")

    def session_out(p: Principal) -> SessionOut:
        return SessionOut(
            key_id=p.key_id, accounts=sorted(p.accounts), scopes=sorted(p.scopes),
            expires_in_s=int(sessions.ttl_s),
        )  # fmt: skip

    tags: list[str | Enum] = ["session"]

    @app.post("/v1/session", tags=tags, response_model=SessionOut, responses=errors_doc)
    async def login(
        request: Request,
        response: Response,
        x_api_key: Annotated[str | None, Depends(API_KEY)] = None,
    ) -> SessionOut:
        """Exchange the key (header ``X-API-Key``, never the URL) for an HttpOnly session
        cookie: the dashboard's login."""
        p = identify(keys, metrics, x_api_key, client_of(request.client))
        if "read" not in p.scopes:
            raise ApiError(403, "missing_scope", f"key {p.key_id} lacks scope read")
        response.set_cookie(
            COOKIE, sessions.open(p), max_age=int(sessions.ttl_s), httponly=True,
            samesite="strict", secure=request.url.scheme == "https", path="/",
        )  # fmt: skip
        return session_out(p)

    @app.get("/v1/session", tags=tags, response_model=SessionOut, responses=errors_doc)
    async def whoami(p: Read) -> SessionOut:
        """The key behind this request (header or session cookie)."""
        return session_out(p)

    @app.delete("/v1/session", tags=tags, response_model=SessionEnded, responses=errors_doc)
    async def logout(request: Request, response: Response, p: Read) -> SessionEnded:
        """End the dashboard's session (its cookie stops working at once)."""
        ended = sessions.close(request.cookies.get(COOKIE))
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
        return SessionEnded(ended=ended)

    # ------------------------------------------------------------------ market
    @app.get(
        "/v1/instruments", tags=["market"], response_model=list[InstrumentOut],
        responses=errors_doc,
    )  # fmt: skip
    async def instruments(p: Read) -> list[InstrumentOut]:
        """Every symbol with its venues and precision (the coarsest tick and finest lot)."""
        by_symbol: dict[str, list[Any]] = {}
        for i in service.system.instruments:
            by_symbol.setdefault(i.id.symbol, []).append(i)
        out = []
        for sym, insts in sorted(by_symbol.items()):
            tick = max(i.tick_size for i in insts)
            lot = min(i.lot_size for i in insts)
            out.append(InstrumentOut(
                symbol=sym, venues=sorted(str(i.id.venue) for i in insts),
                base=str(insts[0].base.code), quote=str(insts[0].quote.code),
                tick=str(tick), lot=str(lot),
                price_decimals=max(_decimals(i.tick_size) for i in insts),
                quantity_decimals=max(_decimals(i.lot_size) for i in insts),
            ))  # fmt: skip
        return out

    @app.get("/v1/book", tags=["market"], response_model=BookOut, responses=errors_doc)
    async def book(
        p: Read, symbol: Symbol, levels: Annotated[int, Query(ge=1, le=50)] = 10
    ) -> BookOut:
        """Depth of ``symbol`` on each venue (best first) and the consolidated book."""
        insts = service.system.instruments.venues_for(symbol)
        if not insts:
            raise ApiError(404, "unknown_symbol", f"no instrument {symbol}", field="query.symbol")
        snaps = []
        for i in sorted(insts, key=lambda i: str(i.id.venue)):
            client = service.system.venues.get(i.id.venue)
            snap = None if client is None else client.book(InstrumentId.of(symbol, i.id.venue))
            if snap is not None:
                snaps.append(snap)

        def side(levels_: Any, venue: str) -> list[LevelOut]:
            return [LevelOut(price=str(lv.price), size=str(lv.size), venue=venue)
                    for lv in levels_[:levels]]  # fmt: skip

        merged = ConsolidatedBook(snaps)
        return BookOut(
            symbol=symbol,
            venues=[
                VenueBookOut(venue=str(s.instrument_id.venue),
                             bids=side(s.bids, str(s.instrument_id.venue)),
                             asks=side(s.asks, str(s.instrument_id.venue)))
                for s in snaps
            ],
            consolidated=VenueBookOut(
                venue="*",
                bids=[LevelOut(price=str(lv.price), size=str(lv.size), venue=str(lv.venue))
                      for lv in merged.bids[:levels]],
                asks=[LevelOut(price=str(lv.price), size=str(lv.size), venue=str(lv.venue))
                      for lv in merged.asks[:levels]],
            ),
        )  # fmt: skip

    # ------------------------------------------------------------------ the account's risk
    @app.get("/v1/alerts", tags=["risk"], responses=errors_doc)
    async def alert_list(
        p: Read, account: Account, limit: Annotated[int, Query(ge=1, le=500)] = 50
    ) -> list[dict[str, Any]]:
        """Recent risk alerts, breach actions, trading-state and kill-switch changes and
        strategy alerts of the account (firm-wide ones for a key for all accounts), newest
        first; kept in memory since the service started."""
        check_account(p, account)
        return alerts.for_account(account, p.accounts, limit)

    @app.get("/v1/denials", tags=["risk"], responses=errors_doc)
    async def denials(
        p: Read, account: Account, limit: Annotated[int, Query(ge=1, le=500)] = 50
    ) -> list[dict[str, Any]]:
        """The account's denied orders (reason code, message, check, limit, value), newest
        first, from the journal."""
        check_account(p, account)
        store = history.store
        if store is None:
            return []
        rows = store.account_page(account, ["OrderDenied"], limit=limit, newest_first=True)
        return [json.loads(payload) for _, payload in rows]

    @app.get(
        "/v1/risk/trading-state", tags=["risk"], response_model=TradingStateOut,
        responses=errors_doc,
    )  # fmt: skip
    async def trading_state(p: Read, account: Account) -> TradingStateOut:
        """The account's emergency state: its own and the global one (who and why of the
        global one only for a key for all accounts), and the effective, stricter one."""
        check_account(p, account)
        em = getattr(service.system.risk, "emergency", None)
        if em is None:
            return TradingStateOut(account=account, state="ACTIVE", scopes=[])
        scopes = []
        for scope in ("*", account):
            e = em.states.get(scope)
            if e is None:
                continue
            firm_only = scope == "*" and "*" not in p.accounts
            scopes.append(ScopeStateOut(
                scope=scope, state=e.state.value, source=e.source, ts=e.ts,
                who="" if firm_only else e.who, why="" if firm_only else e.why,
            ))  # fmt: skip
        eff = em.effective(account)
        return TradingStateOut(
            account=account, state="ACTIVE" if eff is None else eff.state.value, scopes=scopes
        )

    @app.get("/v1/fills/count", tags=["fills"], response_model=FillCountOut, responses=errors_doc)
    async def fills_count(p: Read, account: Account) -> FillCountOut:
        """How many fills the account has had, all of them (from the journal)."""
        check_account(p, account)
        return FillCountOut(account=account, fills=fill_count(account))
