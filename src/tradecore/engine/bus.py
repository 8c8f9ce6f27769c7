"""In-process publish/subscribe, typed by event class. Dispatch is a dict lookup per event;
handlers run synchronously in the engine thread in subscription order (deterministic)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

E = TypeVar("E")
Handler = Callable[[Any], None]


class MessageBus:
    __slots__ = ("_all", "_by_type", "_resolved")

    def __init__(self) -> None:
        self._by_type: dict[type[Any], list[Handler]] = {}
        self._all: list[Handler] = []
        self._resolved: dict[type[Any], tuple[Handler, ...]] = {}

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> None:
        """Call ``handler`` for every published instance of ``event_type`` (exact class)."""
        self._by_type.setdefault(event_type, []).append(handler)
        self._resolved.clear()

    def subscribe_all(self, handler: Handler) -> None:
        """Call ``handler`` for every published message (journal, external bridges)."""
        self._all.append(handler)
        self._resolved.clear()

    def unsubscribe(self, handler: Handler) -> None:
        for hs in self._by_type.values():
            while handler in hs:
                hs.remove(handler)
        while handler in self._all:
            self._all.remove(handler)
        self._resolved.clear()

    def resolved(self) -> dict[type[Any], tuple[Handler, ...]]:
        """The handlers :meth:`publish` has resolved per message class, for a caller that
        publishes in a tight loop (journal replay): ``resolved().get(cls)`` is the tuple
        ``publish`` calls, in order, or None (then call ``publish``, which resolves it). Cleared
        in place whenever a subscription changes, so a reference to it stays current."""
        return self._resolved

    def publish(self, message: Any) -> None:
        cls = type(message)
        handlers = self._resolved.get(cls)
        if handlers is None:
            handlers = tuple(self._by_type.get(cls, ())) + tuple(self._all)
            self._resolved[cls] = handlers
        for h in handlers:
            h(message)
