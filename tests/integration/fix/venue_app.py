"""A small exchange speaking FIX 4.4 (a QuickFIX acceptor, run as its own process): the
peer tradecore's FIX venue adapter routes children to in the integration tests.

One book per symbol with fixed liquidity that our orders take, ExecutionReports for every
step, OrderCancelReject, OrderStatusRequest answers, and a MarketDataSnapshotFullRefresh
after logon and every change. Its state (orders, executions, what it received) is a JSON
file in its folder, rewritten after every message, so a restarted venue goes on and the
test can check that no order arrived twice. An order whose ClOrdID starts with LOST is
received (counted) but treated as lost: no answer, unknown to a status request. ``--gap N``: after the first fill, skip N
outgoing sequence numbers (the peer sees a gap and asks for a resend); ``--resend-from N``:
at logon, ask the peer to resend everything from N.

    python -m tests.integration.fix.venue_app --port P --dir D [--gap N] [--resend-from N]
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from tradecore.fix.peer import Peer
from tradecore.fix.tags import Fields

SOH = "\x01"
ASKS = [("60000.5", "0.3"), ("60001", "0.3"), ("60002", "1")]
BIDS = [("59999.5", "0.3"), ("59999", "0.3"), ("59998", "1")]


def now() -> str:
    t = time.time()
    return time.strftime("%Y%m%d-%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}"


def d(s: str) -> Decimal:
    return Decimal(s)


def fmt(v: Decimal) -> str:
    s = format(v, "f")
    return (s.rstrip("0").rstrip(".") if "." in s else s) or "0"


class Venue:
    def __init__(self, folder: Path, gap: int) -> None:
        self.folder = folder
        self.state_file = folder / "venue-state.json"
        self.gap = gap
        st: dict[str, Any] = (
            json.loads(self.state_file.read_text()) if self.state_file.exists() else {}
        )
        self.orders: dict[str, dict[str, str]] = st.get("orders", {})
        self.received: dict[str, int] = st.get("received", {})  # NewOrderSingle per ClOrdID
        self.n = int(st.get("n", 0))
        self.fills = int(st.get("fills", 0))
        self.book = st.get("book", {"asks": ASKS, "bids": BIDS})
        self.peer: Peer | None = None
        self.lock = threading.Lock()
        self.outbox: list[tuple[str, list[tuple[int, str]], Any]] = []

    def save(self) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(
            json.dumps(
                {
                    "orders": self.orders,
                    "received": self.received,
                    "n": self.n,
                    "fills": self.fills,
                    "book": self.book,
                }
            )
        )
        tmp.replace(self.state_file)

    def next_id(self, p: str) -> str:
        self.n += 1
        return f"{p}{self.n}"

    def send(self, kind: str, fields: list[tuple[int, str]], groups: Any = None) -> None:
        self.outbox.append((kind, fields, groups))  # sent after the state is saved

    def flush(self) -> None:
        assert self.peer is not None
        out, self.outbox = self.outbox, []
        for kind, fields, groups in out:
            self.peer.send(kind, fields, groups)

    def er(self, o: dict[str, str], exec_type: str, **extra: str) -> None:
        f = [
            (37, o["oid"]),
            (17, self.next_id("X")),
            (150, exec_type),
            (39, o["status"]),
            (11, extra.pop("cl", o["cl"])),
            (55, o["sym"]),
            (54, o["side"]),
            (38, o["qty"]),
            (40, o["type"]),
            (151, o["leaves"]),
            (14, o["cum"]),
            (6, o["avg"]),
            (60, now()),
        ]
        if o.get("px"):
            f.append((44, o["px"]))
        f += [(int(k[1:]), v) for k, v in extra.items()]
        self.send("8", f)

    def snapshot(self, sym: str = "BTC/USD") -> None:
        entries = [("0", p, s) for p, s in self.book["bids"]] + [
            ("1", p, s) for p, s in self.book["asks"]
        ]
        group = [[(269, kind), (270, px), (271, size)] for kind, px, size in entries]
        self.send("W", [(262, "book"), (55, sym)], [(268, 269, group)])

    def on_message(self, f: Fields, raw: str) -> None:
        with self.lock:
            handler = {"D": self.new, "F": self.cancel, "G": self.replace, "H": self.status}.get(
                f.get(35, "")
            )
            if handler is not None:
                handler(f)
            self.save()  # what we answer is on disk before it is sent (a crash loses neither)
            self.flush()

    def new(self, f: Fields) -> None:
        cl = f[11]
        self.received[cl] = self.received.get(cl, 0) + 1
        if cl in self.orders:
            return  # a duplicate ClOrdID: counted (the test asserts there are none)
        if cl.startswith("LOST"):
            return  # as if it never arrived: no answer, not known
        o = {
            "cl": cl,
            "oid": self.next_id("V"),
            "sym": f[55],
            "side": f[54],
            "qty": f[38],
            "type": f[40],
            "px": f.get(44, ""),
            "tif": f.get(59, "1"),
            "status": "0",
            "leaves": f[38],
            "cum": "0",
            "avg": "0",
            "notional": "0",
        }
        self.orders[cl] = o
        self.er(o, "0")
        self.match(o)
        if o["status"] in ("0", "1") and (o["type"] == "1" or o["tif"] in ("3", "4")):
            o["status"], o["leaves"] = "4", "0"
            self.er(o, "4", t58="IOC remainder canceled")
        self.snapshot(o["sym"])

    def match(self, o: dict[str, str]) -> None:
        side = "asks" if o["side"] == "1" else "bids"
        levels = self.book[side]
        while d(o["leaves"]) > 0 and levels:
            px, size = levels[0]
            if o["type"] == "2" and (
                (o["side"] == "1" and d(px) > d(o["px"]))
                or (o["side"] == "2" and d(px) < d(o["px"]))
            ):
                break
            q = min(d(size), d(o["leaves"]))
            left = d(size) - q
            if left > 0:
                levels[0] = [px, fmt(left)]
            else:
                levels.pop(0)
            cum = d(o["cum"]) + q
            notional = d(o["notional"]) + q * d(px)
            o["cum"], o["leaves"], o["notional"] = fmt(cum), fmt(d(o["qty"]) - cum), fmt(notional)
            o["avg"] = fmt(notional / cum)
            o["status"] = "2" if d(o["leaves"]) == 0 else "1"
            self.fills += 1
            self.er(o, "F", t32=fmt(q), t31=px, t12="0", t13="3", t851="2")
            if self.gap and self.fills == 1:
                s: Any = self.peer.session() if self.peer else None
                s.setNextSenderMsgSeqNum(s.getExpectedSenderNum() + self.gap)

    def cancel(self, f: Fields) -> None:
        o = self.orders.get(f.get(41, ""))
        if o is None or o["status"] not in ("0", "1"):
            self.send(
                "9",
                [
                    (37, o["oid"] if o else "NONE"),
                    (11, f[11]),
                    (41, f.get(41, "")),
                    (39, o["status"] if o else "8"),
                    (434, "1"),
                    (102, "1" if o is None else "0"),
                ],
            )
            return
        o["status"], o["leaves"] = "4", "0"
        self.er(o, "4", cl=f[11], t41=o["cl"])

    def replace(self, f: Fields) -> None:
        o = self.orders.get(f.get(41, ""))
        if o is None or o["status"] not in ("0", "1"):
            self.send(
                "9",
                [
                    (37, o["oid"] if o else "NONE"),
                    (11, f[11]),
                    (41, f.get(41, "")),
                    (39, o["status"] if o else "8"),
                    (434, "2"),
                    (102, "1" if o is None else "0"),
                ],
            )
            return
        new = dict(o, cl=f[11], qty=f[38], px=f.get(44, o["px"]))
        new["leaves"] = fmt(d(new["qty"]) - d(o["cum"]))
        o["status"] = "5"
        self.orders[f[11]] = new
        self.er(new, "5", t41=o["cl"])
        self.match(new)

    def status(self, f: Fields) -> None:
        o = self.orders.get(f.get(11, ""))
        if o is None:
            self.send(
                "8",
                [
                    (37, "NONE"),
                    (17, self.next_id("S")),
                    (150, "I"),
                    (39, "8"),
                    (11, f.get(11, "")),
                    (55, f.get(55, "BTC/USD")),
                    (54, f.get(54, "1")),
                    (151, "0"),
                    (14, "0"),
                    (6, "0"),
                    (58, "unknown order"),
                ],
            )
            return
        self.er(o, "I")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", type=Path, required=True)
    ap.add_argument("--gap", type=int, default=0)
    ap.add_argument("--dictionary", required=True)
    ap.add_argument("--resend-from", type=int, default=0)
    a = ap.parse_args()
    a.dir.mkdir(parents=True, exist_ok=True)
    venue = Venue(a.dir, a.gap)
    settings = (
        "\n".join(
            [
                "[DEFAULT]",
                "ConnectionType=acceptor",
                f"SocketAcceptPort={a.port}",
                "SocketAcceptHost=127.0.0.1",
                "SocketReuseAddress=Y",
                "StartTime=00:00:00",
                "EndTime=00:00:00",
                "UseDataDictionary=Y",
                f"DataDictionary={a.dictionary}",
                f"FileStorePath={a.dir / 'store'}",
                f"FileLogPath={a.dir / 'log'}",
                "ResetOnLogon=N",
                "HeartBtInt=30",
                "",
                "[SESSION]",
                "BeginString=FIX.4.4",
                "SenderCompID=XVENUE",
                "TargetCompID=TRADECORE",
            ]
        )
        + "\n"
    )
    peer = Peer(settings, a.dir, "XVENUE", "TRADECORE")
    venue.peer = peer
    peer.on_message = venue.on_message
    orig_logon = peer.on_logon

    def logon(comp: str) -> None:
        orig_logon(comp)

        def book() -> None:
            time.sleep(0.05)
            with venue.lock:
                venue.snapshot()
                venue.flush()

        threading.Thread(target=book, daemon=True).start()

    peer.on_logon = logon  # type: ignore[method-assign]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if a.resend_from:  # forget what we received since: at logon, ask the peer to resend it
        peer.engine = peer._make()
        peer.session().setNextTargetMsgSeqNum(a.resend_from)  # type: ignore[attr-defined]
    peer.start()
    print("venue ready", flush=True)
    stop.wait()
    peer.stop()


if __name__ == "__main__":
    main()
