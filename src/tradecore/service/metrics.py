"""Prometheus metrics of one service instance (its own registry, so tests can run several)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.order_latency = Histogram(
            "tradecore_order_submit_seconds", "engine time to process one submit (risk, routing)",
            buckets=(1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 5e-3, 2e-2, 1e-1), registry=r,
        )  # fmt: skip
        self.http_latency = Histogram(
            "tradecore_http_request_seconds", "REST latency", ["route"], registry=r
        )
        self.orders = Counter("tradecore_orders_total", "orders submitted", ["account"], registry=r)
        self.fills = Counter("tradecore_fills_total", "fills", ["venue"], registry=r)
        self.denials = Counter("tradecore_denials_total", "orders denied", ["reason"], registry=r)
        self.venue_health = Gauge(
            "tradecore_venue_up",
            "1 if the venue is up and its breaker closed",
            ["venue"],
            registry=r,
        )
        self.journal_lag = Gauge(
            "tradecore_journal_lag_events", "events appended but not committed", registry=r
        )
        self.trading_state = Gauge(
            "tradecore_trading_state",
            "emergency state per scope ('*' = global): 0 ACTIVE, 1 REDUCE_ONLY, 2 HALTED",
            ["scope"],
            registry=r,
        )
        self.ws_clients = Gauge("tradecore_ws_clients", "connected WebSocket clients", registry=r)
