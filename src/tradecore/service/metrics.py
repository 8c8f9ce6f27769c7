"""Prometheus metrics of one service instance (its own registries, so tests can run several).

Series labelled by account live in ``account_registry``: /metrics shows them only to a key
with the ``metrics`` scope (and only the accounts that key may see); everyone else gets the
operational series of ``registry`` alone, which name no account."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.metrics_core import Metric


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        a = self.account_registry = CollectorRegistry()
        self.order_latency = Histogram(
            "tradecore_order_submit_seconds", "engine time to process one submit (risk, routing)",
            buckets=(1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 5e-3, 2e-2, 1e-1), registry=r,
        )  # fmt: skip
        self.http_latency = Histogram(
            "tradecore_http_request_seconds", "REST latency", ["route"], registry=r
        )
        self.orders = Counter("tradecore_orders_total", "orders submitted", ["account"], registry=a)
        self.fills = Counter("tradecore_fills_total", "fills", ["venue"], registry=r)
        self.denials = Counter("tradecore_denials_total", "orders denied", ["reason"], registry=r)
        self.venue_health = Gauge(
            "tradecore_venue_up",
            "1 if the venue is up and its breaker closed",
            ["venue"],
            registry=r,
        )
        self.journal_lag = Gauge(
            "tradecore_journal_lag_events",
            "events appended by the engine but not yet committed in the journal store",
            registry=r,
        )
        self.trading_state = Gauge(
            "tradecore_trading_state",
            "global emergency state (scope '*'): 0 ACTIVE, 1 REDUCE_ONLY, 2 HALTED",
            ["scope"],
            registry=r,
        )
        self.account_trading_state = Gauge(
            "tradecore_account_trading_state",
            "emergency state per account: 0 ACTIVE, 1 REDUCE_ONLY, 2 HALTED",
            ["account"],
            registry=a,
        )
        self.ws_clients = Gauge("tradecore_ws_clients", "connected WebSocket clients", registry=r)
        self.auth_failures = Counter(
            "tradecore_auth_failures_total", "requests with a missing or invalid key", registry=r
        )
        self.throttled = Counter(
            "tradecore_throttled_total", "requests answered 429", ["why"], registry=r
        )


class AccountFilter:
    """A registry view with only the samples of the given accounts (``*``: all)."""

    def __init__(self, registry: CollectorRegistry, accounts: frozenset[str]) -> None:
        self.registry = registry
        self.accounts = accounts

    def collect(self) -> Iterator[Metric]:
        for m in self.registry.collect():
            if "*" not in self.accounts:
                m.samples = [s for s in m.samples if s.labels.get("account", "") in self.accounts]
            yield m
