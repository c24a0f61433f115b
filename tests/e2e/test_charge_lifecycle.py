"""A charge's life over gRPC: capture now or later, in full or in part; refunds in part or in full,
never more than captured; fees of 2.9% + 30 or the account's own, as the ledger records them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
import pytest
from ledgermesh.accounts.v1 import account_service_pb2 as acc
from ledgermesh.payments.v1 import charge_pb2
from ledgermesh.payments.v1 import payment_service_pb2 as pay

from command_svc.adapters.charge_history import PostgresChargeHistory
from command_svc.application.payments import PaymentsApp
from command_svc.application.postings import ledger_streams
from command_svc.domain.card_network import SimulatedCardNetwork
from command_svc.domain.money import FeeSchedule
from support.errors import error_info
from tests.e2e.conftest import Merchant
from tests.e2e.support import Balance, charge, count_events, ledger_balance, ledger_entries, system_without_gateway
from tests.integration.conftest import audit

__all__ = ["system_without_gateway"]


async def _capture(system, merchant: Merchant, charge_id: str, amount: int | None = None) -> charge_pb2.Charge:  # type: ignore[no-untyped-def]
    request = pay.CaptureChargeRequest(charge_id=charge_id)
    if amount is not None:
        request.amount = amount
    return (await system.payments.CaptureCharge(request, metadata=merchant.metadata)).charge


async def _refund(system, merchant: Merchant, charge_id: str, amount: int | None = None) -> charge_pb2.Refund:  # type: ignore[no-untyped-def]
    request = pay.CreateRefundRequest(charge_id=charge_id)
    if amount is not None:
        request.amount = amount
    return (await system.payments.CreateRefund(request, metadata=merchant.metadata)).refund


async def test_given_default_pricing_when_charging_then_the_ledger_takes_2_9_percent_plus_30(system) -> None:
    merchant = await system.merchant()

    created = await charge(system, merchant, 10_000)

    assert created.fee == 320  # 290 + 30
    (entry,) = await ledger_entries(system, merchant.account_id)
    assert (entry["amount"], entry["fee"], entry["net"]) == (10_000, 320, 9_680)
    assert await ledger_balance(system, merchant.account_id) == Balance(available=0, pending=9_680, reserved=0)


async def test_given_an_account_with_its_own_fee_when_charging_then_the_ledger_uses_it(system) -> None:
    created_account = await system.accounts.CreateAccount(acc.CreateAccountRequest(
        email="vip@example.com", business_name="VIP", fee_percent_bps=150, fee_fixed=10),
        metadata=system.operator)  # negotiated pricing: only the platform sets fees
    merchant = Merchant(created_account.account.id, created_account.secret_key)

    created = await charge(system, merchant, 10_000)

    assert created.fee == 160  # 1.5% + 10
    (entry,) = await ledger_entries(system, merchant.account_id)
    assert (entry["fee"], entry["net"]) == (160, 9_840)


async def test_given_an_authorization_when_captured_in_full_later_then_the_ledger_is_credited(system) -> None:
    merchant = await system.merchant()
    authorized = await charge(system, merchant, 5_000, capture=False)
    assert not authorized.captured and authorized.paid
    assert await ledger_entries(system, merchant.account_id) == []

    captured = await _capture(system, merchant, authorized.id)

    assert captured.captured and captured.amount_captured == 5_000
    assert (await ledger_balance(system, merchant.account_id)).pending == 5_000 - captured.fee


async def test_given_an_authorization_when_captured_in_part_then_only_that_part_is_credited(system) -> None:
    merchant = await system.merchant()
    authorized = await charge(system, merchant, 5_000, capture=False)

    captured = await _capture(system, merchant, authorized.id, 3_000)

    assert captured.amount_captured == 3_000 and captured.fee == 117  # round(87) + 30
    (entry,) = await ledger_entries(system, merchant.account_id)
    assert entry["amount"] == 3_000 and entry["net"] == 3_000 - 117


async def test_given_an_authorization_when_capturing_more_than_authorized_then_refused(system) -> None:
    merchant = await system.merchant()
    authorized = await charge(system, merchant, 5_000, capture=False)

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await _capture(system, merchant, authorized.id, 5_001)

    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    info = error_info(refused.value)
    assert info is not None and info.reason == "AMOUNT_EXCEEDS_AUTHORIZED"


async def test_given_a_captured_charge_when_refunded_in_part_then_in_full_then_the_ledger_debits_each(system) -> None:
    merchant = await system.merchant()
    paid = await charge(system, merchant, 10_000, "tok_bypassPending")
    funded = await ledger_balance(system, merchant.account_id)

    partial = await _refund(system, merchant, paid.id, 4_000)
    rest = await _refund(system, merchant, paid.id)

    assert partial.amount == 4_000 and rest.amount == 6_000
    # Stripe keeps the processing fee of a refunded charge.
    assert (await ledger_balance(system, merchant.account_id)).available == funded.available - 10_000
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await _refund(system, merchant, paid.id, 1)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    info = error_info(refused.value)
    assert info is not None and info.reason == "CHARGE_ALREADY_REFUNDED"


async def test_given_a_captured_charge_when_refunding_more_than_captured_then_refused_and_nothing_stored(system) -> None:
    merchant = await system.merchant()
    authorized = await charge(system, merchant, 5_000, capture=False)
    await _capture(system, merchant, authorized.id, 2_000)
    before = await count_events(system)

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await _refund(system, merchant, authorized.id, 2_001)

    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    info = error_info(refused.value)
    assert info is not None and info.reason == "REFUND_EXCEEDS_CAPTURED" and info.metadata["field"] == "amount"
    assert await count_events(system) == before


async def test_given_an_authorization_8_days_old_when_the_sweeper_rpc_runs_then_it_expires_and_cannot_be_captured(
    system,
) -> None:
    merchant = await system.merchant()
    fresh = await charge(system, merchant, 1_000, capture=False)
    # An authorization taken 8 days ago, written by the command side's own use case with its clock then.
    eight_days_ago = datetime.now(UTC) - timedelta(days=8)
    infra = system.system.infra
    then = PaymentsApp(infra.store, PostgresChargeHistory(infra.pool), SimulatedCardNetwork(), ledgers=ledger_streams(infra.store),
                       default_fees=FeeSchedule(), settlement_delay_days=2, clock=lambda: eight_days_ago)
    decision = await then.create_charge(merchant.account_id, {"amount": 2_500, "currency": "usd",
                                                               "source": "tok_visa", "capture": False})
    await infra.store.append(merchant.account_id, decision.appends, audit())
    old_id = decision.result.state.charge_id

    swept = await system.payments.ExpireAuthorizations(pay.ExpireAuthorizationsRequest(), metadata=merchant.metadata)

    assert list(swept.expired_charge_ids) == [old_id]
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await _capture(system, merchant, old_id)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    info = error_info(refused.value)
    assert info is not None and info.reason == "AUTHORIZATION_EXPIRED"
    assert (await _capture(system, merchant, fresh.id)).captured
    again = await system.payments.ExpireAuthorizations(pay.ExpireAuthorizationsRequest(), metadata=merchant.metadata)
    assert list(again.expired_charge_ids) == []
