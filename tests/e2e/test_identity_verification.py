"""Identity verification the way Stripe runs it, driven by the official stripe SDK unchanged:
`stripe.Account.modify` submits the holder's identity, the test-mode verification provider decides by
Stripe's documented test values, the platform records KYCProcessStarted / KYCProcessCompleted, and
payouts stay off until verified. The platform's key acts on an account with `stripe_account=`."""

from __future__ import annotations

import time

import grpc
import pytest
import stripe
from ledgermesh.accounts.v1 import account_service_pb2 as acc

from tests.e2e.stripe_sdk import until_readable
from tests.e2e.support import count_events, scalar


@pytest.fixture
def sdk(system, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(stripe, "api_base", f"http://127.0.0.1:{system.system.gateway_port}")
    monkeypatch.setattr(stripe, "max_network_retries", 0)
    # One HTTP client per test: each test has its own event loop.
    monkeypatch.setattr(stripe, "default_http_client", stripe.HTTPXClient())
    return stripe


def individual(id_number: str = "000000000", year: int = 1901, line1: str = "address_full_match") -> dict:
    return {"first_name": "Jenny", "last_name": "Rosen", "dob": {"day": 1, "month": 1, "year": year},
            "id_number": id_number,
            "address": {"line1": line1, "city": "San Francisco", "state": "CA", "postal_code": "94111",
                        "country": "US"}}


def tos() -> dict:
    return {"date": int(time.time()), "ip": "203.0.113.7"}


async def test_stripes_successful_test_values_verify_the_account_and_enable_payouts(system, sdk) -> None:
    merchant = await system.merchant()
    before = await until_readable(lambda: sdk.Account.retrieve_async(merchant.account_id, api_key=merchant.secret_key))
    assert before.payouts_enabled is False and before.requirements.disabled_reason

    updated = await sdk.Account.modify_async(merchant.account_id, api_key=merchant.secret_key,
                                             business_type="individual", individual=individual(),
                                             tos_acceptance=tos())

    assert updated.payouts_enabled is True and updated.requirements.currently_due == []
    assert updated.capabilities["payouts"] == "active"
    read = await until_readable(lambda: sdk.Account.retrieve_async(merchant.account_id, api_key=merchant.secret_key),
                                lambda a: a.payouts_enabled)
    assert read.requirements.disabled_reason is None and read.requirements.past_due == []
    assert await count_events(system, "tenant_id = %s AND event_type IN ('KYCProcessStarted', 'KYCProcessCompleted')",
                              (merchant.account_id,)) == 2
    # What was submitted went to the provider only: the log holds the outcome, not the person.
    assert await scalar(system, "SELECT count(*) FROM events WHERE event_data::text LIKE '%%000000000%%'"
                                " OR event_data::text LIKE '%%Rosen%%'") == 0
    # Payouts are open now: an empty balance is what refuses one, not verification.
    with pytest.raises(grpc.aio.AioRpcError) as empty:
        await system.accounts.CreatePayout(acc.CreatePayoutRequest(amount=100, currency="usd"),
                                           metadata=merchant.metadata)
    assert "available balance" in (empty.value.details() or "")


async def test_stripes_failing_test_values_leave_payouts_disabled_with_a_reason(system, sdk) -> None:
    merchant = await system.merchant()

    updated = await sdk.Account.modify_async(merchant.account_id, api_key=merchant.secret_key,
                                             business_type="individual",
                                             individual=individual(id_number="111111111", year=1950),
                                             tos_acceptance=tos())

    assert updated.payouts_enabled is False
    assert updated.requirements.disabled_reason == "requirements.past_due"
    assert set(updated.requirements.currently_due) == {"individual.id_number", "individual.dob.day"}
    assert updated.requirements.past_due == updated.requirements.currently_due
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await sdk.Payout.create_async(amount=100, currency="usd", api_key=merchant.secret_key)
    assert "verification" in str(refused.value.user_message)

    # Resubmitted with the values Stripe verifies, the account recovers.
    fixed = await sdk.Account.modify_async(merchant.account_id, api_key=merchant.secret_key,
                                           business_type="individual", individual=individual(),
                                           tos_acceptance=tos())
    assert fixed.payouts_enabled is True


async def test_a_company_with_a_non_matching_address_is_not_verified(system, sdk) -> None:
    merchant = await system.merchant()
    updated = await sdk.Account.modify_async(
        merchant.account_id, api_key=merchant.secret_key, business_type="company",
        company={"name": "Rosen LLC", "tax_id": "000000000", "address": {"line1": "address_no_match", "country": "US"}},
        tos_acceptance=tos())
    assert updated.payouts_enabled is False and updated.requirements.currently_due == ["company.address.line1"]


async def test_missing_identity_is_refused_by_name_and_nothing_is_recorded(system) -> None:
    merchant = await system.merchant()
    response = await system.http.post(f"/v1/accounts/{merchant.account_id}", headers=merchant.headers,
                                      data={"business_type": "individual", "individual[first_name]": "Jenny"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parameter_missing"
    assert response.json()["error"]["param"] == "individual[last_name]"
    unknown = await system.http.post(f"/v1/accounts/{merchant.account_id}", headers=merchant.headers,
                                     data={"fee_percent_bps": "1"})
    assert unknown.status_code == 400 and unknown.json()["error"]["param"] == "fee_percent_bps"
    assert await count_events(system, "event_type LIKE 'KYC%%'") == 0


async def test_the_platform_acts_on_an_account_with_stripe_account_and_a_merchant_cannot(system, sdk) -> None:
    owner, other = await system.merchant(), await system.merchant()

    updated = await sdk.Account.modify_async(owner.account_id, api_key=system.operator_key,
                                             stripe_account=owner.account_id, business_type="individual",
                                             individual=individual(), tos_acceptance=tos())
    assert updated.payouts_enabled is True
    charge = await sdk.Charge.create_async(amount=1_500, currency="usd", source="tok_visa",
                                           api_key=system.operator_key, stripe_account=owner.account_id)
    seen = await until_readable(lambda: sdk.Charge.retrieve_async(charge.id, api_key=system.operator_key,
                                                                  stripe_account=owner.account_id))
    assert seen.amount == 1_500
    assert await scalar(system, "SELECT metadata->>'acting_platform' FROM events WHERE event_type = 'ChargeRequested'"
                                " AND tenant_id = %s", (owner.account_id,)) == "platform"

    with pytest.raises(stripe.PermissionError):
        await sdk.Charge.retrieve_async(charge.id, api_key=other.secret_key, stripe_account=owner.account_id)
    with pytest.raises(stripe.PermissionError):
        await sdk.Account.modify_async(owner.account_id, api_key=other.secret_key, stripe_account=owner.account_id,
                                       business_type="individual", individual=individual(), tos_acceptance=tos())
