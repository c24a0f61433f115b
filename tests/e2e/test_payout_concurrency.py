"""Payouts can never overdraw, even when they race: the balance check reads the ledger stream and
the append is conditional on its version."""

from __future__ import annotations

import asyncio

import grpc
from ledgermesh.accounts.v1 import account_service_pb2 as acc

from support.errors import error_info
from tests.e2e.support import charge, ledger_balance, ledger_entries, system_without_gateway, verified_merchant

__all__ = ["system_without_gateway"]

PAYOUT = 1_000


async def test_given_funds_for_10_payouts_when_50_race_then_exactly_10_succeed_and_the_ledger_never_goes_negative(
    system,
) -> None:
    merchant = await verified_merchant(system)
    # tok_bypassPending credits available at once; fee 2.9% + 30 of 10_640 is 339 -> net 10_301.
    await charge(system, merchant, 10_640, "tok_bypassPending")
    funded = await ledger_balance(system, merchant.account_id)
    assert 10 * PAYOUT <= funded.available < 11 * PAYOUT

    async def payout() -> grpc.aio.AioRpcError | acc.CreatePayoutResponse:
        try:
            return await system.accounts.CreatePayout(acc.CreatePayoutRequest(amount=PAYOUT, currency="usd"),
                                                      metadata=merchant.metadata)
        except grpc.aio.AioRpcError as error:
            return error

    outcomes = await asyncio.gather(*(payout() for _ in range(50)))

    paid = [o for o in outcomes if isinstance(o, acc.CreatePayoutResponse)]
    refused = [o for o in outcomes if isinstance(o, grpc.aio.AioRpcError)]
    assert len(paid) == 10
    assert len({p.payout.id for p in paid}) == 10
    assert len(refused) == 40
    for error in refused:
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION, error
        info = error_info(error)
        assert info is not None and info.reason == "INSUFFICIENT_FUNDS"
    final = await ledger_balance(system, merchant.account_id)
    assert final.available == funded.available - 10 * PAYOUT
    running = 0
    for entry in await ledger_entries(system, merchant.account_id):
        running += int(entry.get("available_delta", 0))
        assert running >= 0, "the available balance went negative at some entry"


async def test_given_an_unverified_account_when_paying_out_then_refused(system) -> None:
    merchant = await system.merchant()
    await charge(system, merchant, 5_000, "tok_bypassPending")

    try:
        await system.accounts.CreatePayout(acc.CreatePayoutRequest(amount=100, currency="usd"),
                                           metadata=merchant.metadata)
        raise AssertionError("payout before KYC was accepted")
    except grpc.aio.AioRpcError as error:
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        info = error_info(error)
        assert info is not None and info.reason
