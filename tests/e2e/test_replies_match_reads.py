"""Over real gRPC: what a command answers is, field by field, what the read after it shows (the reply
is built by the read model's own mapper from the state the command decided)."""

from __future__ import annotations

from google.protobuf.message import Message
from ledgermesh.accounts.v1 import account_pb2
from ledgermesh.accounts.v1 import account_service_pb2 as acc
from ledgermesh.disputes.v1 import dispute_pb2
from ledgermesh.disputes.v1 import dispute_service_pb2 as dsp
from ledgermesh.payments.v1 import charge_pb2
from ledgermesh.payments.v1 import payment_service_pb2 as pay
from ledgermesh.query.v1 import query_service_pb2 as q

from tests.e2e.conftest import Client, Merchant
from tests.e2e.support import disputes, system_without_gateway

__all__ = ["system_without_gateway"]


def _fields(message: Message) -> dict[str, object]:
    return {field.name: value for field, value in message.ListFields()}


async def _read_charge(system: Client, merchant: Merchant, charge_id: str, position: int) -> charge_pb2.Charge:
    got = await system.queries.GetCharge(q.GetChargeRequest(charge_id=charge_id, min_position=position),
                                         metadata=merchant.metadata)
    return got.charge


async def _create(system: Client, merchant: Merchant, source: str, **fields: object) -> pay.CreateChargeResponse:
    return await system.payments.CreateCharge(pay.CreateChargeRequest(
        amount=4_200, currency="usd", source=source, description="A shirt", metadata={"order": "o-1"},
        receipt_email="buyer@example.com", **fields), metadata=merchant.metadata)


async def test_a_captured_charge_is_answered_as_it_is_read(system: Client) -> None:
    merchant = await system.merchant()
    created = await _create(system, merchant, "tok_visa")
    assert created.charge.captured
    read = await _read_charge(system, merchant, created.charge.id, created.global_position)
    assert _fields(created.charge) == _fields(read)


async def test_an_uncaptured_charge_and_its_capture_are_answered_as_they_are_read(system: Client) -> None:
    merchant = await system.merchant()
    created = await _create(system, merchant, "tok_mastercard", capture=False)
    assert created.charge.paid and not created.charge.captured
    read = await _read_charge(system, merchant, created.charge.id, created.global_position)
    assert _fields(created.charge) == _fields(read)

    captured = await system.payments.CaptureCharge(pay.CaptureChargeRequest(charge_id=created.charge.id, amount=3_000),
                                                   metadata=merchant.metadata)
    read = await _read_charge(system, merchant, created.charge.id, captured.global_position)
    assert captured.charge.amount_captured == 3_000
    assert _fields(captured.charge) == _fields(read)


async def test_a_refunded_charge_and_its_refund_are_answered_as_they_are_read(system: Client) -> None:
    merchant = await system.merchant()
    created = await _create(system, merchant, "tok_visa")
    refunded = await system.payments.CreateRefund(pay.CreateRefundRequest(
        charge_id=created.charge.id, reason="requested_by_customer", metadata={"ticket": "t-9"}),
        metadata=merchant.metadata)
    read_refund = await system.queries.GetRefund(q.GetRefundRequest(refund_id=refunded.refund.id,
                                                                    min_position=refunded.global_position),
                                                 metadata=merchant.metadata)
    assert _fields(refunded.refund) == _fields(read_refund.refund)

    updated = await system.payments.UpdateCharge(pay.UpdateChargeRequest(
        charge_id=created.charge.id, metadata={"order": "", "note": "refunded"}), metadata=merchant.metadata)
    assert updated.charge.refunded and dict(updated.charge.metadata) == {"note": "refunded"}
    read = await _read_charge(system, merchant, created.charge.id, updated.global_position)
    assert _fields(updated.charge) == _fields(read)


async def test_a_declined_charge_is_answered_as_it_is_read(system: Client) -> None:
    merchant = await system.merchant()
    declined = await _create(system, merchant, "tok_chargeDeclinedInsufficientFunds")
    assert declined.charge.status == charge_pb2.CHARGE_STATUS_FAILED and declined.charge.decline_code
    read = await _read_charge(system, merchant, declined.charge.id, declined.global_position)
    assert read.outcome.type == "issuer_declined"
    assert _fields(declined.charge) == _fields(read)


async def test_a_disputed_charge_and_its_dispute_are_answered_as_they_are_read(system: Client) -> None:
    merchant = await system.merchant()
    created = await _create(system, merchant, "tok_createDispute")
    assert created.charge.disputed
    read = await _read_charge(system, merchant, created.charge.id, created.global_position)
    assert _fields(created.charge) == _fields(read)

    dispute_id = created.charge.dispute

    async def read_dispute(position: int) -> dispute_pb2.Dispute:
        got = await system.queries.GetDispute(q.GetDisputeRequest(dispute_id=dispute_id, min_position=position),
                                              metadata=merchant.metadata)
        return got.dispute

    staged = await disputes(system).SubmitEvidence(dsp.SubmitEvidenceRequest(
        dispute_id=dispute_id, evidence={"product_description": "a shirt", "shipping_tracking_number": "1Z-9"},
        file_references=["file_receipt"]), metadata=merchant.metadata)
    assert _fields(staged.dispute) == _fields(await read_dispute(staged.global_position))
    submitted = await disputes(system).SubmitEvidence(dsp.SubmitEvidenceRequest(
        dispute_id=dispute_id, evidence={"shipping_tracking_number": ""}, file_references=["file_label", "file_receipt"],
        submit=True), metadata=merchant.metadata)
    assert _fields(submitted.dispute) == _fields(await read_dispute(submitted.global_position))
    resolved = await disputes(system).ResolveDispute(dsp.ResolveDisputeRequest(dispute_id=dispute_id, won=True),
                                                     metadata=merchant.platform)
    assert _fields(resolved.dispute) == _fields(await read_dispute(resolved.global_position))
    assert dict(submitted.dispute.evidence) == {"product_description": "a shirt"}
    assert list(submitted.dispute.evidence_files) == ["file_receipt", "file_label"]
    assert (staged.dispute.submission_count, submitted.dispute.submission_count) == (0, 1)


async def test_an_account_through_kyc_and_its_payout_are_answered_as_they_are_read(system: Client) -> None:
    created = await system.accounts.CreateAccount(acc.CreateAccountRequest(
        email="owner@example.com", business_name="Payout Shop", fee_percent_bps=250, metadata={"tier": "gold"}),
        metadata=system.operator)  # negotiated pricing: only the platform sets fees
    merchant = Merchant(created.account.id, created.secret_key, system.operator_key)

    async def read_account(position: int) -> account_pb2.Account:
        got = await system.queries.GetAccount(q.GetAccountRequest(min_position=position), metadata=merchant.metadata)
        return got.account

    assert _fields(created.account) == _fields(await read_account(created.global_position))
    started = await system.accounts.StartKyc(acc.StartKycRequest(account_id=merchant.account_id),
                                             metadata=merchant.metadata)
    assert _fields(started.account) == _fields(await read_account(started.global_position))
    completed = await system.accounts.CompleteKyc(acc.CompleteKycRequest(
        account_id=merchant.account_id, verification_status="verified", risk_level="medium"),
        metadata=merchant.platform)
    assert _fields(completed.account) == _fields(await read_account(completed.global_position))
    assert started.account.requirements.currently_due and not completed.account.requirements.currently_due

    await _create(system, merchant, "tok_bypassPending")
    paid_out = await system.accounts.CreatePayout(acc.CreatePayoutRequest(
        amount=1_000, currency="usd", description="weekly", metadata={"batch": "b-1"}), metadata=merchant.metadata)
    read_payout = await system.queries.GetPayout(q.GetPayoutRequest(payout_id=paid_out.payout.id,
                                                                    min_position=paid_out.global_position),
                                                 metadata=merchant.metadata)
    assert _fields(paid_out.payout) == _fields(read_payout.payout)
