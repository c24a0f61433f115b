"""The archive: export -> verify -> restore round-trips the log byte for byte (same hashes, same
verify result), to a directory and to an S3-compatible bucket (a real moto server over HTTP), and an
export alone, with the public key, verifies offline and gives tampering away."""

from __future__ import annotations

import gzip
import hashlib
import json
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import pytest_asyncio

from composition.audit import build_checkpointer, checkpoint_dir
from composition.infrastructure import Infrastructure
from composition.servers import free_port
from support.settings import Settings
from tests.conftest import eventually
from tests.integration.audit_support import ledgermesh, write_bulk_log
from tests.integration.conftest import append_notes
from tests.integration.test_audit_log import checkpoint_at

ROWS = ("SELECT global_position, event_id, tenant_id, aggregate_id, aggregate_type, event_type, event_version,"
        " aggregate_version, event_data::text, metadata::text, created_at, correlation_id, causation_id, user_id,"
        " ip_address, event_hash, previous_event_hash, signature FROM events ORDER BY global_position")


async def _rows(settings: Settings, schema: str) -> list[tuple[Any, ...]]:
    async with await psycopg.AsyncConnection.connect(settings.database_url, autocommit=True,
                                                     options=f"-c search_path={schema}") as conn:
        cur = await conn.execute(ROWS)
        return await cur.fetchall()


@pytest_asyncio.fixture
async def restored(settings: Settings, tmp_path: Path) -> AsyncIterator[Settings]:
    """A second, empty log (own schema and data folder) to restore into; dropped afterwards."""
    other = settings.with_(db_schema=f"{settings.db_schema}_restored", data_dir=tmp_path / "restored")
    yield other
    async with await psycopg.AsyncConnection.connect(settings.database_url, autocommit=True) as conn:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{other.db_schema}" CASCADE')


async def _small_log(infra: Infrastructure, settings: Settings) -> None:
    for i, tenant in enumerate(("acct_a", "acct_b", "acct_c")):
        await append_notes(infra, f"ledger:{tenant}:usd", 0, "a", "b", tenant=tenant)
        await append_notes(infra, f"ledger:{tenant}:usd", 2, f"c{i}", tenant=tenant)
    await checkpoint_at(build_checkpointer(settings, infra.pool, infra.signer, infra.nc.jetstream()), 9, infra.pool)


async def test_an_export_verifies_offline_with_the_public_key_alone_and_gives_a_forged_segment_away(
    infra, settings, tmp_path,
) -> None:
    await _small_log(infra, settings)
    export = tmp_path / "export"
    public_key = tmp_path / "auditor.pem"
    public_key.write_text(infra.signer.public_key_pem())
    assert ledgermesh(settings, "archive", "export", "--to", str(export), "--segment-events", "4").returncode == 0
    manifest = json.loads((export / "manifest.json").read_text())
    # Nothing but the export and the key: no database, no settings.
    offline = {"DATABASE_URL": "", "LEDGERMESH_DATA_DIR": str(tmp_path / "nowhere"), "NATS_URL": ""}

    clean = ledgermesh(settings, "verify", "--offline", str(export), "--public-key", str(public_key), **offline)

    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "OK: 9 events checked, 9 leaves under 1 checkpoints" in clean.stdout
    assert [(s["first_leaf"], s["end_leaf"]) for s in manifest["segments"]] == [(0, 4), (4, 8), (8, 9)]

    # The forger changes an amount in the second segment, recompresses it under its new content
    # address and fixes up the manifest: the segment's leaves are no longer under the signed root.
    segment = manifest["segments"][1]
    rows = [json.loads(line) for line in gzip.decompress((export / segment["file"]).read_bytes()).splitlines()]
    rows[0]["event_data"] = rows[0]["event_data"].replace('"amount": 100', '"amount": 900')
    forged = gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode(), mtime=0)
    digest = hashlib.sha256(forged).hexdigest()
    (export / f"segments/{digest}.jsonl.gz").write_bytes(forged)
    segment.update(file=f"segments/{digest}.jsonl.gz", sha256=digest)
    (export / "manifest.json").write_text(json.dumps(manifest))

    tampered = ledgermesh(settings, "verify", "--offline", str(export), "--public-key", str(public_key), **offline)

    assert tampered.returncode == 1, tampered.stdout + tampered.stderr
    assert f"FIRST BAD POSITION {rows[0]['global_position']}: hash_mismatch" in tampered.stdout


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A moto S3 server, a real HTTP server in its own process, for this module's tests."""
    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("w")
    process = subprocess.Popen([str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        def answers() -> bool:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return True
            except OSError:
                return False

        import asyncio

        async def up() -> bool:
            return answers() or process.poll() is not None

        asyncio.run(eventually(up, timeout=30, message="moto_server listening"))
        assert process.poll() is None, "moto_server exited"
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


S3_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


async def test_export_to_an_s3_bucket_then_verify_and_restore_from_it_round_trips(
    infra, settings, restored, s3_endpoint, tmp_path,
) -> None:
    import boto3

    bucket = f"archive-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", aws_access_key_id="testing",
                 aws_secret_access_key="testing").create_bucket(Bucket=bucket)
    await _small_log(infra, settings)
    s3 = {**S3_CREDENTIALS, "LEDGERMESH_S3_ENDPOINT_URL": s3_endpoint, "LEDGERMESH_ARCHIVE_S3": f"s3://{bucket}/ledger"}
    public_key = tmp_path / "public.pem"
    public_key.write_text(infra.signer.public_key_pem())

    exported = ledgermesh(settings, "archive", "export", **s3)
    verified = ledgermesh(settings, "archive", "verify", **s3)
    restore = ledgermesh(restored, "archive", "restore", "--public-key", str(public_key), **s3)
    after = ledgermesh(restored, "verify", "--public-key", str(public_key), NATS_URL="")

    assert exported.returncode == 0, exported.stdout + exported.stderr
    assert f"archive s3://{bucket}/ledger/: 1 segments, 9 events" in exported.stdout
    assert verified.returncode == 0 and "OK: 9 events checked" in verified.stdout, verified.stdout
    assert restore.returncode == 0, restore.stdout + restore.stderr
    assert await _rows(settings, restored.db_schema) == await _rows(settings, settings.db_schema)
    assert after.returncode == 0 and "OK: 9 events checked, 9 leaves under 1 checkpoints" in after.stdout, after.stdout


@pytest.mark.slow
async def test_a_log_of_100000_events_round_trips_through_the_archive_with_progress(
    infra, settings, restored, tmp_path,
) -> None:
    async with infra.pool.connection() as conn:
        await write_bulk_log(conn, infra.signer, events=100_000, streams=2_000)
    await checkpoint_at(build_checkpointer(settings, infra.pool, infra.signer, infra.nc.jetstream()), 100_000, infra.pool)
    archive = tmp_path / "archive"
    public_key = tmp_path / "public.pem"
    public_key.write_text(infra.signer.public_key_pem())

    exported = ledgermesh(settings, "archive", "export", "--to", str(archive), "--before", "2027-01-01")
    verified = ledgermesh(settings, "archive", "verify", "--from", str(archive))
    restore = ledgermesh(restored, "archive", "restore", "--from", str(archive), "--public-key", str(public_key))
    after = ledgermesh(restored, "verify", "--public-key", str(public_key), NATS_URL="")

    assert exported.returncode == 0, exported.stdout + exported.stderr
    assert "10 segments, 100,000 events (leaves 0..100000)" in exported.stdout
    for step in (exported, verified, restore):
        progress = step.stderr.strip().splitlines()[-1]
        assert "100.0%" in progress and "100,000 events" in progress and "/s ETA" in progress, step.stderr
    assert verified.returncode == 0 and "OK: 100000 events checked" in verified.stdout, verified.stdout
    assert restore.returncode == 0 and "restored 100,000 events" in restore.stdout, restore.stdout + restore.stderr
    assert await _rows(settings, restored.db_schema) == await _rows(settings, settings.db_schema)
    assert after.returncode == 0, after.stdout + after.stderr
    assert "OK: 100000 events checked, 100000 leaves under 1 checkpoints" in after.stdout


async def test_checkpoints_in_an_s3_witness_still_anchor_the_log_when_the_hosts_copies_are_gone(
    infra, settings, s3_endpoint, monkeypatch,
) -> None:
    import boto3

    for name, value in S3_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    bucket = f"witness-{uuid.uuid4().hex[:8]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=bucket)
    witnessed = settings.with_(checkpoint_witness_s3=f"s3://{bucket}/log", s3_endpoint_url=s3_endpoint)
    await _small_log(infra, witnessed)
    keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"])
    # The host's own copies are gone, and NATS (with its key-value bucket) is out of reach.
    for name in ("checkpoints.jsonl", "leaves.bin"):
        (checkpoint_dir(witnessed) / name).unlink()
    async with infra.pool.connection() as conn:
        await conn.execute("ALTER TABLE events DISABLE TRIGGER events_immutable")
        await conn.execute("DELETE FROM events WHERE aggregate_id = 'ledger:acct_c:usd' AND aggregate_version = 3")
        await conn.execute("ALTER TABLE events ENABLE TRIGGER events_immutable")

    result = ledgermesh(witnessed, "verify", NATS_URL="", LEDGERMESH_CHECKPOINT_WITNESS_S3=f"s3://{bucket}/log",
                        LEDGERMESH_S3_ENDPOINT_URL=s3_endpoint, **S3_CREDENTIALS)

    assert keys == ["log/checkpoints/0000000000000009.json", "log/head.json", "log/leaves/0000000000000000.bin"]
    assert result.returncode == 1, result.stdout + result.stderr
    assert "missing_event" in result.stdout and "9 leaves under 1 checkpoints" in result.stdout
