"""The WebSocket stream sends each message only to the keys allowed to see it (issue 15:
RoutingDecision, which carries no account, and KillSwitchChanged reached every account).

The list of message types is derived from the code: every tagged record of tradecore (the
events, commands, risk events and routing decisions that travel on the bus) and the market
quote. A new type without a rule in ``stream.RULES`` fails the first test."""

from __future__ import annotations

import asyncio
import importlib
import json
import pkgutil
import time
from decimal import Decimal
from typing import Any

import msgspec
import websockets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tradecore
from tests.integration.service.conftest import Server
from tradecore.model.identifiers import InstrumentId, Venue
from tradecore.model.market import Quote
from tradecore.model.values import Currency, Money
from tradecore.service.stream import NEVER, RULES, StreamHub

OWNERS = {"pa": "A", "pb": "B"}  # parent order -> account


def message_types() -> set[type[Any]]:
    for m in pkgutil.walk_packages(tradecore.__path__, "tradecore."):
        if not m.name.endswith(("__main__", "writer_main")):
            importlib.import_module(m.name)

    def subs(c: type[Any]) -> list[type[Any]]:
        return [x for s in c.__subclasses__() for x in (s, *subs(s))]

    tagged = {
        s for s in subs(msgspec.Struct)
        if s.__module__.startswith("tradecore.") and s.__struct_config__.tag is not None
    }  # fmt: skip
    return tagged | {Quote}


def test_every_message_type_has_a_stream_rule() -> None:
    types = message_types()
    assert len(types) >= 20  # the 13 order events, risk events, decisions, commands, quote
    missing = sorted(t.__name__ for t in types if t not in RULES)
    assert not missing, f"no stream rule for {missing}: add one to service/stream.py RULES"


def owner_by_content(m: Any) -> str:
    """Whose data a message is, read off its fields (independently of the rule table)."""
    if hasattr(m, "account"):
        return str(m.account)
    if hasattr(m, "scope"):
        return "FIRM" if m.scope == "*" else str(m.scope)
    if hasattr(m, "parent_id"):
        return OWNERS.get(str(m.parent_id), "FIRM")
    if isinstance(m, Quote):
        return "PUBLIC"
    return "FIRM"


iid = st.sampled_from(
    [InstrumentId.of("BTC/USD", Venue("SIMA")), InstrumentId.of("ETH/USD", Venue("SIMB"))]
)
st.register_type_strategy(InstrumentId, iid)
st.register_type_strategy(
    Money, st.builds(Money, st.decimals(0, 10, places=2), st.just(Currency("USD")))
)
st.register_type_strategy(Decimal, st.decimals(0, 1000, places=4))
OVERRIDES: dict[str, st.SearchStrategy[Any]] = {
    "account": st.sampled_from(["A", "B"]),
    "scope": st.sampled_from(["A", "B", "*"]),
    "parent_id": st.sampled_from(["pa", "pb", "p-unknown"]),
}


def sample(t: type[Any]) -> st.SearchStrategy[Any]:
    fields = getattr(t, "__struct_fields__", ())
    return st.builds(t, **{k: v for k, v in OVERRIDES.items() if k in fields})


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_each_message_reaches_only_the_streams_allowed_to_see_it(data: st.DataObject) -> None:
    for t in sorted(RULES, key=lambda t: t.__name__):
        m = data.draw(sample(t), label=t.__name__)
        hub = StreamHub(OWNERS.get, lambda acct: [{"account": acct}])
        qa, qb, qstar = hub.connect({"A"}), hub.connect({"B"}), hub.connect({"*"})
        hub.on_message(m)
        owner = owner_by_content(m)
        for q, mine in ((qa, "A"), (qb, "B")):
            got = [json.loads(q.get_nowait()) for _ in range(q.qsize())]
            for msg in got:  # safety: never another account's or the firm's data
                assert owner in (mine, "PUBLIC"), (t.__name__, owner, mine, msg)
                if msg["type"] == "positions":
                    assert msg["data"] == [{"account": mine}]
            if RULES[t](m, OWNERS.get) != NEVER and owner in (mine, "PUBLIC"):
                assert got, f"{t.__name__} of {owner} did not reach its stream"
        if RULES[t](m, OWNERS.get) != NEVER:
            assert qstar.qsize() >= 1, f"{t.__name__} did not reach the all-accounts stream"
        else:
            assert qstar.qsize() == 0


def test_equity_goes_to_its_account_only() -> None:
    point = [(1, "100")]
    hub = StreamHub(OWNERS.get, lambda a: [], lambda: ("A", point[-1]))
    qa, qb = hub.connect({"A"}), hub.connect({"B"})
    hub.on_message(Quote(InstrumentId.of("BTC/USD", Venue("SIMA")), Decimal(1), Decimal(2),
                         Decimal(1), Decimal(1), 10**9))  # fmt: skip
    kinds = [json.loads(qa.get_nowait())["type"] for _ in range(qa.qsize())]
    assert kinds == ["quote", "equity"]
    assert [json.loads(qb.get_nowait())["type"] for _ in range(qb.qsize())] == ["quote"]


def test_live_stream_of_one_account_never_carries_another_accounts_data(server: Server) -> None:
    """Against the running server: OTHER trades and gets a kill switch while DEMO's stream
    and OTHER's stream listen; every bus message type seen has a rule."""
    ws_url = server.url.replace("http", "ws") + "/v1/stream"
    seen_on_bus: set[type[Any]] = set()
    bus = server.service.system.engine.bus  # type: ignore[attr-defined]
    bus.subscribe_all(lambda m: seen_on_bus.add(type(m)))
    coid = f"leak-{time.time_ns()}"

    async def listen(
        key: str, account: str, out: list[dict[str, Any]], stop: asyncio.Event
    ) -> None:
        async with websockets.connect(f"{ws_url}?key={key}&account={account}") as ws:
            await ws.recv()  # snapshot
            stop_task = asyncio.ensure_future(stop.wait())
            while not stop.is_set():
                recv = asyncio.ensure_future(ws.recv())
                done, _ = await asyncio.wait(
                    {recv, stop_task}, timeout=5, return_when=asyncio.FIRST_COMPLETED
                )
                if recv in done:
                    out.append(json.loads(recv.result()))
                else:
                    recv.cancel()

    def released(msgs: list[dict[str, Any]]) -> bool:
        return any(m["type"] == "KillSwitchChanged" and not m["data"]["engaged"] for m in msgs)

    async def run() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        demo: list[dict[str, Any]] = []
        other: list[dict[str, Any]] = []
        stop = asyncio.Event()
        tasks = [asyncio.ensure_future(listen(server.desk, "DEMO", demo, stop)),
                 asyncio.ensure_future(listen(server.other, "OTHER", other, stop))]  # fmt: skip
        await asyncio.sleep(0.5)
        with server.client(server.other) as c:
            r = c.post("/v1/orders", json={"client_order_id": coid, "account": "OTHER",
                                           "symbol": "BTC/USD", "side": "BUY", "quantity": "0.01"})  # fmt: skip
            assert r.status_code == 201, r.text
        with server.client(server.admin) as a:
            for engaged in (True, False):
                r = a.post(
                    "/v1/risk/kill-switch",
                    json={"scope": "OTHER", "engaged": engaged, "why": "secret-why"},
                )
                assert r.status_code == 200, r.text
        deadline = time.monotonic() + 30  # the stream may lag on a loaded machine
        while time.monotonic() < deadline and not released(other):
            await asyncio.sleep(0.2)
        await asyncio.sleep(0.5)  # anything leaking to DEMO would have been sent by now
        stop.set()
        await asyncio.gather(*tasks)
        return demo, other

    demo, other = asyncio.run(run())
    other_kinds = {m["type"] for m in other}
    assert released(other)
    assert {"RoutingDecision", "KillSwitchChanged", "OrderInitialized"} <= other_kinds, other_kinds
    blob = json.dumps(demo)
    assert coid not in blob and "secret-why" not in blob and '"OTHER"' not in blob
    assert all(t in RULES for t in seen_on_bus), [t.__name__ for t in seen_on_bus - set(RULES)]
