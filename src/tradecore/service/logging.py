"""Structured JSON logs (structlog), on stderr. The audit logger records who did what; API
secrets and Authorization headers are never passed to it (only the key id).

Levels (``serve --log-level``, ``[service] log_level``; default ``info``): ``debug`` adds a
line per order submitted and per cancel (the journal is the audit of every order, so the
default keeps them off the request path); ``info`` and up keep the operator's lines (a kill
switch engaged or released is a warning)."""

from __future__ import annotations

import logging
import sys

import structlog

LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
          "error": logging.ERROR}  # fmt: skip


class _Stderr:
    """Whatever ``sys.stderr`` is when a line is written (not when this module was imported:
    a test harness swaps it, and a logger bound to a swapped-out stream fails on write)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure(level: str = "info") -> None:
    """Log at ``level`` and above (one of :data:`LEVELS`). Takes effect for a logger that
    has not logged yet (each caches its configuration on first use): call it at start."""
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(sort_keys=True),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(LEVELS[level]),
        logger_factory=structlog.PrintLoggerFactory(file=_Stderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )


configure()
log = structlog.get_logger("tradecore")
audit_log = structlog.get_logger("tradecore.audit", audit=True)
