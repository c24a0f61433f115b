"""Crypto-shredding (docs/audit.md section 9): personal fields are stored sealed with their data
subject's key, read models show them until `ledgermesh forget` destroys the key, then show
"[redacted]" at once and after a rebuild, while the log, its verification, the archive, amounts and
balances stay exactly as they were."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
from pathlib import Path
from typing import Any

import grpc
import pytest
from ledgermesh.accounts.v1 import account_service_pb2 as acc
from ledgermesh.disputes.v1 import dispute_service_pb2 as dsp
from ledgermesh.payments.v1 import customer_pb2, customer_service_pb2_grpc
from ledgermesh.payments.v1 import customer_service_pb2 as cus
from ledgermesh.payments.v1 import payment_service_pb2 as pay
from ledgermesh.query.v1 import object_query_service_pb2 as oq
from ledgermesh.query.v1 import object_query_service_pb2_grpc
from ledgermesh.query.v1 import query_service_pb2 as q

from composition.infrastructure import load_master_key
from eventcodec.personal import REDACTED
from eventlog.idempotency import ERASED_REASON
from eventlog.subject_keys import find_subjects
from support.settings import Settings
from tests.conftest import eventually
from tests.e2e.conftest import Client, Merchant
from tests.e2e.support import all_published, ledger_balance, system_without_gateway
from tests.e2e.support import disputes as system_disputes
from tests.e2e.webhook_receiver import webhook_receiver
from tests.integration.audit_support import ledgermesh

system = system_without_gateway

EMAIL = "jane.doe@example.com"
BUSINESS = "Jane Doe Bakery"
DESCRIPTION = "Birthday cake for Jane Doe, 12 Rue Verte"
CUSTOMER_EMAIL = "max.mustermann@example.org"


async def _rows(client: Client, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    async with client.system.infra.pool.connection() as conn:
        cur = await conn.execute(query, params)
        return list(await cur.fetchall())


async def _charge(client: Client, merchant: Merchant, **fields: Any) -> pay.CreateChargeResponse:
    response: pay.CreateChargeResponse = await client.payments.CreateCharge(
        pay.CreateChargeRequest(amount=4200, currency="usd", source="tok_visa", capture=True, **fields),
        metadata=merchant.metadata)
    return response


async def _read_charge(client: Client, merchant: Merchant, charge_id: str, position: int = 0) -> Any:
    return (await client.queries.GetCharge(q.GetChargeRequest(charge_id=charge_id, min_position=position),
                                           metadata=merchant.metadata)).charge


async def _read_account(client: Client, merchant: Merchant) -> Any:
    return (await client.queries.GetAccount(q.GetAccountRequest(), metadata=merchant.metadata)).account


def _object_stubs(client: Client) -> tuple[customer_service_pb2_grpc.CustomerCommandServiceStub,
                                            object_query_service_pb2_grpc.ObjectQueryServiceStub]:
    return (customer_service_pb2_grpc.CustomerCommandServiceStub(client.command),
            object_query_service_pb2_grpc.ObjectQueryServiceStub(client.query))


async def _subjects(client: Client, settings: Settings, field: str, value: str) -> list[str]:
    async with client.system.infra.pool.connection() as conn:
        return await find_subjects(conn, load_master_key(settings), field, value)


async def test_personal_fields_are_sealed_in_the_log_shown_by_read_models_and_redacted_once_forgotten(
    system: Client, settings: Settings, tmp_path: Path,
) -> None:
    merchant = await system.merchant(email=EMAIL, business_name=BUSINESS)
    sold = await _charge(system, merchant, description=DESCRIPTION, receipt_email=EMAIL,
                         metadata={"note": "call Jane on +33 6 12 34 56 78", "order": "1001"})
    # A charge for a customer of the merchant: that customer is its own data subject.
    bought = await _charge(system, merchant, description="Pretzels for Max", receipt_email=CUSTOMER_EMAIL,
                           customer="cus_max")
    await all_published(system)

    # Not in the log in clear: payloads, metadata, the ip_address column.
    for secret in (EMAIL, BUSINESS, DESCRIPTION, "+33 6 12", CUSTOMER_EMAIL, "Pretzels"):
        clear = await _rows(system, "SELECT event_type FROM events WHERE event_data::text LIKE %s"
                            " OR metadata::text LIKE %s", (f"%{secret}%", f"%{secret}%"))
        assert clear == [], f"{secret!r} is stored in clear in {clear}"
    assert await _rows(system, "SELECT event_type FROM events WHERE ip_address IS NOT NULL") == []
    (sealed,) = await _rows(system, "SELECT event_data->'description', event_data->'amount' FROM events"
                            " WHERE event_type = 'ChargeRequested' AND aggregate_id = %s", (sold.charge.id,))
    assert sealed[0]["enc"] == "v1" and {"kid", "n", "ct"} <= set(sealed[0]) and sealed[1] == 4200

    # Read models show them to the merchant, as before.
    charge = await _read_charge(system, merchant, sold.charge.id, sold.global_position)
    assert (charge.description, charge.receipt_email) == (DESCRIPTION, EMAIL)
    assert dict(charge.metadata) == {"note": "call Jane on +33 6 12 34 56 78", "order": "1001"}
    assert (await _read_charge(system, merchant, bought.charge.id, bought.global_position)).description \
        == "Pretzels for Max"
    account = await _read_account(system, merchant)
    assert (account.email, account.business_name) == (EMAIL, BUSINESS)
    # The blind index finds the account by its e-mail, however it is typed.
    assert await _subjects(system, settings, "AccountOnboarded.email", " Jane.Doe@Example.com") \
        == [merchant.account_id]
    balance_before = await ledger_balance(system, merchant.account_id)
    assert balance_before.pending > 0

    # A dry run lists what would go, and changes nothing.
    preview = ledgermesh(settings, "forget", merchant.account_id, "--dry-run")
    assert preview.returncode == 0, preview.stdout + preview.stderr
    planned = json.loads(preview.stdout)["fields"]
    assert f"{sold.charge.id} " in " ".join(planned) and not any(secret in preview.stdout for secret in (EMAIL, BUSINESS))
    assert (await _read_account(system, merchant)).email == EMAIL

    forgotten = ledgermesh(settings, "forget", merchant.account_id, "--reason", "GDPR art. 17 request #7",
                           "--by", "dpo@ledgermesh.test")
    assert forgotten.returncode == 0, forgotten.stdout + forgotten.stderr
    report = json.loads(forgotten.stdout)
    assert report["subject"] == merchant.account_id and report["destroyed_keys"] and report["erased_fields"] >= 6

    # The erasure is itself in the audit trail, without the data.
    (event,) = await _rows(system, "SELECT event_type, event_data::text, tenant_id FROM events WHERE aggregate_id = %s",
                           (f"erasure:{merchant.account_id}",))
    assert event[0] == "SubjectForgotten" and event[2] == merchant.account_id
    erasure = json.loads(event[1])
    assert erasure["reason"] == "GDPR art. 17 request #7" and erasure["forgotten_by"] == "dpo@ledgermesh.test"
    assert erasure["key_ids"] == report["destroyed_keys"]
    assert erasure["erased_fields"] == planned
    assert f"{sold.charge.id} " in " ".join(erasure["erased_fields"])
    assert not any(secret in event[1] for secret in (EMAIL, BUSINESS, DESCRIPTION, "Jane"))

    # Live read models redact at once (no rebuild).
    async def redacted() -> bool:
        c = await _read_charge(system, merchant, sold.charge.id)
        a = await _read_account(system, merchant)
        return (c.description, c.receipt_email, c.metadata["note"], a.email, a.business_name) == (REDACTED,) * 5

    await eventually(redacted, message="the forgotten subject's fields were not redacted")
    after = await _read_charge(system, merchant, sold.charge.id)
    assert (after.amount, after.amount_captured, after.amount_refunded, after.status) \
        == (4200, 4200, 0, charge.status)
    # Another subject's data is untouched.
    other = await _read_charge(system, merchant, bought.charge.id)
    assert (other.description, other.receipt_email) == ("Pretzels for Max", CUSTOMER_EMAIL)
    assert await _subjects(system, settings, "AccountOnboarded.email", EMAIL) == []
    # Money is not personal data: the books are unchanged.
    assert await ledger_balance(system, merchant.account_id) == balance_before

    # A rebuild redacts by itself: the key is gone. Even one that stops before the erasure's event
    # (the books as they stood) cannot read the fields any more.
    for projection in ("charges", "accounts"):
        rebuilt = ledgermesh(settings, "rebuild", projection)
        assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert await redacted()
    before_erasure = ledgermesh(settings, "rebuild", "charges", "--as-of", str(report["global_position"] - 1))
    assert before_erasure.returncode == 0, before_erasure.stdout + before_erasure.stderr
    match = re.search(r"under the prefix '([^']+)'", before_erasure.stdout)
    assert match, before_erasure.stdout
    as_of = await system.system.infra.redis.hgetall(f"{match.group(1)}charge:{sold.charge.id}")
    assert (as_of["description"], as_of["receipt_email"], as_of["amount"]) == (REDACTED, REDACTED, "4200")
    assert (await _read_charge(system, merchant, bought.charge.id)).description == "Pretzels for Max"

    # Forgetting the customer erases its own fields only, at once, and the charge's money stays.
    customer = ledgermesh(settings, "forget", "cus_max", "--reason", "customer asked")
    assert customer.returncode == 0, customer.stdout + customer.stderr
    assert json.loads(customer.stdout)["erased_fields"] == 2

    async def customer_redacted() -> bool:
        c = await _read_charge(system, merchant, bought.charge.id)
        return (c.description, c.receipt_email) == (REDACTED, REDACTED)

    await eventually(customer_redacted, message="the forgotten customer's fields were not redacted")
    assert (await _read_charge(system, merchant, bought.charge.id)).amount == 4200
    assert await ledger_balance(system, merchant.account_id) == balance_before

    # The log never changed: verify and the archive still pass.
    async def checkpointed() -> bool:
        # Gap-safe: the checkpointer takes only finished transactions, so it may have to wait for a
        # long transaction elsewhere on the shared server.
        signed = await asyncio.to_thread(ledgermesh, settings, "checkpoint")
        return signed.returncode == 0 and signed.stdout.startswith("checkpoint:")

    await eventually(checkpointed, timeout=60, interval=0.5, message="no checkpoint covers the log")
    verified = ledgermesh(settings, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    export = tmp_path / "export"
    exported = ledgermesh(settings, "archive", "export", "--to", str(export))
    assert exported.returncode == 0, exported.stdout + exported.stderr
    archived = ledgermesh(settings, "archive", "verify", "--from", str(export))
    assert archived.returncode == 0, archived.stdout + archived.stderr
    # An auditor with the export and the public key alone: no database, no subject keys.
    public_key = tmp_path / "auditor.pem"
    public_key.write_text(system.system.infra.signer.public_key_pem())
    offline = ledgermesh(settings, "verify", "--offline", str(export), "--public-key", str(public_key),
                         DATABASE_URL="", NATS_URL="", LEDGERMESH_DATA_DIR=str(tmp_path / "nowhere"))
    assert offline.returncode == 0, offline.stdout + offline.stderr
    # The archive holds ciphertext: the erasure reached it without rewriting a segment.
    segments = sorted((export / "segments").iterdir())
    assert segments
    for segment in segments:
        archived_text = gzip.decompress(segment.read_bytes())
        assert EMAIL.encode() not in archived_text and DESCRIPTION.encode() not in archived_text


async def test_forgetting_a_subject_without_keys_is_refused_and_writes_nothing(
    system: Client, settings: Settings,
) -> None:
    result = ledgermesh(settings, "forget", "cus_nobody")
    assert result.returncode == 1
    assert "nothing to forget" in result.stdout
    assert await _rows(system, "SELECT 1 FROM events WHERE aggregate_id = 'erasure:cus_nobody'") == []


async def test_a_webhook_carries_the_fields_in_clear_and_its_kept_copy_is_redacted_once_forgotten(
    system: Client, settings: Settings,
) -> None:
    merchant = await system.merchant(email=EMAIL, business_name=BUSINESS)
    async with webhook_receiver() as receiver:
        await system.accounts.CreateWebhookEndpoint(acc.CreateWebhookEndpointRequest(
            url=receiver.url("/hook"), enabled_events=["charge.pending", "charge.captured"]), metadata=merchant.metadata)
        await _charge(system, merchant, description=DESCRIPTION, metadata={"note": "call Jane"})

        async def delivered() -> bool:
            # Both show the whole charge: the captured one too holds the description ChargeRequested set.
            return sum(DESCRIPTION.encode() in r.body for r in receiver.at("/hook")) == 2

        # The merchant's own endpoint gets the description in clear: opened with the key.
        await eventually(delivered, message="the charge.pending webhook never arrived in clear")

    forgotten = ledgermesh(settings, "forget", merchant.account_id, "--reason", "GDPR art. 17")
    assert forgotten.returncode == 0, forgotten.stdout + forgotten.stderr
    assert json.loads(forgotten.stdout)["redacted_webhook_deliveries"] == 2
    # The copies kept for retries and replays no longer hold the data.
    for (payload,) in await _rows(system, "SELECT payload FROM webhook_deliveries"):
        data_object = json.loads(payload)["data"]["object"]
        assert (data_object["description"], data_object["metadata"]["note"]) == (REDACTED, REDACTED)
        assert data_object["amount"] == 4200 and DESCRIPTION not in payload and "Jane" not in payload


async def test_dispute_evidence_naming_the_cardholder_is_sealed_and_redacted_once_forgotten(
    system: Client, settings: Settings,
) -> None:
    merchant = await system.merchant()
    paid = await _charge(system, merchant)
    opened = await system_disputes(system).CreateDispute(
        dsp.CreateDisputeRequest(charge_id=paid.charge.id, reason="fraudulent"), metadata=merchant.platform)
    staged = await system_disputes(system).SubmitEvidence(dsp.SubmitEvidenceRequest(
        dispute_id=opened.dispute.id, evidence={"customer_name": "Jane Doe", "customer_email_address": EMAIL},
        submit=False), metadata=merchant.metadata)
    assert staged.dispute.evidence["customer_name"] == "Jane Doe"
    assert await _rows(system, "SELECT 1 FROM events WHERE event_data::text LIKE %s", ("%Jane Doe%",)) == []

    async def evidence_is(expected: dict[str, str]) -> bool:
        got = await system.queries.GetDispute(q.GetDisputeRequest(
            dispute_id=opened.dispute.id, min_position=staged.global_position), metadata=merchant.metadata)
        return dict(got.dispute.evidence) == expected

    await eventually(lambda: evidence_is({"customer_name": "Jane Doe", "customer_email_address": EMAIL}),
                     message="the evidence was not projected in clear")
    assert ledgermesh(settings, "forget", merchant.account_id).returncode == 0
    # Redaction reaches the read model through the projector; a loaded CI machine once took over 10 s.
    await eventually(lambda: evidence_is({"customer_name": REDACTED, "customer_email_address": REDACTED}),
                     timeout=30, message="the evidence was not redacted")
    got = await system.queries.GetDispute(q.GetDisputeRequest(dispute_id=opened.dispute.id), metadata=merchant.metadata)
    assert (got.dispute.amount, got.dispute.status) == (opened.dispute.amount, opened.dispute.status)


async def test_forgetting_a_customer_makes_its_email_unreadable_in_the_log_read_models_and_rebuilds(
    system: Client, settings: Settings,
) -> None:
    customers, objects = _object_stubs(system)
    merchant = await system.merchant()
    email, name = "erika.musterfrau@example.net", "Erika Musterfrau"
    created = await customers.CreateCustomer(cus.CreateCustomerRequest(fields=cus.CustomerFields(
        email=email, name=name, phone="+49 30 1234567", metadata={"crm": "Erika's file"})),
        metadata=merchant.metadata)
    customer_id = created.customer.id
    kept = await customers.CreateCustomer(cus.CreateCustomerRequest(fields=cus.CustomerFields(
        email="someone.else@example.net")), metadata=merchant.metadata)

    for secret in (email, name, "+49 30", "Erika's file"):
        clear = await _rows(system, "SELECT event_type FROM events WHERE event_data::text LIKE %s", (f"%{secret}%",))
        assert clear == [], f"{secret!r} is stored in clear in {clear}"

    async def read(cid: str, position: int = 0) -> Any:
        return (await objects.GetCustomer(oq.GetCustomerRequest(customer_id=cid, min_position=position),
                                          metadata=merchant.metadata)).customer

    shown = await read(customer_id, created.global_position)
    assert (shown.email, shown.name, dict(shown.metadata)) == (email, name, {"crm": "Erika's file"})

    forgotten = ledgermesh(settings, "forget", customer_id, "--reason", "customer asked")
    assert forgotten.returncode == 0, forgotten.stdout + forgotten.stderr
    assert json.loads(forgotten.stdout)["erased_fields"] == 4

    async def redacted() -> bool:
        c = await read(customer_id)
        return (c.email, c.name, c.phone, dict(c.metadata)) == (REDACTED, REDACTED, REDACTED, {"crm": REDACTED})

    await eventually(redacted, message="the forgotten customer's fields were not redacted in the read model")
    assert (await read(kept.customer.id, kept.global_position)).email == "someone.else@example.net"

    rebuilt = ledgermesh(settings, "rebuild", "objects")
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert await redacted()
    assert (await read(kept.customer.id)).email == "someone.else@example.net"
    verified = ledgermesh(settings, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


async def test_forgetting_a_customer_erases_its_postal_addresses_and_its_saved_idempotent_responses(
    system: Client, settings: Settings,
) -> None:
    customers, objects = _object_stubs(system)
    merchant = await system.merchant()
    home = customer_pb2.Address(line1="12 Rue Verte", line2="Apt 3", city="Lyon", postal_code="69001", country="FR")
    billing = customer_pb2.Address(line1="4 Quai Sud", city="Marseille", postal_code="13002", country="FR")
    create = cus.CreateCustomerRequest(fields=cus.CustomerFields(email="jeanne.martin@example.fr", name="Jeanne Martin",
                                                                 address=home), idempotency_key="create-jeanne")
    async with webhook_receiver() as receiver:
        await system.accounts.CreateWebhookEndpoint(acc.CreateWebhookEndpointRequest(
            url=receiver.url("/hook"), enabled_events=["customer.created"]), metadata=merchant.metadata)
        created = await customers.CreateCustomer(create, metadata=merchant.metadata)

        async def delivered() -> bool:
            return any(b"12 Rue Verte" in r.body for r in receiver.at("/hook"))

        # The merchant's own endpoint gets the address in clear.
        await eventually(delivered, message="the customer.created webhook never arrived in clear")
    customer_id = created.customer.id
    card = await customers.CreatePaymentMethod(cus.CreatePaymentMethodRequest(
        type="card", card=cus.CardInput(token="tok_visa"), customer=customer_id, idempotency_key="card-jeanne",
        billing_details=customer_pb2.BillingDetails(name="Jeanne Martin", address=billing)), metadata=merchant.metadata)
    secrets = ("Rue Verte", "Apt 3", "Lyon", "69001", "Quai Sud", "Marseille", "13002", "jeanne.martin", "Jeanne")

    for secret in secrets:
        clear = await _rows(system, "SELECT event_type FROM events WHERE event_data::text LIKE %s", (f"%{secret}%",))
        assert clear == [], f"{secret!r} is stored in clear in {clear}"

    async def addresses(position: int = 0) -> tuple[Any, Any]:
        c = (await objects.GetCustomer(oq.GetCustomerRequest(customer_id=customer_id, min_position=position),
                                       metadata=merchant.metadata)).customer
        pm = (await objects.GetPaymentMethod(oq.GetPaymentMethodRequest(
            payment_method_id=card.payment_method.id, min_position=position), metadata=merchant.metadata)).payment_method
        return c.address, pm.billing_details.address

    assert await addresses(card.global_position) == (home, billing)
    assert created.customer.address == home and card.payment_method.billing_details.address == billing
    # Until the subject is forgotten, a retry gets the first answer.
    assert (await customers.CreateCustomer(create, metadata=merchant.metadata)).customer.id == customer_id

    forgotten = ledgermesh(settings, "forget", customer_id)
    assert forgotten.returncode == 0, forgotten.stdout + forgotten.stderr
    assert json.loads(forgotten.stdout)["erased_idempotent_responses"] == 2
    assert json.loads(forgotten.stdout)["redacted_webhook_deliveries"] == 1
    (payload,) = [row[0] for row in await _rows(system, "SELECT payload FROM webhook_deliveries")]
    assert json.loads(payload)["data"]["object"]["address"]["line1"] == REDACTED
    assert not any(secret in payload for secret in secrets)

    kept = await _rows(system, "SELECT key, response, refusal_reason, refusal_message FROM idempotency_keys"
                               " WHERE tenant_id = %s ORDER BY key", (merchant.account_id,))
    assert [(key, response, reason) for key, response, reason, _message in kept] == [
        ("card-jeanne", None, ERASED_REASON), ("create-jeanne", None, ERASED_REASON)]
    assert not any(secret in str(row) for row in kept for secret in secrets)
    # A retry under the key is refused: the request was carried out, and is never run a second time.
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await customers.CreateCustomer(create, metadata=merchant.metadata)
    assert refused.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert await _rows(system, "SELECT count(*) FROM events WHERE event_type = 'CustomerCreated'"
                               " AND tenant_id = %s", (merchant.account_id,)) == [(1,)]

    # Every part given is redacted; the parts never given stay empty, as a rebuild leaves them.
    erased_home = customer_pb2.Address(line1=REDACTED, line2=REDACTED, city=REDACTED, postal_code=REDACTED,
                                       country=REDACTED)
    erased_billing = customer_pb2.Address(line1=REDACTED, city=REDACTED, postal_code=REDACTED, country=REDACTED)

    async def redacted() -> bool:
        return await addresses() == (erased_home, erased_billing)

    await eventually(redacted, message="the forgotten customer's addresses were not redacted in the read model")
    rebuilt = ledgermesh(settings, "rebuild", "objects")
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert await redacted()
    verified = ledgermesh(settings, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
