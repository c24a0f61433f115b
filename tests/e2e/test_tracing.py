"""One trace across every hop, received over OTLP as a collector (and Jaeger behind it) would see it:
REST request -> gRPC CreateCharge (client and server) -> PostgreSQL insert -> NATS publish ->
projector consume -> Redis write."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from support.settings import Settings
from support.telemetry import stop_exporting
from tests.conftest import eventually
from tests.e2e.otlp_receiver import OtlpReceiver, ReceivedSpan

CREATE_CHARGE = "/ledgermesh.payments.v1.PaymentCommandService/CreateCharge"


@pytest.fixture
def otlp() -> Iterator[OtlpReceiver]:
    receiver = OtlpReceiver()
    try:
        yield receiver
    finally:
        stop_exporting(receiver.endpoint)
        receiver.stop()


@pytest.fixture
def settings(settings: Settings, otlp: OtlpReceiver) -> Settings:
    # What `OTEL_EXPORTER_OTLP_ENDPOINT=http://... make run` configures, with a short batch delay.
    return settings.with_(otlp_endpoint=otlp.endpoint, otlp_schedule_delay_ms=50)


class Trace:
    def __init__(self, spans: list[ReceivedSpan]) -> None:
        self.spans = spans
        self.by_id = {s.span_id: s for s in spans}

    def one(self, what: str, match: Callable[[ReceivedSpan], bool]) -> ReceivedSpan:
        found = [s for s in self.spans if match(s)]
        assert found, f"no {what} span in the trace: {sorted((s.kind, s.name) for s in self.spans)}"
        return found[0]

    def ancestors(self, span: ReceivedSpan) -> list[ReceivedSpan]:
        chain = []
        while span.parent_span_id:
            parent = self.by_id.get(span.parent_span_id)
            assert parent is not None, f"{span.name}'s parent {span.parent_span_id} never arrived"
            chain.append(parent)
            span = parent
        return chain

    def descends(self, span: ReceivedSpan, ancestor: ReceivedSpan) -> bool:
        return ancestor in self.ancestors(span)


async def test_one_trace_from_rest_request_to_redis_write_arrives_over_otlp(system, otlp: OtlpReceiver) -> None:
    merchant = await system.merchant()
    created = await system.http.post("/v1/charges", headers=merchant.headers,
                                     data={"amount": "2000", "currency": "usd", "source": "tok_visa"})
    assert created.status_code == 200, created.text

    def rest_span() -> ReceivedSpan | None:
        return next((s for s in otlp.spans() if s.kind == "SERVER" and s.name == "POST /v1/charges"), None)

    async def arrived() -> list[ReceivedSpan] | None:
        rest = rest_span()
        if rest is None:
            return None
        spans = [s for s in otlp.spans() if s.trace_id == rest.trace_id]
        # The projector's Redis write is the last hop.
        consumed = {s.span_id for s in spans if s.kind == "CONSUMER" and s.name.startswith("project ")}
        redis_under_consume = [s for s in spans if s.attributes.get("db.system") == "redis"
                               and s.parent_span_id in consumed]
        return spans if redis_under_consume else None

    t = Trace(await eventually(arrived, timeout=15, message="the whole chain never arrived over OTLP"))

    rest = t.one("REST server", lambda s: s.kind == "SERVER" and s.name == "POST /v1/charges")
    assert rest.parent_span_id == "", "the REST request starts the trace"
    client = t.one("gRPC client", lambda s: s.kind == "CLIENT" and s.name == CREATE_CHARGE)
    assert t.descends(client, rest)
    server = t.one("gRPC server", lambda s: s.kind == "SERVER" and s.name == CREATE_CHARGE)
    assert server.parent_span_id == client.span_id
    insert = t.one("PostgreSQL insert", lambda s: s.attributes.get("db.system") in ("postgresql", "postgres")
                   and "INSERT INTO events" in str(s.attributes.get("db.statement", s.attributes.get("db.query.text"))))
    assert t.descends(insert, server)
    publish = t.one("NATS publish", lambda s: s.kind == "PRODUCER" and s.name.startswith("publish "))
    assert t.descends(publish, server)
    assert publish.attributes.get("messaging.system") == "nats"
    consume = t.one("projector consume", lambda s: s.kind == "CONSUMER" and s.name.startswith("project "))
    assert t.by_id[consume.parent_span_id].kind == "PRODUCER", "the consumer continues the publish span"
    assert t.descends(consume, server)
    redis = t.one("Redis write", lambda s: s.attributes.get("db.system") == "redis"
                  and s.parent_span_id == consume.span_id)
    assert t.descends(redis, rest)
    assert len({s.trace_id for s in (rest, client, server, insert, publish, consume, redis)}) == 1
