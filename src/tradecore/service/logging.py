"""Structured JSON logs (structlog). The audit logger records who did what; API secrets and
Authorization headers are never passed to it (only the key id)."""

from __future__ import annotations

import logging
import sys

import structlog


class _Stderr:
    """Whatever ``sys.stderr`` is when a line is written (not when this module was imported:
    a test harness swaps it, and a logger bound to a swapped-out stream fails on write)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


structlog.configure(
    processors=[
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.JSONRenderer(sort_keys=True),
    ],
    wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
    logger_factory=structlog.PrintLoggerFactory(file=_Stderr()),  # type: ignore[arg-type]
    cache_logger_on_first_use=True,
)

log = structlog.get_logger("tradecore")
audit_log = structlog.get_logger("tradecore.audit").bind(audit=True)
