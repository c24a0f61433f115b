"""Disputes through the real use cases on the in-memory store: opening reserves the disputed amount
and the dispute fee on the ledger in the same commit; winning releases the reserve, losing debits it."""

from __future__ import annotations

import pytest

from command_svc.application.postings import dispute_id_for
from command_svc.domain.disputes import DisputeStatus
from command_svc.domain.errors import AlreadyExistsError, PreconditionError
from tests.application.harness import CommandSide

DISPUTE_FEE = 1_500


async def _funded_charge(side: CommandSide, amount: int = 10_000) -> tuple[str, str]:
    merchant = (await side.onboard()).state.account_id
    charge = await side.charge(merchant, amount, "tok_bypassPending")
    return merchant, charge.state.charge_id


async def test_opening_a_dispute_reserves_the_amount_and_the_fee_in_the_same_commit(side: CommandSide) -> None:
    merchant, charge_id = await _funded_charge(side)
    assert (await side.balance(merchant)).available == 9_680

    opened = await side.dispute(merchant, charge_id)

    assert opened.state.status is DisputeStatus.NEEDS_RESPONSE
    assert (opened.state.amount, opened.state.dispute_fee) == (10_000, DISPUTE_FEE)
    balance = await side.balance(merchant)
    assert (balance.available, balance.reserved) == (9_680 - 11_500, 11_500)
    dispute_id = dispute_id_for(charge_id)
    [reserve] = [e for e in side.store.events if e.aggregate_type == "Ledger" and e.data["source_id"] == dispute_id]
    assert {e.tx_id for e in await side.store.read_stream(dispute_id)} == {reserve.tx_id}


async def test_a_won_dispute_releases_the_whole_reserve(side: CommandSide) -> None:
    merchant, charge_id = await _funded_charge(side)
    await side.dispute(merchant, charge_id)

    won = await side.resolve(merchant, charge_id, won=True)

    assert won.state.status is DisputeStatus.WON
    balance = await side.balance(merchant)
    assert (balance.available, balance.reserved) == (9_680, 0)


async def test_a_lost_dispute_debits_the_amount_and_the_fee_for_good(side: CommandSide) -> None:
    merchant, charge_id = await _funded_charge(side)
    await side.dispute(merchant, charge_id)

    lost = await side.resolve(merchant, charge_id, won=False)

    assert lost.state.status is DisputeStatus.LOST
    balance = await side.balance(merchant)
    assert (balance.available, balance.reserved) == (9_680 - 11_500, 0)


async def test_submitted_evidence_puts_the_dispute_under_review_where_it_can_no_longer_be_conceded(
    side: CommandSide,
) -> None:
    merchant, charge_id = await _funded_charge(side)
    await side.dispute(merchant, charge_id)

    reviewed = await side.submit_evidence(merchant, charge_id, {"customer_name": "Jane Doe"})

    assert reviewed.state.status is DisputeStatus.UNDER_REVIEW
    assert reviewed.submission_count == 1
    with pytest.raises(PreconditionError) as refused:
        await side.run(merchant, "CloseDispute", lambda: side.disputes.close(merchant, dispute_id_for(charge_id)))
    assert refused.value.reason == "DISPUTE_UNDER_REVIEW"


async def test_evidence_after_its_due_date_is_refused(side: CommandSide) -> None:
    merchant, charge_id = await _funded_charge(side)
    await side.dispute(merchant, charge_id)
    side.clock.advance(days=7, seconds=1)

    with pytest.raises(PreconditionError) as refused:
        await side.submit_evidence(merchant, charge_id, {"customer_name": "Jane Doe"})

    assert refused.value.reason == "EVIDENCE_DUE_DATE_PASSED"


async def test_a_disputed_charge_cannot_also_be_refunded(side: CommandSide) -> None:
    merchant, charge_id = await _funded_charge(side)
    await side.dispute(merchant, charge_id)
    before = side.store.events

    with pytest.raises(PreconditionError) as refused:
        await side.refund(merchant, charge_id, 1_000)

    assert refused.value.reason == "CHARGE_DISPUTED"
    assert side.store.events == before


async def test_a_second_dispute_on_the_same_charge_is_refused(side: CommandSide) -> None:
    merchant, charge_id = await _funded_charge(side)
    await side.dispute(merchant, charge_id)

    with pytest.raises(AlreadyExistsError) as refused:
        await side.dispute(merchant, charge_id)

    assert refused.value.reason == "DISPUTE_ALREADY_EXISTS"
    assert (await side.balance(merchant)).reserved == 11_500


async def test_a_tok_create_dispute_charge_is_disputed_in_the_commit_that_captures_it(side: CommandSide) -> None:
    merchant = (await side.onboard()).state.account_id

    charge = await side.charge(merchant, 4_000, "tok_createDispute")

    assert charge.dispute is not None and charge.dispute.status is DisputeStatus.NEEDS_RESPONSE
    balance = await side.balance(merchant)
    assert balance.reserved == 4_000 + DISPUTE_FEE
    assert len({e.tx_id for e in side.store.events if e.tenant_id == merchant and e.aggregate_type != "Account"}) == 1
