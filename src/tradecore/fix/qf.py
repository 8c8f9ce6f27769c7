"""QuickFIX helpers that do not import it: is it installed, messages as text <-> fields."""

from __future__ import annotations

import importlib.util

from tradecore.errors import ConfigError
from tradecore.fix.tags import Fields

SOH = "\x01"
INSTALL_HINT = "the FIX support needs the quickfix package: pip install 'tradecore[fix]'"


def available() -> bool:
    return importlib.util.find_spec("quickfix") is not None


def require(field: str = "--fix") -> None:
    """Refuse, naming the option, when QuickFIX is not installed."""
    if not available():
        raise ConfigError(field, INSTALL_HINT)


def parse(raw: str) -> Fields:
    """A FIX message's text (SOH-separated ``tag=value``) as tag -> value; a repeated tag
    (a repeating group) keeps its first value, the messages we read have none we need."""
    out: Fields = {}
    for part in raw.split(SOH):
        tag, sep, value = part.partition("=")
        if sep and tag.isdigit():
            out.setdefault(int(tag), value)
    return out


def groups(raw: str, count_tag: int, first_tag: int) -> list[Fields]:
    """The entries of one repeating group in a message's text (``count_tag`` = how many,
    ``first_tag`` opens each entry)."""
    entries: list[Fields] = []
    inside = False
    for part in raw.split(SOH):
        tag, sep, value = part.partition("=")
        if not sep or not tag.isdigit():
            continue
        t = int(tag)
        if t == count_tag:
            inside = True
            continue
        if not inside:
            continue
        if t == first_tag:
            entries.append({})
        elif not entries or t in (10,):
            if t == 10:
                break
            continue
        entries[-1].setdefault(t, value)
    return entries
