"""The event log's promises, checked on real PostgreSQL rows: the hash chain is recomputable from the
row alone, signatures verify with the exported public key, tampering is detected (also by the
`ledgermesh verify` CLI), and history cannot be changed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from composition.infrastructure import Infrastructure
from eventlog.integrity import Verifier, canonical_bytes, chain_hash
from eventlog.verify import ROW_COLUMNS, ProblemKind, verify_log, verify_rows, verify_stream
from tests.integration.conftest import append_notes

ROOT = Path(__file__).resolve().parents[2]

async def _rows(infra: Infrastructure, stream: str) -> list[dict[str, Any]]:
    async with infra.pool.connection() as conn:
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(f"SELECT {ROW_COLUMNS} FROM events WHERE aggregate_id = %s ORDER BY aggregate_version",
                          (stream,))
        return await cur.fetchall()


async def test_given_stored_events_then_each_hash_recomputes_from_the_row_and_chains_to_the_previous(infra) -> None:
    await append_notes(infra, "ledger:acct_test:usd", 0, "a", "b")
    await append_notes(infra, "ledger:acct_test:usd", 2, "c")

    rows = await _rows(infra, "ledger:acct_test:usd")

    previous = None
    for row in rows:
        canonical = canonical_bytes(
            event_id=str(row["event_id"]), tenant_id=row["tenant_id"], aggregate_id=row["aggregate_id"],
            aggregate_type=row["aggregate_type"], aggregate_version=row["aggregate_version"],
            event_type=row["event_type"], event_version=row["event_version"], created_at=row["created_at"],
            data=row["event_data"], metadata=row["metadata"],
        )
        assert row["event_hash"] == chain_hash(previous, canonical)
        assert row["previous_event_hash"] == previous
        previous = row["event_hash"]
    assert [r["aggregate_version"] for r in rows] == [1, 2, 3]


async def test_given_the_exported_public_key_then_every_signature_verifies_offline(infra) -> None:
    await append_notes(infra, "ledger:acct_test:usd", 0, "a", "b")
    offline = Verifier.from_pem(infra.signer.public_key_pem())

    rows = await _rows(infra, "ledger:acct_test:usd")

    assert all(offline.verify(row["event_hash"], row["signature"]) for row in rows)
    async with infra.pool.connection() as conn:
        assert await verify_stream(conn, "ledger:acct_test:usd", offline) == []


async def test_given_a_row_with_one_changed_amount_then_verification_fails(infra) -> None:
    await append_notes(infra, "ledger:acct_test:usd", 0, "a", "b", "c")
    rows = await _rows(infra, "ledger:acct_test:usd")
    assert verify_rows(rows, infra.signer.verifier()) == []

    rows[1]["event_data"] = {**rows[1]["event_data"], "amount": 1_000_000}
    problems = verify_rows(rows, infra.signer.verifier())

    assert [(p.aggregate_version, p.kind) for p in problems] == [(2, ProblemKind.HASH_MISMATCH)]


async def test_given_a_key_that_did_not_sign_then_signatures_fail(infra) -> None:
    from eventlog.integrity import Signer

    await append_notes(infra, "ledger:acct_test:usd", 0, "a")
    rows = await _rows(infra, "ledger:acct_test:usd")

    problems = verify_rows(rows, Signer.generate().verifier())

    assert [p.kind for p in problems] == [ProblemKind.BAD_SIGNATURE]


async def test_given_a_row_changed_behind_the_triggers_back_then_ledgermesh_verify_exits_non_zero(
    infra, settings, tmp_path,
) -> None:
    await append_notes(infra, "ledger:acct_test:usd", 0, "a", "b")
    await append_notes(infra, "ledger:acct_other:usd", 0, "x", tenant="acct_other")
    key_file = tmp_path / "public.pem"
    key_file.write_text(infra.signer.public_key_pem())
    env = {**os.environ, "DATABASE_URL": settings.database_url, "LEDGERMESH_DB_SCHEMA": settings.db_schema,
           "LEDGERMESH_DATA_DIR": str(tmp_path / "no-stack"), "PYTHONPATH": f"{ROOT}:{ROOT / 'gen'}"}
    command = [sys.executable, "-m", "composition.cli", "verify", "--public-key", str(key_file)]

    clean = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "3 events checked" in clean.stdout

    # A superuser can switch the trigger off; the chain still gives the change away.
    async with infra.pool.connection() as conn, conn.transaction():
        await conn.execute("ALTER TABLE events DISABLE TRIGGER events_immutable")
        await conn.execute("UPDATE events SET event_data = jsonb_set(event_data, '{amount}', '1')"
                           " WHERE aggregate_id = 'ledger:acct_test:usd' AND aggregate_version = 1")
        await conn.execute("ALTER TABLE events ENABLE TRIGGER events_immutable")
    tampered = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)

    assert tampered.returncode == 1, tampered.stdout + tampered.stderr
    assert "ledger:acct_test:usd@1" in tampered.stdout and "hash_mismatch" in tampered.stdout
    async with infra.pool.connection() as conn:
        checked, problems = await verify_log(conn, infra.signer.verifier(), tenant_id="acct_other")
    assert (checked, problems) == (1, [])


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET event_data = '{}'::jsonb",
        "UPDATE events SET metadata = metadata",
        "DELETE FROM events",
        "TRUNCATE events",
    ],
)
async def test_given_stored_events_when_changing_or_deleting_them_then_the_database_refuses(infra, statement) -> None:
    await append_notes(infra, "ledger:acct_test:usd", 0, "a", "b")

    async with infra.pool.connection() as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="events are immutable"):
            await conn.execute(statement)
        cur = await conn.execute("SELECT count(*) FROM events")
        row = await cur.fetchone()
    assert row is not None and row[0] == 2


async def test_given_streams_longer_than_a_read_batch_then_the_whole_log_still_verifies(infra) -> None:
    for stream in ("ledger:acct_test:eur", "ledger:acct_test:gbp", "ledger:acct_test:usd"):
        await append_notes(infra, stream, 0, "a", "b", "c")

    async with infra.pool.connection() as conn:
        checked, problems = await verify_log(conn, infra.signer.verifier(), batch_size=2)

    assert (checked, problems) == (9, [])
