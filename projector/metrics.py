"""Prometheus metrics of the projector; names are documented in docs/metrics.md."""

from __future__ import annotations

from collections.abc import Sequence

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

    def applied_to(self, projection: str) -> AppliedMetrics:
        """The applied-event metrics of one projection, resolved once (a `labels()` lookup per event
        and projection was about a tenth of the projector's CPU)."""
        return AppliedMetrics(self.applied.labels(projection), self.lag.labels(projection),
                              self.position.labels(projection))


class AppliedMetrics:
    """One projection's applied counter, lag histogram and position gauge, written once per batch."""

    def __init__(self, applied: Counter, lag: Histogram, position: Gauge) -> None:
        self._applied = applied
        self._lag = lag
        self._position = position

    def observe(self, lags_seconds: Sequence[float], top_position: int) -> None:
        self._applied.inc(len(lags_seconds))
        for lag in lags_seconds:
            self._lag.observe(lag)
        # Several workers of one process share the gauge: it only moves up.
        if top_position > self._position._value.get():  # noqa: SLF001
            self._position.set(top_position)


PROJECTOR_METRICS = ProjectorMetrics()
