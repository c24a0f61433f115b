"""Idempotency keys as Stripe defines them, over gRPC against the real event log."""

from __future__ import annotations

import asyncio

import grpc
from ledgermesh.payments.v1 import payment_service_pb2 as pay

from support.errors import error_info
from tests.e2e.support import count_events, system_without_gateway

__all__ = ["system_without_gateway"]


def _request(key: str, **fields: object) -> pay.CreateChargeRequest:
    values: dict[str, object] = {"amount": 2_000, "currency": "usd", "source": "tok_visa", "idempotency_key": key}
    values.update(fields)
    return pay.CreateChargeRequest(**values)  # type: ignore[arg-type]


async def test_given_20_concurrent_requests_with_one_key_then_one_charge_one_set_of_events_identical_responses(
    system,
) -> None:
    merchant = await system.merchant()

    async def create() -> pay.CreateChargeResponse | grpc.aio.AioRpcError:
        try:
            return await system.payments.CreateCharge(_request("order-42"), metadata=merchant.metadata)
        except grpc.aio.AioRpcError as error:
            return error

    outcomes = await asyncio.gather(*(create() for _ in range(20)))
    # Whatever raced, a retry once the first finished gets the saved response.
    outcomes.append(await create())

    successes = [o for o in outcomes if isinstance(o, pay.CreateChargeResponse)]
    failures = [o for o in outcomes if isinstance(o, grpc.aio.AioRpcError)]
    assert successes, "no request succeeded"
    assert len({s.SerializeToString(deterministic=True) for s in successes}) == 1
    for failure in failures:
        assert failure.code() == grpc.StatusCode.ABORTED
        info = error_info(failure)
        assert info is not None and info.reason == "IDEMPOTENCY_KEY_IN_USE"
    assert await count_events(system, "event_type = 'ChargeRequested'") == 1
    charge_id = successes[0].charge.id
    # One charge stream (requested, fraud check, authorized, captured) and one ledger entry.
    assert await count_events(system, "aggregate_id = %s", (charge_id,)) == 4
    assert await count_events(system, "aggregate_type = 'Ledger'") == 1


async def test_given_a_used_key_when_sent_with_different_parameters_then_refused_key_reused(system) -> None:
    merchant = await system.merchant()
    await system.payments.CreateCharge(_request("k-1"), metadata=merchant.metadata)
    before = await count_events(system)

    try:
        await system.payments.CreateCharge(_request("k-1", amount=2_001), metadata=merchant.metadata)
        raise AssertionError("a reused key with new parameters was accepted")
    except grpc.aio.AioRpcError as error:
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        info = error_info(error)
        assert info is not None and info.reason == "IDEMPOTENCY_KEY_REUSED"
    assert await count_events(system) == before


async def test_given_a_request_that_failed_validation_when_corrected_with_the_same_key_then_it_succeeds(
    system,
) -> None:
    merchant = await system.merchant()
    try:
        await system.payments.CreateCharge(_request("k-fix", currency="xyz"), metadata=merchant.metadata)
        raise AssertionError("an unknown currency was accepted")
    except grpc.aio.AioRpcError as error:
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT

    corrected = await system.payments.CreateCharge(_request("k-fix", currency="usd"), metadata=merchant.metadata)

    assert corrected.charge.status and corrected.charge.currency == "usd"
    assert await count_events(system, "event_type = 'ChargeRequested'") == 1


async def test_given_a_declined_charge_when_retried_with_the_same_key_then_the_same_decline_and_no_new_events(
    system,
) -> None:
    merchant = await system.merchant()
    first = await system.payments.CreateCharge(_request("k-decl", source="tok_chargeDeclined"),
                                               metadata=merchant.metadata)
    assert first.charge.failure_code == "card_declined" and not first.charge.paid
    before = await count_events(system)

    again = await system.payments.CreateCharge(_request("k-decl", source="tok_chargeDeclined"),
                                               metadata=merchant.metadata)

    assert again.SerializeToString(deterministic=True) == first.SerializeToString(deterministic=True)
    assert await count_events(system) == before


async def test_given_two_merchants_when_using_the_same_key_then_each_gets_its_own_charge(system) -> None:
    first_merchant = await system.merchant()
    second_merchant = await system.merchant(email="second@example.com")

    first = await system.payments.CreateCharge(_request("shared"), metadata=first_merchant.metadata)
    second = await system.payments.CreateCharge(_request("shared"), metadata=second_merchant.metadata)

    assert first.charge.id != second.charge.id
    assert second.charge.account_id == second_merchant.account_id
