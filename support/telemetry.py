"""OpenTelemetry set-up: one tracer provider per process, W3C trace context everywhere."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, SpanExporter

from support.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")
_instrumented = False
_console_added = False
# One batch exporter per OTLP endpoint, however often setup_tracing runs (tests start many systems).
_otlp_processors: dict[str, BatchSpanProcessor] = {}


def setup_tracing(settings: Settings, *, exporter: SpanExporter | None = None) -> TracerProvider:
    """Install the process's tracer provider (once) and the library instrumentations; add
    `exporter` to it (tests add an in-memory one per system under test)."""
    global _console_added
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider(resource=Resource.create({"service.name": settings.service_name}))
        trace.set_tracer_provider(provider)
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
    instrument_libraries()
    return provider


def stop_exporting(endpoint: str) -> None:
    """Flush and stop the OTLP exporter of `endpoint` (a test's receiver going away)."""
    processor = _otlp_processors.pop(endpoint, None)
    if processor is not None:
        processor.shutdown()


def instrument_gateway(app: object) -> None:
    """Server spans for every REST request, parents of the gateway's gRPC client spans."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,metrics")  # type: ignore[arg-type]


def instrument_libraries() -> None:
    global _instrumented
    if _instrumented:
        return
    from opentelemetry.instrumentation.grpc import GrpcAioInstrumentorClient, GrpcAioInstrumentorServer
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    GrpcAioInstrumentorServer().instrument()
    GrpcAioInstrumentorClient().instrument()
    PsycopgInstrumentor().instrument(enable_commenter=False, skip_dep_check=True)
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
