"""REST submit under sustained open-loop load: ``tradecore serve`` in its own process, the load
generator in another.

Starts the real CLI (``python -m tradecore serve``, demo flow off, a temporary SQLite journal
with the default ``batch`` durability, a key made by ``tradecore keygen``) on a free loopback
port, then a load generator process (this file with ``--client``) that sends order submissions
open-loop at ``--rate`` per second for ``--seconds`` over ``--connections`` keep-alive HTTP/1.1
connections, and prints one JSON line.

Open loop, no coordinated omission: request ``i`` is *scheduled* at ``start + i / rate``
whatever happened before; it goes out on the first idle connection (waiting for one if all are
busy), and its latency is measured from its scheduled time to the end of its response, so a
server that stalls is charged for every request that should have been sent meanwhile. The
generator is one thread on ``select.select``, whose timeout has microsecond resolution
(asyncio's epoll and uvloop's libuv timers wake in whole milliseconds, which would add up to
1 ms of the client's own lateness to every request); ``send_lag`` reports how late the client
actually sent (scheduled to written), ``service`` the time from written to answered.

With two or more CPUs the server is pinned to CPU 0 and the generator to CPU 1
(``--no-pin`` leaves both to the scheduler). A warm-up (``--warmup`` seconds at the same rate)
runs first and is not counted.

Usage: python benchmarks/rest_load.py [--rate 1000] [--seconds 60] [--connections 32]
       python benchmarks/rest_load.py --client --url http://127.0.0.1:8000 --token K ...
         (the generator alone, against a server already running)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import deque
from pathlib import Path
from typing import Any

from hdrh.histogram import HdrHistogram

RELAXED = """
[risk]
breach_actions = []
[risk.defaults]
max_order_quantity = { "*" = "100" }
price_band_bps = "100"
max_orders_per_window = 10000000
[risk.calendars]   # every equity and FX instrument names its calendar
SAP = "XETR"
"EUR/USD" = "24/7"
"""


# ---------------------------------------------------------------------------- the generator
class Conn:
    __slots__ = ("buf", "due", "i", "sent", "sock")

    def __init__(self, host: str, port: int) -> None:
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)
        self.buf = b""
        self.i = -1  # the in-flight request
        self.due = 0.0  # its scheduled time
        self.sent = 0.0  # when it was written

    def response(self) -> tuple[int, bool] | None:
        """(status, keep-alive) of a complete response in the buffer (consumed), or None."""
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return None
        head = self.buf[:end].decode("latin-1").split("\r\n")
        fields = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:])}
        if "content-length" not in fields:
            raise RuntimeError(f"response without Content-Length: {head[0]!r}")
        total = end + 4 + int(fields["content-length"])
        if len(self.buf) < total:
            return None
        self.buf = self.buf[total:]
        return int(head[0].split()[1]), fields.get("connection", "").lower() != "close"


def hist() -> HdrHistogram:
    return HdrHistogram(1, 3_600_000_000_000, 3)  # 1 ns .. 1 h: a saturated run stays counted


def summary(h: HdrHistogram, prefix: str = "") -> dict[str, float]:
    def us(ns: float) -> float:
        return round(ns / 1000.0, 1)

    return {
        f"{prefix}p50_us": us(h.get_value_at_percentile(50)),
        f"{prefix}p99_us": us(h.get_value_at_percentile(99)),
        f"{prefix}p99_9_us": us(h.get_value_at_percentile(99.9)),
        f"{prefix}max_us": us(h.get_max_value()),
        **({} if prefix else {"mean_us": us(h.get_mean_value())}),
    }


def request(host: str, token: str, i: int, tag: str, venue: str) -> bytes:
    body = (
        f'{{"client_order_id":"{tag}{i}","account":"BENCH","symbol":"BTC/USD",'
        f'"venue":"{venue}","side":"{"BUY" if i % 2 else "SELL"}","quantity":"0.0{1 + i % 9}"}}'
    ).encode()
    head = (
        f"POST /v1/orders HTTP/1.1\r\nHost: {host}\r\nX-API-Key: {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def generate(
    url: str,
    token: str,
    rate: float,
    seconds: float,
    connections: int,
    warmup: float,
    timeline: bool = False,
    venue: str = "SMART",
) -> dict[str, Any]:
    """Run the open-loop load; the figures of the measured part (after the warm-up)."""
    hostport = url.split("://", 1)[-1].rstrip("/")
    host, _, port_s = hostport.rpartition(":")
    conns = [Conn(host, int(port_s)) for _ in range(connections)]
    by_fd = {c.sock.fileno(): c for c in conns}
    idle: deque[Conn] = deque(conns)
    busy: set[Conn] = set()
    backlog: deque[tuple[int, float]] = deque()  # scheduled, waiting for an idle connection
    n_warm, n = int(rate * warmup), int(rate * (warmup + seconds))
    lat, service, lag = hist(), hist(), hist()
    codes: dict[str, int] = {}
    errors: dict[str, int] = {}
    worst: list[float] = [0.0] * (int(seconds) + 1)  # the slowest answer by scheduled second
    tag = f"L{os.getpid()}x{int(time.time())}-"
    t_first = t_last = 0.0
    done = 0
    measuring = 0  # requests of the measured part still to answer

    def send(c: Conn, i: int, due: float) -> None:
        c.sock.sendall(
            request(hostport, token, i, tag, venue)
        )  # ~250 bytes: one write, never blocks
        c.due, c.sent = due, time.perf_counter()
        c.i = i
        busy.add(c)
        if i >= n_warm:
            lag.record_value(max(1, int((c.sent - due) * 1e9)))

    interval = 1.0 / rate
    start = time.perf_counter() + 0.05
    nxt = 0
    while nxt < n or busy or backlog:
        now = time.perf_counter()
        while nxt < n and start + nxt * interval <= now:
            due = start + nxt * interval
            if idle:
                send(idle.popleft(), nxt, due)
            else:
                backlog.append((nxt, due))
            nxt += 1
        timeout = 0.5 if nxt >= n else max(0.0, start + nxt * interval - time.perf_counter())
        if not busy:
            time.sleep(timeout)
            continue
        ready, _, _ = select.select([c.sock for c in busy], [], [], timeout)
        for s in ready:
            c = by_fd[s.fileno()]
            try:
                data = c.sock.recv(65536)
            except OSError:
                data = b""
            t = time.perf_counter()
            if not data:  # the request in flight is lost: counted, and a new connection
                errors["closed_in_flight"] = errors.get("closed_in_flight", 0) + 1
                busy.discard(c)
                del by_fd[s.fileno()]
                c.sock.close()
                c = Conn(host, int(port_s))
                by_fd[c.sock.fileno()] = c
                idle.append(c)
                continue
            c.buf += data
            got = c.response()
            if got is None:
                continue
            status, alive = got
            i = c.i
            busy.discard(c)
            done += 1
            if i >= n_warm:
                if not t_first:
                    t_first = c.due
                t_last = t
                measuring += 1
                key = str(status)
                codes[key] = codes.get(key, 0) + 1
                lat.record_value(max(1, int((t - c.due) * 1e9)))
                sec = min(int((c.due - start) / interval - n_warm) // int(rate), len(worst) - 1)
                worst[sec] = max(worst[sec], t - c.due)
                service.record_value(max(1, int((t - c.sent) * 1e9)))
            if not alive:
                errors["server_closed"] = errors.get("server_closed", 0) + 1
                c.sock.close()
                del by_fd[s.fileno()]
                c = Conn(host, int(port_s))
                by_fd[c.sock.fileno()] = c
            if backlog:
                bi, bdue = backlog.popleft()
                send(c, bi, bdue)
            else:
                idle.append(c)
    for c in conns:
        with contextlib.suppress(OSError):
            c.sock.close()
    span = t_last - t_first
    return {
        "requests": measuring,
        "requests_with_warmup": done,
        "achieved_rate": round(measuring / span, 1) if span > 0 else 0.0,
        "status_codes": codes,
        "errors": errors,
        **summary(lat),
        **summary(service, "service_"),
        **summary(lag, "send_lag_"),
        **({"worst_ms_by_second": [round(w * 1e3, 1) for w in worst]} if timeline else {}),
    }


# ---------------------------------------------------------------------------- the server
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pin(cpu: int | None) -> Any:
    if cpu is None:
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (and its reaped children) from /proc."""
    try:
        parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in parts[11:15]) / os.sysconf("SC_CLK_TCK")


def start_server(
    tmp: Path, port: int, cpu: int | None, extra: list[str], cprofile: str | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    cfg = tmp / "bench.toml"
    cfg.write_text(RELAXED)
    keys = tmp / "keys.toml"
    cli = [sys.executable, "-m", "tradecore"]
    token = subprocess.run(
        [*cli, "keygen", "bench", "--accounts", "*", "--scopes", "read,trade", "--keys", str(keys)],
        check=True, capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    keys.write_text("rate_per_s = 1000000\nburst = 1000000\n" + keys.read_text())
    prof = [] if cprofile is None else ["-m", "cProfile", "-o", cprofile]
    cmd = [
        sys.executable, *prof, "-m", "tradecore", "serve", "--config", str(cfg), "--keys", str(keys), "--host", "127.0.0.1",
        "--port", str(port), "--no-demo-flow", "--journal", f"sqlite:///{tmp / 'journal.db'}",
        *extra,
    ]  # fmt: skip
    out = (tmp / "serve.out").open("wb")
    err = (tmp / "serve.err").open("wb")
    proc = subprocess.Popen(cmd, stdout=out, stderr=err, preexec_fn=pin(cpu))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"serve exited {proc.returncode}: {(tmp / 'serve.err').read_text()}")
        ready = f"http://127.0.0.1:{port}/ready"
        with (
            contextlib.suppress(OSError, ValueError),
            urllib.request.urlopen(ready, timeout=1) as r,
        ):
            if json.loads(r.read()).get("ready"):
                return proc, token
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("serve did not become ready in 60 s")


def run(args: argparse.Namespace) -> dict[str, Any]:
    two = (os.cpu_count() or 1) >= 2 and not args.no_pin
    with tempfile.TemporaryDirectory(prefix="rest-load-") as d:
        tmp = Path(d)
        port = free_port()
        load_before = os.getloadavg()
        proc, token = start_server(
            tmp, port, 0 if two else None, args.serve_arg or [], args.cprofile
        )
        try:
            time.sleep(1.0)  # let the books fill
            cpu0 = cpu_seconds(proc.pid)
            client = [
                sys.executable, __file__, "--client", "--url", f"http://127.0.0.1:{port}",
                "--token", token, "--rate", str(args.rate), "--seconds", str(args.seconds),
                "--connections", str(args.connections), "--warmup", str(args.warmup),
                "--venue", args.venue, *(["--timeline"] if args.timeline else []),
            ]  # fmt: skip
            spy = None
            if args.py_spy:  # sample the server meanwhile (collapsed stacks, one per line)
                spy = subprocess.Popen(
                    ["py-spy", "record", "--nonblocking", "--rate", "500", "--format", "raw",
                     "--output", args.py_spy, "--pid", str(proc.pid)],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )  # fmt: skip
            t0 = time.monotonic()
            res = subprocess.run(
                client, check=True, capture_output=True, text=True, preexec_fn=pin(1 if two else None)
            )  # fmt: skip
            wall = time.monotonic() - t0
            server_cpu = cpu_seconds(proc.pid) - cpu0
            if spy is not None:
                spy.send_signal(2)  # py-spy writes its file on SIGINT
                spy.wait(timeout=30)
            out: dict[str, Any] = json.loads(res.stdout.strip().splitlines()[-1])
        finally:
            proc.send_signal(signal.SIGINT)  # as Ctrl+C: a profiled serve still writes its file
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log_lines = sum(1 for _ in (tmp / "serve.err").open("rb"))
    out.update(
        server_cpu_util=round(server_cpu / wall, 3),
        server_cpu_us_per_request=round(server_cpu / max(1, out["requests_with_warmup"]) * 1e6, 1),
        server_log_lines=log_lines,
        pinned=two,
        serve_args=args.serve_arg or [],
        loadavg_before=[round(x, 2) for x in load_before],
        loadavg_after=[round(x, 2) for x in os.getloadavg()],
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rate", type=float, default=1000.0, help="requests per second (open loop)")
    ap.add_argument("--seconds", type=float, default=60.0, help="measured duration")
    ap.add_argument("--connections", type=int, default=32, help="keep-alive connections")
    ap.add_argument("--warmup", type=float, default=2.0, help="seconds at the rate, not counted")
    ap.add_argument("--no-pin", action="store_true", help="do not pin server and client to CPUs")
    ap.add_argument(
        "--serve-arg", action="append", metavar="ARG", help="extra argument for serve (repeat)"
    )
    ap.add_argument("--py-spy", metavar="FILE", help="profile the server with py-spy into FILE")
    ap.add_argument(
        "--venue", default="SMART", help="the orders' venue: SMART (routed) or one, e.g. SIMA"
    )
    ap.add_argument("--cprofile", metavar="FILE", help="run serve under cProfile into FILE")
    ap.add_argument("--timeline", action="store_true", help="add the worst latency per second")
    ap.add_argument("--client", action="store_true", help="run only the load generator")
    ap.add_argument("--url", help="--client: the server")
    ap.add_argument("--token", help="--client: an API key with the trade scope for BENCH")
    args = ap.parse_args()
    fields = dict(
        venue=args.venue, target_rate=args.rate, seconds=args.seconds, connections=args.connections,
        warmup_s=args.warmup,
    )  # fmt: skip
    if args.client:
        res = generate(
            args.url, args.token, args.rate, args.seconds, args.connections, args.warmup,
            args.timeline, args.venue,
        )  # fmt: skip
        print(json.dumps(res, separators=(",", ":")))
        return
    from tradecore.bench.harness import result_line

    print(result_line("REST-submit-load", **fields, **run(args)))


if __name__ == "__main__":
    main()
