"""The event publisher against a real JetStream server (a private one it can stop): events
journaled while NATS is down are published when it is back, none lost and none twice; a
republish after a crash (a publisher that forgot how far it got) is dropped by JetStream."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.integration.cluster.harness import NatsServer, until
from tradecore.cluster import publisher as pub
from tradecore.cluster.subjects import SEQ_HEADER, Names
from tradecore.journal.journal import Durability, Journal
from tradecore.journal.store import SQLiteStore
from tradecore.model import codec
from tradecore.model.enums import OrderType, Side, TimeInForce
from tradecore.model.events import OrderInitialized
from tradecore.model.identifiers import AccountId, ClientOrderId, InstrumentId

nats = pytest.importorskip("nats")
pytestmark = pytest.mark.timeout(90)
NAMES = Names("tcpub")


def event(seq: int) -> OrderInitialized:
    return OrderInitialized(
        seq, seq * 1000, ClientOrderId(f"o{seq}"), AccountId("acct.one" if seq % 2 else "B"),
        InstrumentId.parse("BTC/USD@SIMA"), Side.BUY, OrderType.LIMIT, Decimal("0.01"),
        Decimal("60000.00"), TimeInForce.GTC, False, False, None, "",
    )  # fmt: skip


def write(jr: Journal, seqs: range) -> None:
    for s in seqs:
        jr.append(event(s))
        jr.commit()


async def stream_seqs(url: str) -> list[int]:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        sub = await js.subscribe(NAMES.events, stream=NAMES.stream, ordered_consumer=True)
        out = []
        info = await js.stream_info(NAMES.stream)
        for _ in range(info.state.messages):
            m = await sub.next_msg(timeout=5)
            out.append(int(m.headers[SEQ_HEADER]))
            assert codec.loads(m.data) == event(out[-1])  # the journal's canonical payload
        return out
    finally:
        await nc.close()


async def test_outage_catch_up_and_republish_deduplicated(tmp_path: Path) -> None:
    server = NatsServer(tmp_path)
    server.start()
    db = tmp_path / "shard.db"
    jr = Journal(SQLiteStore(db), Durability.BATCH)
    p = pub.EventPublisher(7, lambda: SQLiteStore(db), url=server.url, names=NAMES)
    p.start()
    try:
        write(jr, range(1, 101))
        p.notify()

        async def at(n: int, who: Any = p) -> bool:
            return bool(who.cursor == n)

        await until(lambda: at(100), 30, "the first 100 events")
        server.stop()
        t0 = time.monotonic()
        write(jr, range(101, 201))  # journaled while NATS is down: the engine never waits
        p.notify()
        assert time.monotonic() - t0 < 5
        await asyncio.sleep(2.5)
        assert p.cursor == 100 and not p.connected
        server.start()
        await until(lambda: at(200), 30, "the catch-up after the outage")
        p.stop()
        assert await stream_seqs(server.url) == list(range(1, 201))
        assert p.errors > 0  # it did meet the outage

        # a restarted publisher continues after what the stream holds: nothing republished
        p2 = pub.EventPublisher(7, lambda: SQLiteStore(db), url=server.url, names=NAMES)
        p2.start()
        await until(lambda: at(200, p2), 30, "the restarted publisher's cursor")
        assert p2.published == 0
        p2.stop()

        # one that believes it got less far republishes; JetStream drops every duplicate
        async def behind(js: Any, names: Names, shard: int) -> int:
            return 150

        real = pub.last_published
        pub.last_published = behind  # type: ignore[assignment]
        try:
            p3 = pub.EventPublisher(7, lambda: SQLiteStore(db), url=server.url, names=NAMES)
            p3.start()
            await until(lambda: at(200, p3), 30, "the republish")
            p3.stop()
        finally:
            pub.last_published = real  # type: ignore[assignment]
        assert p3.published == 50 and p3.deduplicated == 50
        assert await stream_seqs(server.url) == list(range(1, 201))

        # tradecore tail prints the stream: subject, sequence, the canonical event
        from tradecore.cluster.tail import tail_stream

        lines: list[str] = []
        n = await tail_stream(server.url, "tcpub", "", True, 3, 5.0, lines.append)
        assert n == 3
        assert (
            lines[0]
            == f"tcpub.evt.7.acct%2Eone.OrderInitialized seq=1 {codec.dumps(event(1)).decode()}"
        )
        assert lines[1].startswith("tcpub.evt.7.B.OrderInitialized seq=2 ")
    finally:
        p.stop(timeout=1)
        jr.close()
        server.stop()


def test_subject_names_escape_accounts() -> None:
    from tradecore.cluster.subjects import token, untoken

    assert NAMES.event(3, "acct.one", "OrderFilled") == "tcpub.evt.3.acct%2Eone.OrderFilled"
    for text in ["a.b", "x*y>z", "100%.", "plain"]:
        assert "." not in token(text) and untoken(token(text)) == text
