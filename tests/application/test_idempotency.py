"""Idempotency keys as Stripe defines them, through the real CommandRunner on in-memory ports: a
retry gets the first answer (or the first refusal), another request under the same key is refused,
and a request that saved nothing leaves its key free."""

from __future__ import annotations

import asyncio

import pytest

from command_svc.application.pipeline import Decision
from command_svc.domain.errors import ConcurrencyError, InsufficientFundsError, PreconditionError, ValidationError
from eventlog.records import NewEvent, StreamAppend
from tests.application.harness import CommandSide, audit


async def test_a_retry_under_the_same_key_gets_the_first_answer_and_appends_nothing(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id
    first = await side.charge(merchant, 2_000, key="order-42")
    events, published = side.store.events, list(side.publisher.published)

    again = await side.charge(merchant, 2_000, key="order-42")

    assert again == first
    assert side.store.events == events
    assert side.publisher.published == published


async def test_the_same_key_with_other_parameters_is_refused_as_reused(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id
    await side.charge(merchant, 2_000, key="k-1")
    before = side.store.events

    with pytest.raises(PreconditionError) as refused:
        await side.charge(merchant, 2_001, key="k-1")

    assert refused.value.reason == "IDEMPOTENCY_KEY_REUSED"
    assert side.store.events == before


async def test_a_request_that_failed_validation_can_be_corrected_under_the_same_key(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id
    with pytest.raises(ValidationError):
        await side.charge(merchant, 2_000, currency="xyz", key="k-fix")

    corrected = await side.charge(merchant, 2_000, key="k-fix")

    assert corrected.state.currency == "usd" and corrected.state.captured
    assert len([e for e in side.store.events if e.event_type == "ChargeRequested"]) == 1


async def test_a_refusal_is_kept_under_its_key_and_given_again_to_a_retry(side: CommandSide) -> None:
    merchant = await side.verified_merchant()
    with pytest.raises(InsufficientFundsError) as first:
        await side.payout(merchant, 5_000, key="po-1")
    await side.charge(merchant, 10_000, "tok_bypassPending")
    before = side.store.events

    with pytest.raises(PreconditionError) as again:
        await side.payout(merchant, 5_000, key="po-1")

    assert (again.value.reason, again.value.message, again.value.field, again.value.metadata) == (
        first.value.reason, first.value.message, first.value.field, first.value.metadata)
    assert again.value.reason == "INSUFFICIENT_FUNDS" and again.value.field == "amount"
    assert side.store.events == before
    assert (await side.payout(merchant, 5_000, key="po-2")).payout.payout_amount == 5_000


async def test_a_retry_while_the_first_request_still_runs_is_refused_as_in_use(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id
    deciding, proceed = asyncio.Event(), asyncio.Event()

    async def slow_charge() -> Decision:
        deciding.set()
        await proceed.wait()
        return await side.payments.create_charge(merchant, {"amount": 2_000, "currency": "usd", "source": "tok_visa"})

    first = asyncio.create_task(side.run(merchant, "CreateCharge", slow_charge, key="k-slow", request="charge"))
    await deciding.wait()

    with pytest.raises(ConcurrencyError) as refused:
        await side.run(merchant, "CreateCharge", slow_charge, key="k-slow", request="charge")

    assert refused.value.reason == "IDEMPOTENCY_KEY_IN_USE"
    proceed.set()
    answer = await first
    assert await side.run(merchant, "CreateCharge", slow_charge, key="k-slow", request="charge") == answer


async def test_a_key_whose_command_lost_every_race_is_free_for_a_retry(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id
    stream = f"ledger:{merchant}:usd"
    await side.store.append(merchant, [StreamAppend(stream, "Ledger", 0, (NewEvent("Note", {"n": 0}),))],
                            audit())
    expected = 0

    async def decide() -> Decision:
        return Decision([StreamAppend(stream, "Ledger", expected, (NewEvent("Note", {"n": 1}),))], None)

    with pytest.raises(ConcurrencyError) as gave_up:
        await side.run(merchant, "Note", decide, key="k-race", request="note")
    assert gave_up.value.reason == "CONCURRENT_MODIFICATION"

    expected = 1
    await side.run(merchant, "Note", decide, key="k-race", request="note")
    assert [e.data["n"] for e in await side.store.read_stream(stream)] == [0, 1]


async def test_a_key_expires_after_24_hours_and_then_runs_its_command_again(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id
    first = await side.charge(merchant, 2_000, key="k-day")
    side.clock.advance(hours=23, minutes=59)
    assert await side.charge(merchant, 2_000, key="k-day") == first

    side.clock.advance(minutes=1, seconds=1)
    later = await side.charge(merchant, 2_000, key="k-day")

    assert later.state.charge_id != first.state.charge_id


async def test_two_merchants_using_the_same_key_each_get_their_own_charge(side: CommandSide) -> None:
    first_merchant = (await side.onboard()).state.account_id
    second_merchant = (await side.onboard("second@example.com")).state.account_id

    first = await side.charge(first_merchant, 2_000, key="shared")
    second = await side.charge(second_merchant, 2_000, key="shared")

    assert first.state.charge_id != second.state.charge_id
    assert second.state.account_id == second_merchant


async def test_a_refused_command_appends_and_publishes_nothing(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id
    charge = await side.charge(merchant, 2_000, capture=False)
    events, published = side.store.events, list(side.publisher.published)

    for refused in (side.refund(merchant, charge.state.charge_id, 100, key="r-1"),
                    side.capture(merchant, charge.state.charge_id, 2_001, key="c-1"),
                    side.payout(merchant, 100, key="p-1")):
        with pytest.raises((ValidationError, PreconditionError)):
            await refused

    assert side.store.events == events
    assert side.publisher.published == published
