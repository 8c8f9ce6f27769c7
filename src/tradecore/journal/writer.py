"""The group-commit writer: a process of its own that owns the database writes.

Why a process and not a thread: under CPython's GIL a writer thread needs the interpreter for
every row it binds, and an engine thread that never blocks hands the GIL over only every
switch interval (5 ms), so the thread falls behind without bound (measured: 459 batches
queued after 50,000 orders). A process writes on the other core.

The engine side encodes each row once (msgpack, ~0.3 µs) into a buffer and sends the buffer
as one pipe message when it reaches ``chunk_bytes`` or the group window has passed. The writer
decodes, inserts, and commits every ``group_ms`` or ``group_events`` rows, and whenever no
more rows are waiting. ``flush()`` is a round trip: the writer commits everything it has and
answers. A failed write is answered with the error, raised on the engine side at its next
send or flush. If the engine process dies, the writer reads end-of-file, commits what it
received and exits, so a SIGKILL of the engine loses only rows still in the engine's buffer.

The writer is ``python -m tradecore.journal.writer_main`` (a plain subprocess: nothing of the
engine's main module is imported again). Messages on its stdin, each framed as a 4-byte length
and a kind: ``R`` + a msgpack array of rows, ``F`` flush, ``C`` close. Rows:
``[0, seq, ts, type, account, coid, parent, payload]`` (event) or ``[1, ...]`` (audit).
Answers on its stdout: ``K`` done, ``E`` + error text (each with a 4-byte length).
"""

from __future__ import annotations

import contextlib
import json
import select
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from typing import IO, Any

import msgspec

from tradecore.engine.placement import pin
from tradecore.errors import JournalError

EVENT, AUDIT = 0, 1
_HEAD = struct.Struct(">IB")  # body length, kind


def open_spec(spec: list[Any] | tuple[Any, ...]) -> Any:
    """Open a store from its description (``store.spec()``)."""
    if spec[0] == "sqlite":
        from tradecore.journal.store import SQLiteStore

        return SQLiteStore(spec[1], fsync=spec[2])
    if spec[0] == "postgres":
        from tradecore.journal.postgres import PostgresStore

        return PostgresStore(spec[1], schema=spec[2], fsync=spec[3])
    raise JournalError(f"unknown journal store {spec[0]!r}")


def _read_exact(f: IO[bytes], n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        chunk = f.read(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def _answer(out: IO[bytes], kind: bytes, text: str = "") -> None:
    body = text.encode()
    out.write(kind + struct.pack(">I", len(body)) + body)
    out.flush()


def main(argv: list[str] | None = None) -> int:  # pragma: no cover - the writer process
    """``python -m tradecore.journal.writer_main SPEC_JSON GROUP_MS GROUP_EVENTS``: rows framed on
    stdin, answers on stdout."""
    args = sys.argv[1:] if argv is None else argv
    spec, group_ns, group_events = json.loads(args[0]), int(args[1]) * 1_000_000, int(args[2])
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    decoder = msgspec.msgpack.Decoder()
    events: list[tuple[Any, ...]] = []
    audit: list[tuple[Any, ...]] = []
    last = time.monotonic_ns()
    store = None

    def commit() -> None:
        nonlocal events, audit, last
        if (events or audit) and store is not None:
            store.append(events, audit)
        events, audit = [], []
        last = time.monotonic_ns()

    try:
        store = open_spec(spec)
        _answer(out, b"K")  # ready
        while True:
            head = _read_exact(inp, _HEAD.size)
            if head is None:
                commit()  # the engine is gone: keep what was received
                return 0
            size, kind = _HEAD.unpack(head)
            body = _read_exact(inp, size) if size else b""
            if body is None:
                commit()
                return 0
            if kind == ord("R"):
                for row in decoder.decode(body):
                    (events if row[0] == EVENT else audit).append(tuple(row[1:]))
                waiting = bool(select.select([inp], [], [], 0)[0])
                if len(events) >= group_events or time.monotonic_ns() - last >= group_ns:
                    commit()
                elif not waiting:
                    commit()  # nothing more is coming right now: commit at once
            elif kind == ord("F"):
                commit()
                _answer(out, b"K")
            elif kind == ord("C"):
                commit()
                _answer(out, b"K")
                return 0
    except BaseException as e:
        with contextlib.suppress(OSError):
            _answer(out, b"E", f"{type(e).__name__}: {e}")
        return 1
    finally:
        if store is not None:
            store.close()


class WriterProcess:
    """The engine side of the writer process."""

    def __init__(
        self,
        spec: tuple[Any, ...],
        *,
        group_ms: int,
        group_events: int,
        chunk_bytes: int = 262_144,
        cpu: int | None = None,
        before_send: Callable[[], None] | None = None,
    ) -> None:
        """``before_send``: called before each message of rows goes out (the journal adds
        the rows it has not encoded yet, its audit records)."""
        cmd = [
            sys.executable, "-m", "tradecore.journal.writer_main",
            json.dumps(list(spec)), str(group_ms), str(group_events),
        ]  # fmt: skip
        self.process = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0, close_fds=True
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        # a larger pipe absorbs the writer's slow moments (a WAL checkpoint's fsync) without
        # blocking the engine: 1 MiB is about 4,000 rows (Linux; elsewhere the default stays)
        with contextlib.suppress(AttributeError, OSError):
            import fcntl

            fcntl.fcntl(self.process.stdin.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
        self._in = self.process.stdin
        self._out = self.process.stdout
        self._out_fd = self._out.fileno()
        self._encode = msgspec.msgpack.Encoder().encode
        self._buf = bytearray()
        self._rows = 0
        self._group_ns = group_ms * 1_000_000
        self._chunk = chunk_bytes
        self._last_send = time.monotonic_ns()
        self.sent = 0  # messages of rows sent
        self._error: str | None = None
        self._closed = False
        self._before_send = before_send
        self._wait_answer()  # the store is open in the writer (or its error is raised here)
        if cpu is not None:
            try:
                pin(self.process.pid, cpu)
            except OSError as e:
                raise JournalError(f"cannot pin the journal writer to CPU {cpu}: {e}") from None

    @property
    def pid(self) -> int:
        return self.process.pid

    def add(self, kind: int, row: tuple[Any, ...]) -> None:
        self._buf += self._encode((kind, *row))
        self._rows += 1

    def maybe_send(self, waiting: bool = False) -> None:
        """Send if the chunk is full or the group window has passed, and there are rows
        (``waiting``: rows the journal will add before the send)."""
        if (self._rows or waiting) and (
            len(self._buf) >= self._chunk or time.monotonic_ns() - self._last_send >= self._group_ns
        ):
            self.send()

    def _write(self, kind: bytes, body: bytes | bytearray = b"") -> None:
        data = memoryview(_HEAD.pack(len(body), kind[0]) + body)
        try:
            while data:  # a raw pipe write may take only part of a large message
                n = self._in.write(data)
                data = data[n or 0 :]
        except OSError as e:
            self._poll_error()
            raise JournalError(f"journal writer is gone: {e}") from None

    def send(self) -> None:
        self.check()
        if self._before_send is not None:
            self._before_send()
        if not self._rows:
            return
        header = b"\xdd" + self._rows.to_bytes(4, "big")  # msgpack array32 of the rows
        self._write(b"R", header + self._buf)
        self._buf = bytearray()
        self._rows = 0
        self._last_send = time.monotonic_ns()
        self.sent += 1

    def flush(self) -> None:
        """Send what is buffered and wait until the writer has committed everything."""
        self.send()
        self._write(b"F")
        self._wait_answer()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if self.process.poll() is None:
                self.send()
                self._write(b"C")
                self._wait_answer()
        finally:
            with contextlib.suppress(OSError):
                self._in.close()
            self.process.wait(10)
            self._out.close()

    def _wait_answer(self) -> None:
        head = _read_exact(self._out, 5)
        if head is None:
            raise JournalError("journal writer exited unexpectedly")
        text = _read_exact(self._out, struct.unpack(">I", head[1:])[0]) or b""
        if head[:1] == b"E":
            self._error = text.decode(errors="replace")
            raise JournalError(f"journal writer failed: {self._error}")

    def _poll_error(self) -> None:
        if self._error is None and select.select([self._out_fd], [], [], 0)[0]:
            with contextlib.suppress(JournalError):
                self._wait_answer()

    def check(self) -> None:
        """Raise the writer's error, if it has reported one."""
        self._poll_error()
        if self._error is not None:
            raise JournalError(f"journal writer failed: {self._error}")
