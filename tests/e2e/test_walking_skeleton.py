"""One charge end to end: REST -> gRPC -> PostgreSQL -> JetStream -> projector -> Redis -> query."""

from __future__ import annotations

import grpc
import pytest
from ledgermesh.payments.v1 import payment_service_pb2 as pay
from ledgermesh.query.v1 import query_service_pb2 as q

from support.errors import error_info
from tests.conftest import eventually


async def _count_events(system) -> int:  # type: ignore[no-untyped-def]
    async with system.system.infra.pool.connection() as conn:
        cur = await conn.execute("SELECT count(*) FROM events WHERE aggregate_type = 'Charge'")
        row = await cur.fetchone()
        return int(row[0])


async def test_charge_created_over_rest_is_readable_from_the_read_model(system) -> None:
    merchant = await system.merchant()

    created = await system.http.post("/v1/charges", headers=merchant.headers,
                                     data={"amount": "4999", "currency": "usd", "source": "tok_visa",
                                           "metadata[order_id]": "o-1"})
    assert created.status_code == 200, created.text
    charge = created.json()
    assert charge["id"].startswith("ch_") and charge["object"] == "charge"
    assert charge["status"] == "succeeded" and charge["captured"] is True
    assert charge["amount"] == 4999 and charge["currency"] == "usd"

    async def projected():  # type: ignore[no-untyped-def]
        # The charge's events are applied one by one: wait for the last (the capture), not the first.
        r = await system.http.get(f"/v1/charges/{charge['id']}", headers=merchant.headers)
        return r.json() if r.status_code == 200 and r.json().get("amount_captured") else None

    read = await eventually(projected, message="charge never reached the read model")
    assert read["id"] == charge["id"]
    assert read["amount_captured"] == 4999
    assert read["metadata"] == {"order_id": "o-1"}
    assert read["payment_method_details"]["card"]["last4"] == "4242"
    assert read["livemode"] is False


async def test_one_trace_covers_gateway_command_and_projector(system) -> None:
    merchant = await system.merchant()
    created = await system.http.post("/v1/charges", headers=merchant.headers,
                                     data={"amount": "1200", "currency": "eur", "source": "tok_mastercard"})
    charge_id = created.json()["id"]
    gateway_span = next(s for s in system.spans.get_finished_spans()
                        if s.attributes.get("http.route") == "/v1/charges" or "POST /v1/charges" in s.name)
    trace_id = gateway_span.context.trace_id

    def spans_of_trace():  # type: ignore[no-untyped-def]
        return [s for s in system.spans.get_finished_spans() if s.context.trace_id == trace_id]

    async def projector_span():  # type: ignore[no-untyped-def]
        return [s for s in spans_of_trace() if s.name.startswith("project ")]

    await eventually(projector_span, message="no projector span joined the request's trace")
    names = [s.name for s in spans_of_trace()]
    assert any("PaymentCommandService/CreateCharge" in n for n in names), names
    assert any(n.startswith("publish ") for n in names), names
    assert charge_id


@pytest.mark.parametrize(
    ("fields", "reason", "field"),
    [
        ({"currency": "usd", "source": "tok_visa"}, "AMOUNT_TOO_SMALL", "amount"),
        ({"amount": -5, "currency": "usd", "source": "tok_visa"}, "AMOUNT_TOO_SMALL", "amount"),
        ({"amount": 500, "currency": "xyz", "source": "tok_visa"}, "CURRENCY_UNSUPPORTED", "currency"),
    ],
)
async def test_bad_charge_over_grpc_is_invalid_argument_and_appends_nothing(system, fields, reason, field) -> None:
    merchant = await system.merchant()
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await system.payments.CreateCharge(pay.CreateChargeRequest(**fields), metadata=merchant.metadata)
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    info = error_info(failure.value)
    assert info is not None and info.reason == reason and info.metadata["field"] == field
    assert await _count_events(system) == 0


@pytest.mark.parametrize(
    ("form", "param", "code"),
    [
        ({"currency": "usd", "source": "tok_visa"}, "amount", "parameter_missing"),
        ({"amount": "-5", "currency": "usd", "source": "tok_visa"}, "amount", "amount_too_small"),
        ({"amount": "500", "currency": "xyz", "source": "tok_visa"}, "currency", "invalid_currency"),
    ],
)
async def test_bad_charge_over_rest_is_a_stripe_400_and_appends_nothing(system, form, param, code) -> None:
    merchant = await system.merchant()
    response = await system.http.post("/v1/charges", headers=merchant.headers, data=form)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param and error["code"] == code
    assert error["message"]
    assert await _count_events(system) == 0


async def test_query_over_grpc_returns_the_projected_charge_with_read_your_writes(system) -> None:
    merchant = await system.merchant()
    created = await system.payments.CreateCharge(
        pay.CreateChargeRequest(amount=2500, currency="gbp", source="tok_visa"), metadata=merchant.metadata)
    got = await system.queries.GetCharge(
        q.GetChargeRequest(charge_id=created.charge.id, min_position=created.global_position),
        metadata=merchant.metadata)
    assert got.charge.amount == 2500 and got.charge.currency == "gbp"
    assert got.charge.position >= created.global_position
