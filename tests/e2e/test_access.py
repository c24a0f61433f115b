"""Who may do what (issue 15), on the running system over gRPC and REST: key kinds and their
permissions, the platform's operator key with Stripe-Account, revocation, and who acted on each event."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import httpx
import pytest
from ledgermesh.accounts.v1 import account_service_pb2 as acc
from ledgermesh.disputes.v1 import dispute_pb2
from ledgermesh.disputes.v1 import dispute_service_pb2 as dsp
from ledgermesh.payments.v1 import payment_service_pb2 as pay
from ledgermesh.query.v1 import query_service_pb2 as q

from composition.keys import issue_key, key_id_of, revoke_key
from support.api_keys import KeyKind
from support.errors import error_info
from support.permissions import Access
from tests.conftest import eventually
from tests.e2e.support import charge, count_events, disputes, scalar


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def md(secret: str, account: str | None = None) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {secret}")] + ([("stripe-account", account)] if account else [])


async def refused(call, code: grpc.StatusCode):  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    assert caught.value.code() is code, caught.value.details()
    return caught.value


async def test_a_merchant_key_cannot_record_its_own_verification_and_nothing_is_appended(system) -> None:
    merchant = await system.merchant()
    await system.accounts.StartKyc(acc.StartKycRequest(account_id=merchant.account_id), metadata=merchant.metadata)

    error = await refused(system.accounts.CompleteKyc(acc.CompleteKycRequest(
        account_id=merchant.account_id, verification_status="verified"), metadata=merchant.metadata),
        grpc.StatusCode.PERMISSION_DENIED)

    info = error_info(error)
    assert info is not None and info.reason == "PLATFORM_ONLY" and info.metadata["permission"] == "platform"
    assert await count_events(system, "event_type = 'KYCProcessCompleted'") == 0
    payout = await refused(system.accounts.CreatePayout(acc.CreatePayoutRequest(amount=100, currency="usd"),
                                                        metadata=merchant.metadata),
                           grpc.StatusCode.FAILED_PRECONDITION)
    assert "verification" in (payout.details() or "")

    # The platform records the provider's outcome on the merchant's account.
    done = await system.accounts.CompleteKyc(acc.CompleteKycRequest(
        account_id=merchant.account_id, verification_status="verified"), metadata=merchant.platform)
    assert done.account.payouts_enabled


async def test_a_merchant_cannot_open_or_resolve_its_own_disputes_nor_settle_its_funds(system) -> None:
    merchant = await system.merchant()
    paid = await charge(system, merchant, 20_000, "tok_bypassPending")

    await refused(disputes(system).CreateDispute(dsp.CreateDisputeRequest(charge_id=paid.id, reason="fraudulent"),
                                                 metadata=merchant.metadata), grpc.StatusCode.PERMISSION_DENIED)
    opened = await disputes(system).CreateDispute(dsp.CreateDisputeRequest(charge_id=paid.id, reason="fraudulent"),
                                                  metadata=merchant.platform)
    await refused(disputes(system).ResolveDispute(dsp.ResolveDisputeRequest(dispute_id=opened.dispute.id, won=True),
                                                  metadata=merchant.metadata), grpc.StatusCode.PERMISSION_DENIED)
    await refused(system.accounts.SettleFunds(acc.SettleFundsRequest(currency="usd"), metadata=merchant.metadata),
                  grpc.StatusCode.PERMISSION_DENIED)

    assert await count_events(system, "event_type = 'DisputeResolved'") == 0
    won = await disputes(system).ResolveDispute(dsp.ResolveDisputeRequest(dispute_id=opened.dispute.id, won=True),
                                                metadata=merchant.platform)
    assert won.dispute.status == dispute_pb2.DISPUTE_STATUS_WON


async def test_a_merchant_cannot_pick_its_fees_nor_an_invalid_country(system) -> None:
    before = await count_events(system)

    error = await refused(system.accounts.CreateAccount(acc.CreateAccountRequest(
        email="cheap@example.com", fee_percent_bps=1, fee_fixed=0)), grpc.StatusCode.PERMISSION_DENIED)
    assert error_info(error).reason == "PLATFORM_ONLY"  # type: ignore[union-attr]
    rest = await system.http.post("/v1/accounts", data={"email": "cheap@example.com", "fee_percent_bps": "1",
                                                        "fee_fixed": "0"})
    assert rest.status_code == 403 and "platform" in rest.json()["error"]["message"]
    country = await system.http.post("/v1/accounts", data={"email": "zz@example.com", "country": "ZZ"})
    assert country.status_code == 400 and country.json()["error"]["param"] == "country"
    assert await count_events(system) == before

    negotiated = await system.accounts.CreateAccount(acc.CreateAccountRequest(
        email="big@example.com", fee_percent_bps=150, fee_fixed=10), metadata=system.operator)
    assert negotiated.account.id.startswith("acct_")


async def test_a_restricted_key_reads_what_it_may_and_gets_403_naming_the_permission_elsewhere(system) -> None:
    merchant = await system.merchant()
    paid = await charge(system, merchant, 1_000)
    reader = await issue_key(system.system.infra.pool, KeyKind.RESTRICTED, merchant.account_id,
                             {"charges": Access.READ})
    assert reader.secret.startswith("rk_test_")

    async def listed() -> bool:
        r = await system.http.get("/v1/charges", headers=bearer(reader.secret))
        assert r.status_code == 200, r.text
        return paid.id in [c["id"] for c in r.json()["data"]]

    await eventually(listed, message="the restricted key never listed the charge")
    write = await system.http.post("/v1/charges", headers=bearer(reader.secret),
                                   data={"amount": "500", "currency": "usd", "source": "tok_visa"})
    assert write.status_code == 403
    assert write.json()["error"]["type"] == "invalid_request_error"
    assert "'charges:write'" in write.json()["error"]["message"]
    balance = await system.http.get("/v1/balance", headers=bearer(reader.secret))
    assert balance.status_code == 403 and "'balance:read'" in balance.json()["error"]["message"]

    got = await system.queries.GetCharge(q.GetChargeRequest(charge_id=paid.id, min_position=paid.position),
                                         metadata=md(reader.secret))
    assert got.charge.id == paid.id
    error = await refused(system.payments.CreateCharge(pay.CreateChargeRequest(
        amount=500, currency="usd", source="tok_visa"), metadata=md(reader.secret)), grpc.StatusCode.PERMISSION_DENIED)
    info = error_info(error)
    assert info is not None and info.reason == "PERMISSION_MISSING" and info.metadata["permission"] == "charges:write"
    assert await count_events(system, "event_type = 'ChargeRequested'") == 1


async def test_a_publishable_key_can_do_nothing_but_collect_payment_details(system) -> None:
    merchant = await system.merchant()
    publishable = await issue_key(system.system.infra.pool, KeyKind.PUBLISHABLE, merchant.account_id)
    assert publishable.secret.startswith("pk_test_")

    for response in (
        await system.http.get("/v1/charges", headers=bearer(publishable.secret)),
        await system.http.post("/v1/charges", headers=bearer(publishable.secret),
                               data={"amount": "500", "currency": "usd", "source": "tok_visa"}),
        await system.http.get("/v1/balance", headers=bearer(publishable.secret)),
    ):
        assert response.status_code == 403, response.text
    await refused(system.queries.ListCharges(q.ListChargesRequest(), metadata=md(publishable.secret)),
                  grpc.StatusCode.PERMISSION_DENIED)
    assert await count_events(system, "event_type = 'ChargeRequested'") == 0

    # What it is for: a browser turning card details into a payment method, or a token.
    created = await system.http.post("/v1/payment_methods", headers=bearer(publishable.secret),
                                     data={"type": "card", "card[number]": "4242424242424242",
                                           "card[exp_month]": "12", "card[exp_year]": "2030"})
    assert created.status_code == 200, created.text
    assert created.json()["card"]["last4"] == "4242"
    token = await system.http.post("/v1/tokens", headers=bearer(publishable.secret),
                                   data={"card[number]": "4242424242424242", "card[exp_month]": "12",
                                         "card[exp_year]": "2030"})
    assert token.status_code == 200, token.text
    # And no further: the card it collected is not its to read, attach or charge.
    for response in (
        await system.http.get(f"/v1/payment_methods/{created.json()['id']}", headers=bearer(publishable.secret)),
        await system.http.post("/v1/customers", headers=bearer(publishable.secret), data={"email": "a@b.example"}),
        await system.http.post("/v1/payment_intents", headers=bearer(publishable.secret),
                               data={"amount": "500", "currency": "usd"}),
    ):
        assert response.status_code == 403, response.text


async def test_the_operator_with_stripe_account_sees_that_account_and_a_merchant_key_cannot(system) -> None:
    owner, other = await system.merchant(), await system.merchant()
    paid = await charge(system, owner, 2_500)

    async def seen() -> dict | None:
        r = await system.http.get(f"/v1/charges/{paid.id}",
                                  headers={**bearer(system.operator_key), "Stripe-Account": owner.account_id})
        return r.json() if r.status_code == 200 else None

    assert (await eventually(seen, message="the operator never saw the charge"))["amount"] == 2_500
    got = await system.queries.GetCharge(q.GetChargeRequest(charge_id=paid.id), metadata=owner.platform)
    assert got.charge.amount == 2_500

    foreign = await system.http.get(f"/v1/charges/{paid.id}",
                                    headers={**other.headers, "Stripe-Account": owner.account_id})
    assert foreign.status_code == 403 and owner.account_id in foreign.json()["error"]["message"]
    error = await refused(system.queries.GetCharge(q.GetChargeRequest(charge_id=paid.id),
                                                   metadata=md(other.secret_key, owner.account_id)),
                          grpc.StatusCode.PERMISSION_DENIED)
    assert error_info(error).reason == "ACCOUNT_ACCESS_DENIED"  # type: ignore[union-attr]
    # The platform acts on accounts that exist, and must say which one.
    phantom = await system.http.get("/v1/charges", headers={**bearer(system.operator_key),
                                                             "Stripe-Account": "acct_doesnotexist"})
    assert phantom.status_code == 403 and "acct_doesnotexist" in phantom.json()["error"]["message"]
    await refused(system.payments.CreateCharge(pay.CreateChargeRequest(amount=100, currency="usd", source="tok_visa"),
                                               metadata=md(system.operator_key, "acct_doesnotexist")),
                  grpc.StatusCode.PERMISSION_DENIED)
    unnamed = await system.http.get("/v1/charges", headers=bearer(system.operator_key))
    assert unnamed.status_code == 400 and unnamed.json()["error"]["param"] == "stripe_account"
    # A merchant key naming its own account is just the merchant.
    own = await system.http.get(f"/v1/charges/{paid.id}", headers={**owner.headers, "Stripe-Account": owner.account_id})
    assert own.status_code == 200


async def test_platform_wide_projection_status_is_the_operators_alone(system) -> None:
    merchant = await system.merchant()
    await refused(system.queries.GetProjectionStatus(q.GetProjectionStatusRequest(), metadata=merchant.metadata),
                  grpc.StatusCode.PERMISSION_DENIED)
    status = await system.queries.GetProjectionStatus(q.GetProjectionStatusRequest(), metadata=system.operator)
    assert {p.name for p in status.projections} >= {"charges", "balance"}


async def test_every_event_names_the_acting_key_and_the_acting_platform(system) -> None:
    merchant = await system.merchant()
    paid = await charge(system, merchant, 3_000, "tok_bypassPending")
    await system.accounts.StartKyc(acc.StartKycRequest(account_id=merchant.account_id), metadata=merchant.metadata)
    await system.accounts.CompleteKyc(acc.CompleteKycRequest(
        account_id=merchant.account_id, verification_status="verified"), metadata=merchant.platform)
    merchant_key = await key_id_of(system.system.infra.pool, merchant.secret_key)
    operator_key = await key_id_of(system.system.infra.pool, system.operator_key)
    assert merchant_key and operator_key and merchant_key.startswith("key_")

    charge_events = await scalar(system, "SELECT array_agg(DISTINCT user_id || '/' || (metadata->>'key_kind') || '/'"
                                         " || (metadata->>'acting_platform')) FROM events"
                                         " WHERE event_data->>'charge_id' = %s", (paid.id,))
    assert charge_events == [f"{merchant_key}/secret/"]
    verified = await scalar(system, "SELECT user_id || '/' || (metadata->>'key_kind') || '/' ||"
                                    " (metadata->>'acting_platform') FROM events WHERE event_type = 'KYCProcessCompleted'")
    assert verified == f"{operator_key}/operator/platform"
    secrets_in_log = await scalar(system, "SELECT count(*) FROM events WHERE metadata::text LIKE %s OR user_id LIKE %s",
                                  (f"%{merchant.secret_key}%", "sk_test_%"))
    assert secrets_in_log == 0


async def test_a_revoked_key_is_refused_by_every_service_within_a_second(system) -> None:
    merchant = await system.merchant()
    pool = system.system.infra.pool
    spare = await issue_key(pool, KeyKind.SECRET, merchant.account_id)
    # Every cache holds the key as valid first.
    assert (await system.http.get("/v1/charges", headers=bearer(spare.secret))).status_code == 200
    await system.queries.ListCharges(q.ListChargesRequest(), metadata=md(spare.secret))
    await charge(system, merchant, 700)
    await system.payments.CreateCharge(pay.CreateChargeRequest(amount=700, currency="usd", source="tok_visa"),
                                       metadata=md(spare.secret))

    await revoke_key(pool, spare.key_id)

    async def refused_everywhere() -> bool:
        rest = (await system.http.get("/v1/charges", headers=bearer(spare.secret))).status_code == 401
        codes = []
        for call in (system.queries.ListCharges(q.ListChargesRequest(), metadata=md(spare.secret)),
                     system.payments.CreateCharge(pay.CreateChargeRequest(amount=700, currency="usd",
                                                                          source="tok_visa"),
                                                  metadata=md(spare.secret))):
            try:
                await call
                codes.append(grpc.StatusCode.OK)
            except grpc.aio.AioRpcError as exc:
                codes.append(exc.code())
        return rest and codes == [grpc.StatusCode.UNAUTHENTICATED] * 2

    await eventually(refused_everywhere, timeout=1.0, message="a revoked key still worked somewhere")
    # The merchant's other key is untouched.
    assert (await system.http.get("/v1/charges", headers=merchant.headers)).status_code == 200


async def test_a_flood_of_random_keys_from_one_address_is_limited(system) -> None:
    merchant = await system.merchant()

    async def guess() -> httpx.Response:
        return await system.http.get("/v1/charges", headers=bearer(f"sk_test_{uuid.uuid4().hex}"))

    # A flood, as an attacker sends it: waves of concurrent guesses (one at a time, on a loaded host,
    # would be slower than the bucket refills and prove nothing about a flood).
    answers: list[httpx.Response] = []
    while all(a.status_code != 429 for a in answers) and len(answers) < 500:
        answers += await asyncio.gather(*(guess() for _ in range(25)))
    statuses = [a.status_code for a in answers]
    # A burst of failed attempts is answered, then the address is refused before any lookup.
    assert statuses[0] == 401 and 429 in statuses and set(statuses) == {401, 429}
    assert statuses.count(401) < 200
    limited = next(a for a in answers if a.status_code == 429)
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.json()["error"]["code"] == "rate_limit"
    # gRPC callers authenticate the same way; the merchant's own key still works.
    await refused(system.queries.ListCharges(q.ListChargesRequest(), metadata=md("sk_test_nope")),
                  grpc.StatusCode.UNAUTHENTICATED)
    assert merchant.account_id


async def test_keys_still_authenticate_after_the_read_models_are_lost(system, settings) -> None:
    merchant = await system.merchant()
    redis = system.system.infra.redis
    async for key in redis.scan_iter(match=settings.redis_prefix + "*", count=1000):
        await redis.delete(key)

    # Authentication reads PostgreSQL, the truth: losing Redis loses no key.
    listed = await system.http.get("/v1/charges", headers=merchant.headers)
    assert listed.status_code == 200 and listed.json()["data"] == []
    created = await system.http.post("/v1/charges", headers=merchant.headers,
                                     data={"amount": "1200", "currency": "usd", "source": "tok_visa"})
    assert created.status_code == 200, created.text
