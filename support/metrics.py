"""Prometheus metrics shared by every LedgerMesh process; names and labels are listed in docs/metrics.md.

The projector's own metrics live in projector/metrics.py; both register in prometheus_client's default
registry, so one endpoint per process exposes everything that process does. What is sampled from the
outside (relay backlog, consumers' pending events) lives here: the sampler needs no service."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import grpc
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)
from starlette.responses import Response

log = logging.getLogger(__name__)

_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    def __init__(self) -> None:
        self.command_seconds = Histogram(
            "ledgermesh_command_duration_seconds", "Command handling time, by command (gRPC method)",
            ["command"], buckets=_LATENCY_BUCKETS)
        self.commands = Counter(
            "ledgermesh_commands_total", "Commands handled, by command and outcome (gRPC status code name)",
            ["command", "outcome"])
        self.query_seconds = Histogram(
            "ledgermesh_query_duration_seconds", "Query handling time, by query (gRPC method)",
            ["query"], buckets=_LATENCY_BUCKETS)
        self.queries = Counter(
            "ledgermesh_queries_total", "Queries handled, by query and outcome (gRPC status code name)",
            ["query", "outcome"])
        self.events_appended = Counter(
            "ledgermesh_events_appended_total", "Events committed to the log by this process",
            ["aggregate_type", "event_type"])
        self.relay_backlog = Gauge(
            "ledgermesh_relay_backlog_events", "Committed events the relay has not yet published")
        self.consumer_pending = Gauge(
            "ledgermesh_projection_pending_events", "Events in the stream not yet acked by the consumer",
            ["consumer"])
        self.dependency_up = Gauge(
            "ledgermesh_dependency_up", "1 while the dependency answers its health probe, else 0", ["dependency"])
        self.dependency_probes = Counter(
            "ledgermesh_dependency_probes_total",
            "Health probes of a dependency, by outcome (answered, slow: past the probe's timeout, failed)",
            ["dependency", "outcome"])
        self.webhook_deliveries = Counter(
            "ledgermesh_webhook_deliveries_total",
            "Webhook delivery attempts, by outcome (succeeded, failed, refused)", ["outcome"])
        self.webhook_delivery_seconds = Histogram(
            "ledgermesh_webhook_delivery_duration_seconds", "Time of one webhook delivery attempt",
            buckets=_LATENCY_BUCKETS)
        self.webhook_endpoints_disabled = Counter(
            "ledgermesh_webhook_endpoints_disabled_total", "Endpoints disabled after persistent failure")
        self.http_requests = Counter(
            "ledgermesh_http_requests_total", "Gateway requests, by method, route and status",
            ["method", "route", "status"])
        self.http_seconds = Histogram(
            "ledgermesh_http_request_duration_seconds", "Gateway request time, by method and route",
            ["method", "route"], buckets=_LATENCY_BUCKETS)


METRICS = Metrics()


def _split(method: str) -> tuple[str, str]:
    """'/pkg.Service/Method' -> ('pkg.Service', 'Method')."""
    _, service, name = method.split("/", 2) if method.count("/") == 2 else ("", "", method)
    return service, name


def _outcome(context: grpc.aio.ServicerContext, failed: bool) -> str:
    code = context.code()
    if code is None:
        return "UNKNOWN" if failed else "OK"
    if isinstance(code, grpc.StatusCode):
        return code.name
    return next((c.name for c in grpc.StatusCode if c.value[0] == code), str(code))


class MetricsInterceptor(grpc.aio.ServerInterceptor):
    """Latency and outcome of every unary call to a *CommandService (as a command) or the QueryService
    (as a query). Installed outermost, so refusals by the auth interceptor are counted too. Resolved
    once per method (support/grpc_server.py), so each method's histogram and counters are looked up
    once, not at every call (a `labels()` lookup takes a lock)."""

    async def intercept_service(
        self, continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        service, method = _split(handler_call_details.method)
        if service.endswith("CommandService"):
            seconds, outcomes = METRICS.command_seconds, METRICS.commands
        elif service.endswith("QueryService"):
            seconds, outcomes = METRICS.query_seconds, METRICS.queries
        else:
            return handler
        if handler is None or handler.unary_unary is None:
            return handler
        inner = handler.unary_unary
        observe = seconds.labels(method).observe
        ok = outcomes.labels(method, "OK")

        async def timed(request: Any, context: grpc.aio.ServicerContext) -> Any:
            started = time.perf_counter()
            failed = True
            try:
                response = await inner(request, context)
                failed = False
                return response
            finally:
                observe(time.perf_counter() - started)
                outcome = _outcome(context, failed)
                (ok if outcome == "OK" else outcomes.labels(method, outcome)).inc()

        return grpc.unary_unary_rpc_method_handler(
            timed, request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer)


def serve_metrics(host: str, port: int) -> tuple[Any, int]:
    """Expose the default registry at http://host:port/metrics (a daemon thread); returns (server, port)."""
    server, _ = start_http_server(port, addr=host, registry=REGISTRY)
    return server, int(server.server_port)


def count_appended(events: Sequence[Any]) -> None:
    for event in events:
        METRICS.events_appended.labels(event.aggregate_type, event.event_type).inc()


async def sample_every(interval: float, stop: asyncio.Event, sample: Callable[[], Awaitable[None]]) -> None:
    """Run `sample` until `stop`; a failed sample is logged and retried at the next tick."""
    while not stop.is_set():
        try:
            await sample()
        except Exception as exc:  # a gauge we cannot read this tick keeps its last value
            log.debug("metrics sample failed: %s", exc)
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
        except TimeoutError:
            pass


def relay_backlog_sampler(relay: Any) -> Callable[[], Awaitable[None]]:
    async def sample() -> None:
        METRICS.relay_backlog.set(await relay.backlog())

    return sample


def projection_pending_sampler(js: Any, stream: str, durables: Sequence[str]) -> Callable[[], Awaitable[None]]:
    """Lag in positions: events in the stream each projection's consumer has not yet acked."""

    async def sample() -> None:
        for durable in durables:
            info = await js.consumer_info(stream, durable)
            METRICS.consumer_pending.labels(durable).set(info.num_pending + info.num_ack_pending)

    return sample


class HttpMetricsMiddleware:
    """ASGI middleware counting gateway requests by route template (not raw path: ids would explode labels).
    Each label set's counter and histogram are looked up once (a `labels()` lookup takes a lock); the
    sets are bounded by methods x routes x statuses."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._counters: dict[tuple[str, str, str], Any] = {}
        self._timers: dict[tuple[str, str], Any] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            counted = self._counters.get((method, route, str(status)))
            if counted is None:
                counted = self._counters[(method, route, str(status))] = METRICS.http_requests.labels(
                    method, route, str(status))
            timer = self._timers.get((method, route))
            if timer is None:
                timer = self._timers[(method, route)] = METRICS.http_seconds.labels(method, route)
            counted.inc()
            timer.observe(time.perf_counter() - started)


def install_http_metrics(app: Any, authorize: Callable[[Any], Awaitable[Response | None]] | None = None) -> None:
    """GET /metrics on the gateway's own port, and request metrics for every route. On a public port
    `authorize` guards the scrape: it returns the refusal, or None to let the caller see the figures."""

    async def metrics_endpoint(request: Any) -> Response:
        if authorize is not None and (refusal := await authorize(request)) is not None:
            return refusal
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    app.add_route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False)
    app.add_middleware(HttpMetricsMiddleware)
