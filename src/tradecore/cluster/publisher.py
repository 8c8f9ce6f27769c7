"""The event stream out: every journaled event of a shard, published to JetStream.

The publisher never touches the engine. It runs on a thread of its own, with its own asyncio
loop and NATS connection, and reads *committed* rows from the shard's journal through a
connection of its own (``open_reader``), in sequence order; the engine only calls
:meth:`EventPublisher.notify` after a commit (one flag test, and a wake-up when the
publisher sleeps). A NATS outage therefore only grows the backlog (the journal is the
queue): when NATS answers again the publisher goes on from the last acknowledged sequence.

Exactly once into the stream: each message carries ``Nats-Msg-Id: <shard>:<seq>``, so a
republish (after a crash of the shard, or an ack lost in an outage) is dropped by JetStream
within its duplicate window; on start the publisher asks the stream for the last sequence
it holds for this shard (the last message of each of the shard's subjects) and continues
after it, so nothing is republished even after the window.

Message: subject ``<prefix>.evt.<shard>.<account>.<Type>``, data = the journal's payload
(canonical JSON of the event, :mod:`tradecore.model.codec`), headers ``Nats-Msg-Id``,
``Tc-Seq`` (the shard's sequence number) and ``Tc-Pub-Ns`` (wall time of publishing).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import msgspec

from tradecore.cluster.subjects import MSG_ID, PUB_NS_HEADER, SEQ_HEADER, Names, msg_id
from tradecore.journal.store import JournalStore


class _Head(msgspec.Struct):
    type: str
    account: str | None = None


_head = msgspec.json.Decoder(_Head).decode


def subject_of(names: Names, shard: int, payload: bytes) -> str:
    h = _head(payload)
    return names.event(shard, h.account, h.type)


async def last_published(js: Any, names: Names, shard: int) -> int:
    """The highest sequence number of ``shard`` the stream holds (0: none): the last message
    on the shard's subjects (the publisher publishes in sequence order)."""
    from nats.js.errors import NotFoundError

    try:
        msg = await js.get_last_msg(names.stream, names.shard_events(shard))
    except NotFoundError:
        return 0
    return int((msg.headers or {}).get(SEQ_HEADER, 0))


class EventPublisher:
    def __init__(
        self,
        shard: int,
        open_reader: Callable[[], JournalStore],
        *,
        url: str,
        names: Names | None = None,
        batch: int = 256,
        poll_s: float = 0.05,
    ) -> None:
        self.shard = shard
        self.names = names or Names()
        self.url = url
        self._open = open_reader
        self.batch = batch
        self.poll_s = poll_s
        self.cursor = 0  # highest sequence acknowledged by the stream
        self.deduplicated = 0  # republished messages JetStream dropped
        self.published = 0
        self.errors = 0
        self._nc: Any = None
        self._stopping = False
        self._parent: int | None = None  # set in a publisher process: the shard's pid
        self._dirty = True
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self.started = threading.Event()

    # ------------------------------------------------------------------ engine side
    def notify(self) -> None:
        """Something was committed (called on the engine thread; never blocks)."""
        if self._dirty:
            return
        self._dirty = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the publisher has just stopped
                loop.call_soon_threadsafe(wake.set)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._main, name="tc-publisher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Publish what is committed (while NATS answers, up to ``timeout``), then stop."""
        deadline = time.monotonic() + timeout
        self._stopping = True
        self._dirty = False
        self.notify()
        if self._thread is not None:
            self._thread.join(max(deadline - time.monotonic(), 0.1))

    @property
    def connected(self) -> bool:
        nc = self._nc
        return bool(nc is not None and nc.is_connected)

    def orphaned(self) -> bool:
        """In a publisher process: whether the shard that started it is gone."""
        return self._parent is not None and os.getppid() != self._parent

    def status(self) -> dict[str, Any]:
        return {
            "connected": self.connected, "published_seq": self.cursor,
            "published": self.published, "deduplicated": self.deduplicated,
            "errors": self.errors,
        }  # fmt: skip

    # ------------------------------------------------------------------ publisher thread
    def _main(self) -> None:
        asyncio.run(self._run())

    async def _run(self) -> None:
        from tradecore.cluster.natsio import connect, ensure_stream

        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        store = self._open()
        self._nc = nc = await connect(self.url, f"tc-publisher-{self.shard}")
        js = nc.jetstream()
        while True:
            try:
                await ensure_stream(js, self.names)
                self.cursor = await last_published(js, self.names, self.shard)
                break
            except Exception:
                self.errors += 1
                await asyncio.sleep(0.25)
        self.started.set()
        await nc.subscribe(self.names.control(self.shard, "publisher"), cb=self._on_status)
        try:
            await self._pump(js, store)
        finally:
            self._loop = None
            store.close()
            with contextlib.suppress(Exception):
                await nc.close()

    async def _on_status(self, msg: Any) -> None:
        if msg.reply:
            with contextlib.suppress(Exception):
                await msg.respond(json.dumps(self.status()).encode())

    async def _pump(self, js: Any, store: JournalStore) -> None:
        assert self._wake is not None
        while True:
            self._dirty = False
            rows = list(itertools.islice(store.read(self.cursor, self.batch), self.batch))
            if not rows:
                if self._stopping or self.orphaned():
                    return
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_s)
                continue
            try:
                await self._publish(js, rows)
            except Exception:
                self.errors += 1
                if self._stopping:
                    return
                await asyncio.sleep(0.1)  # an outage: the journal keeps the backlog

    async def _publish(self, js: Any, rows: list[tuple[int, bytes]]) -> None:
        now = str(time.time_ns())
        sends = [
            js.publish(
                subject_of(self.names, self.shard, payload),
                payload,
                timeout=2.0,
                headers={MSG_ID: msg_id(self.shard, seq), SEQ_HEADER: str(seq), PUB_NS_HEADER: now},
            )
            for seq, payload in rows
        ]
        results = await asyncio.gather(*sends, return_exceptions=True)
        for (seq, _), r in zip(rows, results, strict=True):
            if isinstance(r, BaseException):
                raise r
            self.cursor = seq  # the acknowledged prefix only
            self.published += 1
            if getattr(r, "duplicate", False):
                self.deduplicated += 1


# ---------------------------------------------------------------------- a process of its own
def spawn(shard: int, journal_url: str, url: str, prefix: str) -> Any:
    """Start the publisher of ``shard`` in a process of its own (a shard does this: a thread
    would share the engine's GIL, and every hand-over costs the engine up to a switch
    interval). It polls the journal for committed rows; it exits when the shard is gone."""
    import subprocess

    args = [sys.executable, "-m", "tradecore.cluster.publisher", str(shard), journal_url, url,
            prefix, str(os.getpid())]  # fmt: skip
    return subprocess.Popen(args)


def _process_main(argv: list[str]) -> None:
    from tradecore.journal.url import open_for_reading, parse_url

    shard, journal_url, url, prefix = int(argv[0]), argv[1], argv[2], argv[3]
    target = parse_url(journal_url, "--journal")
    p = EventPublisher(
        shard, lambda: open_for_reading(target), url=url, names=Names(prefix), poll_s=0.002
    )
    p._parent = int(argv[4])  # the shard (if it died while this started: gone at once)

    def stop(*_: Any) -> None:
        p._stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    async def main() -> None:
        async def watchdog() -> None:  # the shard was killed: nothing left to publish for
            while not p.orphaned():
                await asyncio.sleep(0.5)
            os._exit(0)

        dog = asyncio.create_task(watchdog())
        await p._run()
        dog.cancel()

    asyncio.run(main())


if __name__ == "__main__":
    _process_main(sys.argv[1:])
