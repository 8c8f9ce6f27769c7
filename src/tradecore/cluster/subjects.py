"""Subject and stream names, one place (docs/scaling.md lists them).

``<prefix>.evt.<shard>.<account>.<type>``  every journaled event (JetStream stream)
``<prefix>.cmd.<shard>.<op>``              commands in (request-reply): submit, cancel, ...
``<prefix>.ctl.<shard>.<op>``              the aggregator's control of a shard: credit, emergency
``<prefix>.risk.<op>``                     the aggregator's own requests: firm, limit
``<prefix>.md.steps``                      market steps from ``tradecore marketdata`` (core NATS)

A subject token cannot hold ``.``, ``*`` or ``>``, so an account name is escaped (``.`` as
``%2E``, ``*`` as ``%2A``, ``>`` as ``%3E``, ``%`` as ``%25``); the payload always carries the
real account.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PREFIX = "tradecore"
DEFAULT_URL = "nats://127.0.0.1:4222"
MSG_ID = "Nats-Msg-Id"
SEQ_HEADER = "Tc-Seq"
PUB_NS_HEADER = "Tc-Pub-Ns"

_ESCAPES = (("%", "%25"), (".", "%2E"), ("*", "%2A"), (">", "%3E"), (" ", "%20"))


def token(text: str) -> str:
    """``text`` as one subject token."""
    for a, b in _ESCAPES:
        text = text.replace(a, b)
    return text


def untoken(text: str) -> str:
    for a, b in reversed(_ESCAPES):
        text = text.replace(b, a)
    return text


@dataclass(frozen=True)
class Names:
    """Every name derived from one prefix (tests use their own prefix on a shared server)."""

    prefix: str = DEFAULT_PREFIX

    @property
    def stream(self) -> str:
        return token(self.prefix).replace("%", "_").upper() + "_EVT"

    @property
    def events(self) -> str:
        return f"{self.prefix}.evt.>"

    def shard_events(self, shard: int) -> str:
        return f"{self.prefix}.evt.{shard}.>"

    def event(self, shard: int, account: str | None, kind: str) -> str:
        return f"{self.prefix}.evt.{shard}.{token(account or '_')}.{kind}"

    def command(self, shard: int, op: str) -> str:
        return f"{self.prefix}.cmd.{shard}.{op}"

    def control(self, shard: int, op: str) -> str:
        return f"{self.prefix}.ctl.{shard}.{op}"

    @property
    def market(self) -> str:
        return f"{self.prefix}.md.steps"

    def risk(self, op: str) -> str:
        return f"{self.prefix}.risk.{op}"


def msg_id(shard: int, seq: int) -> str:
    """The JetStream de-duplication id of one journaled event: shard and sequence number."""
    return f"{shard}:{seq}"


def parse_msg_id(text: str) -> tuple[int, int]:
    shard, _, seq = text.partition(":")
    return int(shard), int(seq)
