"""Disputes over gRPC: opened by the network or by tok_createDispute, funds reserved while open,
returned on a win, debited on a loss; a disputed charge cannot also be refunded."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from ledgermesh.disputes.v1 import dispute_pb2
from ledgermesh.disputes.v1 import dispute_service_pb2 as dsp
from ledgermesh.payments.v1 import payment_service_pb2 as pay

from support.errors import error_info
from tests.e2e.support import charge, count_events, disputes, ledger_balance, system_without_gateway

DISPUTE_FEE = 1500  # Settings.dispute_fee
__all__ = ["system_without_gateway"]


async def test_given_a_tok_create_dispute_charge_when_captured_then_a_dispute_opens_and_reserves_funds(system) -> None:
    merchant = await system.merchant()

    created = await charge(system, merchant, 10_000, "tok_createDispute")

    assert created.captured and created.disputed and created.dispute.startswith("dp_")
    assert await count_events(system, "event_type = 'DisputeCreated' AND event_data->>'charge_id' = %s",
                              (created.id,)) == 1
    balance = await ledger_balance(system, merchant.account_id)
    net = 10_000 - created.fee
    assert balance.pending == net
    assert balance.reserved == 10_000 + DISPUTE_FEE
    assert balance.available == -(10_000 + DISPUTE_FEE)


async def test_given_an_uncaptured_tok_create_dispute_charge_when_captured_later_then_the_dispute_opens(system) -> None:
    merchant = await system.merchant()
    created = await charge(system, merchant, 5_000, "tok_createDispute", capture=False)
    assert not created.disputed

    captured = await system.payments.CaptureCharge(pay.CaptureChargeRequest(charge_id=created.id),
                                                   metadata=merchant.metadata)

    assert captured.charge.disputed
    assert (await ledger_balance(system, merchant.account_id)).reserved == 5_000 + DISPUTE_FEE


async def test_given_an_open_dispute_when_lost_then_the_balance_is_debited_amount_plus_fee(system) -> None:
    merchant = await system.merchant()
    paid = await charge(system, merchant, 20_000, "tok_bypassPending")
    before = await ledger_balance(system, merchant.account_id)
    opened = await disputes(system).CreateDispute(dsp.CreateDisputeRequest(charge_id=paid.id, reason="fraudulent"),
                                                  metadata=merchant.platform)
    assert opened.dispute.status == dispute_pb2.DISPUTE_STATUS_NEEDS_RESPONSE
    assert opened.dispute.amount == 20_000 and opened.dispute.dispute_fee == DISPUTE_FEE

    lost = await disputes(system).ResolveDispute(dsp.ResolveDisputeRequest(dispute_id=opened.dispute.id, won=False),
                                                 metadata=merchant.platform)

    assert lost.dispute.status == dispute_pb2.DISPUTE_STATUS_LOST
    after = await ledger_balance(system, merchant.account_id)
    assert after.available == before.available - 20_000 - DISPUTE_FEE
    assert after.reserved == 0


async def test_given_an_open_dispute_when_won_then_the_reserved_funds_return(system) -> None:
    merchant = await system.merchant()
    paid = await charge(system, merchant, 20_000, "tok_bypassPending")
    before = await ledger_balance(system, merchant.account_id)
    opened = await disputes(system).CreateDispute(dsp.CreateDisputeRequest(charge_id=paid.id, reason="duplicate"),
                                                  metadata=merchant.platform)
    assert (await ledger_balance(system, merchant.account_id)).available == before.available - 20_000 - DISPUTE_FEE
    staged = await disputes(system).SubmitEvidence(dsp.SubmitEvidenceRequest(
        dispute_id=opened.dispute.id, evidence={"uncategorized_text": "shipped, signed for"},
        file_references=["file_receipt1"], submit=True), metadata=merchant.metadata)
    assert staged.dispute.status == dispute_pb2.DISPUTE_STATUS_UNDER_REVIEW
    assert staged.dispute.submission_count == 1 and list(staged.dispute.evidence_files) == ["file_receipt1"]

    won = await disputes(system).ResolveDispute(dsp.ResolveDisputeRequest(dispute_id=opened.dispute.id, won=True),
                                                metadata=merchant.platform)

    assert won.dispute.status == dispute_pb2.DISPUTE_STATUS_WON
    assert await ledger_balance(system, merchant.account_id) == before


async def test_given_a_merchant_when_closing_an_open_dispute_then_it_is_lost(system) -> None:
    merchant = await system.merchant()
    paid = await charge(system, merchant, 3_000, "tok_bypassPending")
    opened = await disputes(system).CreateDispute(dsp.CreateDisputeRequest(charge_id=paid.id, reason="general"),
                                                  metadata=merchant.platform)

    closed = await disputes(system).CloseDispute(dsp.CloseDisputeRequest(dispute_id=opened.dispute.id),
                                                 metadata=merchant.metadata)

    assert closed.dispute.status == dispute_pb2.DISPUTE_STATUS_LOST
    assert (await ledger_balance(system, merchant.account_id)).reserved == 0


async def test_given_a_disputed_charge_when_refunding_then_refused_charge_disputed(system) -> None:
    merchant = await system.merchant()
    disputed = await charge(system, merchant, 4_000, "tok_createDispute")
    events_before = await count_events(system)

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await system.payments.CreateRefund(pay.CreateRefundRequest(charge_id=disputed.id), metadata=merchant.metadata)

    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    info = error_info(refused.value)
    assert info is not None and info.reason == "CHARGE_DISPUTED"
    assert await count_events(system) == events_before


async def test_given_a_disputed_charge_when_disputing_again_then_already_exists(system) -> None:
    merchant = await system.merchant()
    disputed = await charge(system, merchant, 4_000, "tok_createDispute")

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await disputes(system).CreateDispute(dsp.CreateDisputeRequest(charge_id=disputed.id, reason="fraudulent"),
                                             metadata=merchant.platform)

    assert refused.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert await count_events(system, "event_type = 'DisputeCreated'") == 1


async def test_given_another_merchants_charge_when_disputing_then_not_found(system) -> None:
    owner = await system.merchant()
    stranger = await system.merchant(email="other@example.com")
    paid = await charge(system, owner, 4_000)

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await disputes(system).CreateDispute(dsp.CreateDisputeRequest(charge_id=paid.id, reason="fraudulent"),
                                             metadata=stranger.platform)

    assert refused.value.code() == grpc.StatusCode.NOT_FOUND


async def test_given_a_refund_and_a_dispute_racing_on_one_charge_then_only_one_of_them_happens(system) -> None:
    merchant = await system.merchant()
    for _ in range(5):
        paid = await charge(system, merchant, 2_000, "tok_bypassPending")

        outcomes = await asyncio.gather(
            system.payments.CreateRefund(pay.CreateRefundRequest(charge_id=paid.id), metadata=merchant.metadata),
            disputes(system).CreateDispute(dsp.CreateDisputeRequest(charge_id=paid.id, reason="fraudulent"),
                                           metadata=merchant.platform),
            return_exceptions=True,
        )

        refused = [o for o in outcomes if isinstance(o, grpc.aio.AioRpcError)]
        assert len(refused) == 1, outcomes
        assert refused[0].code() == grpc.StatusCode.FAILED_PRECONDITION
        info = error_info(refused[0])
        assert info is not None and info.reason in ("CHARGE_DISPUTED", "CHARGE_NOT_DISPUTABLE")
