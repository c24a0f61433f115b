"""OpenTelemetry set-up: one tracer provider per process, W3C trace context everywhere.

Traces are sampled where they start, at a ratio from settings, and every later hop follows the
parent's decision (ParentBased): an unsampled request creates only non-recording spans. A process that
samples nothing and exports nowhere is not instrumented at all: its per-call spans (gRPC server and
client, REST, every Redis command) could never be seen, and cost the query service about a third of
its CPU per call (docs/read-side.md). Spans are taken at service boundaries (REST, gRPC, the event log's commit, NATS
publish and consume), not around each PostgreSQL statement."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased, Sampler, SamplingResult, TraceIdRatioBased

from support.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")
_instrumented = False
_console_added = False
# One batch exporter per OTLP endpoint, however often setup_tracing runs (tests start many systems).
_otlp_processors: dict[str, BatchSpanProcessor] = {}


class _RootRatio(Sampler):
    """Samples the traces that start in this process at the ratio the latest set-up asked for (tests
    set up many systems in one process, with and without an exporter)."""

    def __init__(self) -> None:
        self._ratio = TraceIdRatioBased(1.0)

    def set_ratio(self, ratio: float) -> None:
        self._ratio = TraceIdRatioBased(min(max(ratio, 0.0), 1.0))

    def should_sample(self, *args: Any, **kwargs: Any) -> SamplingResult:
        return self._ratio.should_sample(*args, **kwargs)

    def get_description(self) -> str:
        return f"RootRatio{{{self._ratio.rate}}}"


_root_sampler = _RootRatio()


def sample_ratio(settings: Settings, *, exporting: bool) -> float:
    """The settings' ratio; by default every trace when spans go somewhere, none when they would be dropped."""
    if settings.trace_sample_ratio is not None:
        return settings.trace_sample_ratio
    return 1.0 if exporting else 0.0


def setup_tracing(settings: Settings, *, exporter: SpanExporter | None = None) -> TracerProvider:
    """Install the process's tracer provider (once) and the library instrumentations; add
    `exporter` to it (tests add an in-memory one per system under test)."""
    global _console_added
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider(resource=Resource.create({"service.name": settings.service_name}),
                                  sampler=ParentBased(_root_sampler))
        trace.set_tracer_provider(provider)
    exporting = exporter is not None or bool(settings.otlp_endpoint) or settings.otel_console
    ratio = sample_ratio(settings, exporting=exporting)
    _root_sampler.set_ratio(ratio)
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    if settings.otlp_endpoint and settings.otlp_endpoint not in _otlp_processors:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        processor = BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.otlp_endpoint, insecure=True),
                                       schedule_delay_millis=settings.otlp_schedule_delay_ms)
        provider.add_span_processor(processor)
        _otlp_processors[settings.otlp_endpoint] = processor
        log.info("tracing: exporting spans over OTLP to %s", settings.otlp_endpoint)
    if settings.otel_console and not _console_added:
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
        _console_added = True
    if exporting or ratio > 0:
        instrument_libraries()
    return provider


def stop_exporting(endpoint: str) -> None:
    """Flush and stop the OTLP exporter of `endpoint` (a test's receiver going away)."""
    processor = _otlp_processors.pop(endpoint, None)
    if processor is not None:
        processor.shutdown()


def instrument_gateway(app: object) -> None:
    """Server spans for every REST request, parents of the gateway's gRPC client spans; none when
    tracing is off in this process (setup_tracing did not instrument the libraries)."""
    if not _instrumented:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,metrics")  # type: ignore[arg-type]


def instrument_libraries() -> None:
    global _instrumented
    if _instrumented:
        return
    from opentelemetry.instrumentation.grpc import GrpcAioInstrumentorClient, GrpcAioInstrumentorServer
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    GrpcAioInstrumentorServer().instrument()
    GrpcAioInstrumentorClient().instrument()
    # TODO(projector): one span per applied batch instead of one per Redis call; the projector's trace
    # ends in a Redis span (tests/e2e/test_tracing.py), which this instrumentation provides meanwhile.
    RedisInstrumentor().instrument()
    _instrumented = True


def current_traceparent() -> tuple[str, str]:
    """(trace_id hex, traceparent header) of the current span, or empty strings."""
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return "", ""
    trace_id = format(ctx.trace_id, "032x")
    return trace_id, f"00-{trace_id}-{format(ctx.span_id, '016x')}-{int(ctx.trace_flags):02x}"


def create_untraced_task(coro: Coroutine[Any, Any, T], *, name: str | None = None) -> asyncio.Task[T]:
    """A background loop (relay polling, health probes, metric samplers) whose library calls should not
    each start a new trace: instrumentations are off inside it. Manual spans still appear."""
    from opentelemetry.instrumentation.utils import suppress_instrumentation

    with suppress_instrumentation():
        # The task copies the current context, suppression included, when it is created.
        return asyncio.create_task(coro, name=name)
