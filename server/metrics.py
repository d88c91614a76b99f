"""Prometheus metrics of one app (a registry each, so several apps can share a test process)."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.sockets = Gauge("sawt_connected_sockets", "Sockets connected to this process",
                             registry=r)
        self.disconnects = Counter("sawt_socket_disconnects_total",
                                   "Sockets disconnected, by reason", ["reason"], registry=r)
        self.events = Counter("sawt_socket_events_total", "Socket events handled", ["event"],
                              registry=r)
        self.latency = Histogram(
            "sawt_socket_event_seconds", "Socket event handler latency", ["event"], registry=r,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
        self.errors = Counter("sawt_errors_total", "Errors answered, by code and surface",
                              ["surface", "code"], registry=r)
        self.batch_size = Histogram(
            "sawt_group_commit_batch_size", "Items stored per group-commit batch (one "
            "statement, one COMMIT), by batcher", ["batch"], registry=r,
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512))
        self.http = Counter("sawt_http_requests_total", "HTTP requests", ["route", "status"],
                            registry=r)
        self.moderation = Counter(
            "sawt_moderation_decisions_total", "Texts the moderation gate decided, by surface, "
            "action (allow, hold, block) and category: the denominator of what the review "
            "queue's decisions measure", ["surface", "action", "category"], registry=r)
        self._moderation_children: dict[tuple[str, str, str], Counter] = {}
        self.loop_lag = Histogram(
            "sawt_event_loop_lag_seconds", "How late the event loop ran a 100 ms timer",
            registry=r, buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5))

    def count_moderation(self, surface: str, action: str, category: str) -> None:
        """One decision of the moderation gate (a child per label set, looked up once: the
        gate runs on every text, and `labels()` costs more than the increment)."""
        key = (surface, action, category)
        child = self._moderation_children.get(key)
        if child is None:
            child = self._moderation_children[key] = self.moderation.labels(*key)
        child.inc()

    def batch_observer(self, batch: str):
        """`observe(size)` for one batcher's histogram series."""
        return self.batch_size.labels(batch).observe

    def render(self) -> bytes:
        return generate_latest(self.registry)
