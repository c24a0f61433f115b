"""OpenTelemetry set-up: one tracer provider per process, W3C trace context everywhere."""

from __future__ import annotations

import logging

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, SpanExporter

from runtime.settings import Settings

log = logging.getLogger(__name__)
_instrumented = False
_exporters_added = False


def setup_tracing(settings: Settings, *, exporter: SpanExporter | None = None) -> TracerProvider:
    """Install the process's tracer provider (once) and the library instrumentations; add
    `exporter` to it (tests add an in-memory one per system under test)."""
    global _exporters_added
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider(resource=Resource.create({"service.name": settings.service_name}))
        trace.set_tracer_provider(provider)
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    if not _exporters_added:
        if settings.otlp_endpoint:
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(
                BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.otlp_endpoint, insecure=True)))
            log.info("tracing: exporting spans over OTLP to %s", settings.otlp_endpoint)
        if settings.otel_console:
            provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
        _exporters_added = True
    instrument_libraries()
    return provider


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
