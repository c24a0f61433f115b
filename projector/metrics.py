"""Prometheus metrics of the projector; names are documented in docs/metrics.md."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram


class ProjectorMetrics:
    def __init__(self) -> None:
        self.applied = Counter("ledgermesh_projection_events_applied_total", "Events applied", ["projection"])
        self.duplicates = Counter(
            "ledgermesh_projection_duplicates_total", "Redelivered events that changed nothing", ["projection"]
        )
        self.failures = Counter("ledgermesh_projection_failures_total", "Failed apply attempts", ["projection"])
        self.dead_letters = Counter("ledgermesh_projection_dead_letters_total", "Events dead-lettered", ["projection"])
        self.lag = Histogram(
            "ledgermesh_projection_lag_seconds", "Commit to applied", ["projection"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.position = Gauge("ledgermesh_projection_position", "Highest log position applied", ["projection"])
        self.stuck = Gauge("ledgermesh_projection_stuck", "1 while the projection cannot move (see `ledgermesh lag`)",
                           ["projection"])
        self.redeliveries = Counter(
            "ledgermesh_consumer_redeliveries_total", "Messages delivered more than once", ["projection"])

    def observe_applied(self, projection: str, lag_seconds: float, position: int) -> None:
        self.applied.labels(projection).inc()
        self.lag.labels(projection).observe(lag_seconds)
        gauge = self.position.labels(projection)
        if position > gauge._value.get():  # noqa: SLF001
            gauge.set(position)


PROJECTOR_METRICS = ProjectorMetrics()
