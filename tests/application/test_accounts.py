"""Accounts through the real use cases on the in-memory store: onboarding with the first API key,
KYC gating payouts, and payouts that can never overdraw, even when they race."""

from __future__ import annotations

import asyncio

import pytest

from command_svc.domain.errors import DomainError, InsufficientFundsError, NotFoundError, PreconditionError
from support.api_keys import hash_key
from tests.application.harness import CommandSide

PAYOUT = 1_000


async def test_onboarding_stores_the_first_api_key_in_the_commit_of_the_account(side: CommandSide) -> None:
    onboarded = await side.onboard()
    account_id = onboarded.state.account_id

    assert onboarded.secret_key.startswith("sk_test_")
    assert await side.store.account_for(hash_key(onboarded.secret_key)) == account_id
    events = await side.store.read_stream(account_id)
    assert [e.event_type for e in events] == ["AccountOnboarded", "ApiKeyIssued"]
    assert events[1].data["key_hash"] == hash_key(onboarded.secret_key)


async def test_a_refused_onboarding_stores_no_api_key(side: CommandSide) -> None:
    with pytest.raises(DomainError) as refused:
        await side.onboard("not an email")

    assert refused.value.reason == "EMAIL_INVALID"
    assert side.store.events == []


async def test_payouts_are_refused_until_the_identity_is_verified(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id
    await side.charge(merchant, 5_000, "tok_bypassPending")
    before = side.store.events

    with pytest.raises(PreconditionError) as refused:
        await side.payout(merchant, 100)

    assert refused.value.reason == "ACCOUNT_NOT_VERIFIED"
    assert side.store.events == before

    await side.verify(merchant)
    paid = await side.payout(merchant, 100)
    assert paid.payout.payout_amount == 100


async def test_a_rejected_verification_keeps_payouts_off(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id
    await side.charge(merchant, 5_000, "tok_bypassPending")
    await side.verify(merchant, "rejected")

    with pytest.raises(PreconditionError) as refused:
        await side.payout(merchant, 100)

    assert refused.value.reason == "ACCOUNT_NOT_VERIFIED"


async def test_a_payout_debits_the_available_balance_in_the_commit_that_records_it(side: CommandSide) -> None:
    merchant = await side.verified_merchant()
    await side.charge(merchant, 10_000, "tok_bypassPending")

    paid = await side.payout(merchant, 9_000)

    balance = await side.balance(merchant)
    assert balance.available == 9_680 - 9_000
    payout_event = next(e for e in await side.store.read_stream(merchant) if e.event_type == "PayoutCreated")
    debit = (await side.store.read_stream(f"ledger:{merchant}:usd"))[-1]
    assert payout_event.data["payout_id"] == paid.payout.payout_id == debit.data["source_id"]
    assert payout_event.tx_id == debit.tx_id


async def test_a_payout_larger_than_the_available_balance_is_refused(side: CommandSide) -> None:
    merchant = await side.verified_merchant()
    await side.charge(merchant, 10_000, "tok_bypassPending")
    before = side.store.events

    with pytest.raises(InsufficientFundsError) as refused:
        await side.payout(merchant, 9_681)

    assert refused.value.reason == "INSUFFICIENT_FUNDS"
    assert refused.value.metadata == {"available": "9680", "requested": "9681"}
    assert side.store.events == before


async def test_fifty_racing_payouts_with_funds_for_ten_pay_exactly_ten_and_never_overdraw(
    side: CommandSide,
) -> None:
    merchant = await side.verified_merchant()
    # 10_640 - (2.9% + 30) = 10_301 available: ten payouts of 1_000 fit, an eleventh does not.
    await side.charge(merchant, 10_640, "tok_bypassPending")

    async def payout() -> object:
        try:
            return await side.payout(merchant, PAYOUT)
        except DomainError as refused:
            return refused

    outcomes = await asyncio.gather(*(payout() for _ in range(50)))

    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(outcomes) - len(refused) == 10
    assert len(refused) == 40 and all(isinstance(r, InsufficientFundsError) for r in refused)
    assert (await side.balance(merchant)).available == 10_301 - 10 * PAYOUT
    running = 0
    for entry in await side.store.read_stream(f"ledger:{merchant}:usd"):
        running += entry.data["available_delta"]
        assert running >= 0, "the available balance went negative at some entry"


async def test_kyc_of_another_account_is_not_found(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id
    other = (await side.onboard("other@example.com")).state.account_id

    with pytest.raises(NotFoundError):
        await side.run(merchant, "StartKyc", lambda: side.accounts.start_kyc(merchant, other, "basic", []))

    assert [e.event_type for e in await side.store.read_stream(other)] == ["AccountOnboarded", "ApiKeyIssued"]
