"""Reading the event stream: ``tradecore tail`` and any consumer's starting point."""

from __future__ import annotations

from collections.abc import Callable

from tradecore.cluster.subjects import SEQ_HEADER, Names
from tradecore.errors import ValidationError


async def tail_stream(
    url: str,
    prefix: str,
    subject: str,
    from_start: bool,
    count: int,
    idle: float,
    echo: Callable[[str], object],
) -> int:
    from nats.js.api import DeliverPolicy
    from nats.js.errors import NotFoundError

    from tradecore.cluster.natsio import connect

    names = Names(prefix)
    try:
        nc = await connect(url, "tc-tail", attempts=8)
    except Exception as e:
        raise ValidationError("--nats", f"no NATS server answers at {url} ({e})") from None
    js = nc.jetstream()
    try:
        await js.stream_info(names.stream)
    except NotFoundError:
        await nc.close()
        why = f"no stream {names.stream} on {url} (no shard with prefix {prefix} has started)"
        raise ValidationError("--prefix", why) from None
    policy = DeliverPolicy.ALL if from_start else DeliverPolicy.NEW
    sub = await js.subscribe(
        subject or names.events, stream=names.stream, ordered_consumer=True,
        deliver_policy=policy,
    )  # fmt: skip
    n = 0
    try:
        while count == 0 or n < count:
            try:
                msg = await sub.next_msg(timeout=idle if idle > 0 else 3600)
            except TimeoutError:
                if idle > 0:
                    break
                continue
            seq = (msg.headers or {}).get(SEQ_HEADER, "?")
            echo(f"{msg.subject} seq={seq} {msg.data.decode()}")
            n += 1
    finally:
        await nc.close()
    return n
