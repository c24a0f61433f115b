"""Every event the services write carries the full metadata of DESIGN.md §4, and the whole log
verifies from its rows with the exported public key."""

from __future__ import annotations

from ledgermesh.accounts.v1 import account_service_pb2 as acc
from ledgermesh.disputes.v1 import dispute_service_pb2 as dsp
from ledgermesh.payments.v1 import payment_service_pb2 as pay

from eventcodec.personal import open_ip_address
from eventlog.integrity import Verifier
from eventlog.verify import verify_log
from tests.e2e.support import charge, disputes, system_without_gateway, verified_merchant

__all__ = ["system_without_gateway"]

# DESIGN.md §4 (event_id, timestamp, event_version and aggregate_version are columns of the row).
REQUIRED = (
    "correlation_id", "causation_id", "request_id", "trace_id", "user_id", "ip_address", "jurisdiction",
    "regulation", "data_classification", "retention_period", "event_hash", "previous_event_hash", "signature",
)
# Legitimately empty: a command has no causing event, a stream's first event no predecessor, and
# sign-up has no API key yet.
MAY_BE_EMPTY = {"causation_id", "previous_event_hash", "user_id"}


async def test_given_every_kind_of_command_then_every_stored_event_carries_the_full_metadata(system) -> None:
    merchant = await verified_merchant(system)
    paid = await charge(system, merchant, 20_000, "tok_bypassPending")
    await system.payments.CreateRefund(pay.CreateRefundRequest(charge_id=paid.id, amount=1_000),
                                       metadata=merchant.metadata)
    await system.accounts.CreatePayout(acc.CreatePayoutRequest(amount=500, currency="usd"),
                                       metadata=merchant.metadata)
    disputed = await charge(system, merchant, 3_000, "tok_createDispute")
    await disputes(system).CloseDispute(dsp.CloseDisputeRequest(dispute_id=disputed.dispute),
                                        metadata=merchant.metadata)
    await charge(system, merchant, 3_000, "tok_chargeDeclined")

    async with system.system.infra.pool.connection() as conn:
        cur = await conn.execute("SELECT event_type, metadata, user_id, ip_address FROM events")
        rows = await cur.fetchall()
        checked, problems = await verify_log(conn, Verifier.from_pem(system.system.infra.signer.public_key_pem()))

    types = {row[0] for row in rows}
    assert types >= {"AccountOnboarded", "KYCProcessCompleted", "ChargeRequested", "FraudCheckCompleted",
                     "PaymentCaptured", "PaymentDeclined", "RefundCreated", "PayoutCreated", "LedgerEntryPosted",
                     "DisputeCreated", "DisputeResolved"}
    for event_type, metadata, _user, _ip in rows:
        missing = [key for key in REQUIRED if key not in metadata]
        assert not missing, f"{event_type} lacks {missing}"
        empty = [key for key in REQUIRED if not metadata[key] and key not in MAY_BE_EMPTY]
        assert not empty, f"{event_type} has empty {empty}"
        # Personal data: sealed for the account (crypto-shredding), readable with its key.
        assert metadata["ip_address"] != "127.0.0.1" and _ip is None
        assert open_ip_address(metadata, system.system.infra.subject_keys.key_by_id) == "127.0.0.1"
        assert len(metadata["trace_id"]) == 32
    assert all(row[1]["user_id"] for row in rows if row[0] not in ("AccountOnboarded", "ApiKeyIssued"))
    assert (checked, problems) == (len(rows), [])
