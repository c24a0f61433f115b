"""Migration 4 on a database the old code wrote: refusals it saved as gRPC status codes still replay
to a retry, now as the domain refusals they were, with the same gRPC status at the edge; rows no
domain refusal stands for are forgotten (their command wrote nothing), so a retry runs again."""

from __future__ import annotations

import grpc
import psycopg
import pytest

from command_svc.api.errors import status_code_for
from command_svc.application.pipeline import CommandRunner, Decision, Idempotency, request_fingerprint
from command_svc.domain.errors import NotFoundError, PreconditionError
from composition.infrastructure import open_pool
from eventlog import migrations
from eventlog.idempotency import IdempotencyKeys
from eventlog.integrity import Signer
from eventlog.memory import RecordingPublisher
from eventlog.records import Claimed, SavedRefusal, SavedResponse
from eventlog.store import EventStore
from support.settings import Settings
from tests.integration.conftest import audit

TENANT = "acct_migrated"


def _fingerprint(operation: str, key: str) -> str:
    # Each old request stands for itself by its key's bytes.
    return request_fingerprint(operation, key.encode())


def _old_row(key: str, operation: str, code: int | None, reason: str | None, response: bytes | None) -> tuple:
    return (TENANT, key, operation, _fingerprint(operation, key), response, code, reason,
            "What the old code said." if code is not None else None)


async def test_refusals_saved_as_grpc_codes_replay_as_domain_refusals_after_migration_4(
    settings: Settings, cleanup: None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with await psycopg.AsyncConnection.connect(settings.database_url, autocommit=True) as conn:
        with monkeypatch.context() as before_4:
            before_4.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:3])
            assert await migrations.migrate(conn, settings.db_schema) == [1, 2, 3]
        await conn.execute(f'SET search_path TO "{settings.db_schema}"')
        async with conn.cursor() as cur:
            await cur.executemany(
                "INSERT INTO idempotency_keys (tenant_id, key, operation, request_hash, state, response,"
                " error_code, error_reason, error_message) VALUES (%s, %s, %s, %s, 'done', %s, %s, %s, %s)",
                [_old_row("k-overdrawn", "CreatePayout", 9, "INSUFFICIENT_FUNDS", None),
                 _old_row("k-missing", "CaptureCharge", 5, "RESOURCE_MISSING", None),
                 _old_row("k-lost-races", "CreateCharge", 10, "CONCURRENT_MODIFICATION", None),
                 _old_row("k-answered", "CreateCharge", None, None, b"first response")])
        assert 4 in await migrations.migrate(conn, settings.db_schema)

    pool = await open_pool(settings)
    try:
        keys = IdempotencyKeys(pool)
        runner = CommandRunner(EventStore(pool, Signer.generate()), keys, RecordingPublisher())

        async def never_decided() -> Decision:
            raise AssertionError("a replayed key ran its command again")

        with pytest.raises(PreconditionError) as overdrawn:
            await runner.run(tenant_id=TENANT, operation="CreatePayout", audit=audit(), decide=never_decided,
                             present=lambda _result, _stored: b"",
                             idempotency=Idempotency("k-overdrawn", b"k-overdrawn", bytes, bytes))
        assert (overdrawn.value.reason, overdrawn.value.message) == ("INSUFFICIENT_FUNDS", "What the old code said.")
        assert status_code_for(overdrawn.value) == grpc.StatusCode.FAILED_PRECONDITION  # the old code 9

        missing = await keys.claim(TENANT, "k-missing", "CaptureCharge", _fingerprint("CaptureCharge", "k-missing"))
        assert missing == SavedRefusal("not_found", "RESOURCE_MISSING", "What the old code said.", None, {})
        assert status_code_for(NotFoundError(missing.reason, missing.message)) == grpc.StatusCode.NOT_FOUND

        lost = await keys.claim(TENANT, "k-lost-races", "CreateCharge", _fingerprint("CreateCharge", "k-lost-races"))
        assert isinstance(lost, Claimed)
        answered = await keys.claim(TENANT, "k-answered", "CreateCharge", _fingerprint("CreateCharge", "k-answered"))
        assert answered == SavedResponse(b"first response")
    finally:
        await pool.close()
