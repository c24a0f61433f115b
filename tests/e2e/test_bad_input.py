"""Bad input is INVALID_ARGUMENT with ErrorInfo reason and field; nothing is appended or published,
and a card number sent as a source is never stored nor logged."""

from __future__ import annotations

import logging

import grpc
import pytest
from ledgermesh.payments.v1 import payment_service_pb2 as pay

from eventlog.bus import EventPublisher, Relay
from support.errors import error_info
from tests.e2e.support import all_published, count_events, scalar, stream_messages, system_without_gateway

__all__ = ["system_without_gateway"]

CARD_NUMBER = "4242 4242 4242 4242"
VALID = {"amount": 1_000, "currency": "usd", "source": "tok_visa"}


def _with(**changes: object) -> dict[str, object]:
    return {**VALID, **changes}


@pytest.mark.parametrize(
    ("fields", "reason", "field"),
    [
        (_with(amount=0), "AMOUNT_TOO_SMALL", "amount"),
        (_with(amount=-1), "AMOUNT_TOO_SMALL", "amount"),
        (_with(amount=100_000_000), "AMOUNT_TOO_LARGE", "amount"),
        (_with(currency="xyz"), "CURRENCY_UNSUPPORTED", "currency"),
        (_with(metadata={f"k{i}": "v" for i in range(51)}), "METADATA_TOO_MANY_KEYS", "metadata"),
        (_with(metadata={"k" * 41: "v"}), "METADATA_KEY_TOO_LONG", "metadata"),
        (_with(metadata={"k": "v" * 501}), "METADATA_VALUE_TOO_LONG", "metadata"),
        (_with(description="d" * 1001), "DESCRIPTION_TOO_LONG", "description"),
        (_with(statement_descriptor="s" * 23), "STATEMENT_DESCRIPTOR_TOO_LONG", "statement_descriptor"),
        (_with(source="tok_doesNotExist"), "SOURCE_INVALID", "source"),
        (_with(source=CARD_NUMBER), "RAW_CARD_NUMBER_REFUSED", "source"),
        (_with(source=CARD_NUMBER.replace(" ", "")), "RAW_CARD_NUMBER_REFUSED", "source"),
    ],
)
async def test_given_bad_charge_input_then_invalid_argument_with_reason_and_field_and_nothing_stored_or_published(
    system, caplog, fields, reason, field,
) -> None:
    merchant = await system.merchant()
    events_before = await count_events(system)
    messages_before = await all_published(system)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await system.payments.CreateCharge(pay.CreateChargeRequest(**fields, idempotency_key="bad-1"),  # type: ignore[arg-type]
                                           metadata=merchant.metadata)

    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    info = error_info(failure.value)
    assert info is not None and info.reason == reason and info.metadata["field"] == field
    assert CARD_NUMBER.replace(" ", "") not in (failure.value.details() or "").replace(" ", "")
    assert await count_events(system) == events_before
    # One relay round of our own: whatever the log holds that was not published would be now.
    infra = system.system.infra
    await Relay(infra.store, EventPublisher(infra.nc.jetstream(), infra.settings.subject_prefix)).run_once()
    assert await stream_messages(system) == messages_before
    assert await scalar(system, "SELECT count(*) FROM idempotency_keys") == 0
    stored = await scalar(system, "SELECT count(*) FROM events WHERE event_data::text LIKE %s"
                                  " OR metadata::text LIKE %s", ("%4242424242424242%", "%4242 4242 4242 4242%"))
    assert stored == 0
    logged = "\n".join(record.getMessage() + str(record.args or "") for record in caplog.records)
    assert "4242424242424242" not in logged.replace(" ", "")
