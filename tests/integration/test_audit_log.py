"""The Merkle log and its signed checkpoints, tried as an auditor would: with database superuser
rights (the immutability triggers switched off) and, last, with the signing key as well. Every
tampering is caught by `ledgermesh verify`, which names the first bad position; proofs are checked by
an independent RFC 6962 verifier (tests/rfc6962.py) and the public key alone."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from psycopg_pool import AsyncConnectionPool

from composition.audit import build_checkpointer, checkpoint_bucket, checkpoint_dir, local_key_ring
from composition.infrastructure import Infrastructure
from composition.system import BACKEND, start_system
from eventlog.audit_verify import verify_database
from eventlog.checkpoints import Checkpoint, DirectorySink
from eventlog.integrity import Signer, canonical_bytes, chain_hash, format_timestamp
from eventlog.merkle import MerkleTree
from eventlog.merkle_log import Checkpointer, MerkleLog, leaf_hashes
from eventlog.records import StoredEvent, StreamAppend
from eventlog.store import EventStore
from support.settings import Settings
from tests import rfc6962
from tests.conftest import eventually
from tests.integration.audit_support import as_attacker, ledgermesh
from tests.integration.conftest import append_notes, audit, note

STREAMS = {"ledger:acct_a:usd": "acct_a", "ledger:acct_b:usd": "acct_b", "ledger:acct_c:usd": "acct_c"}
A, B, C = STREAMS


@pytest.fixture
def audited(settings: Settings, tmp_path: Path) -> Settings:
    """Checkpoints also go to a witness directory that the database host does not control."""
    return settings.with_(checkpoint_witness_dir=tmp_path / "witness")


def _checkpointer(infra: Infrastructure, settings: Settings) -> Checkpointer:
    return build_checkpointer(settings, infra.pool, infra.signer, infra.nc.jetstream())


async def checkpoint_at(checkpointer: Checkpointer, size: int, pool: AsyncConnectionPool) -> Checkpoint:
    """The checkpoint of exactly `size` leaves, forced only once all of them can be sequenced: every transaction
    that was running anywhere in the cluster when the events committed has finished (the gap-safe order
    waits for them). Forcing a checkpoint before that would sign one of fewer leaves, an extra
    checkpoint the test did not ask for (it happened under load)."""
    async def finished() -> bool:
        async with pool.connection() as conn:
            cur = await conn.execute(
                "SELECT count(*) FROM events WHERE tx_id < pg_snapshot_xmin(pg_current_snapshot())")
            row = await cur.fetchone()
            return row is not None and row[0] >= size

    # Generous: a long transaction anywhere in the cluster holds the gap-safe order back.
    await eventually(finished, timeout=30, message=f"{size} events finished for the gap-safe order")
    checkpoint = await checkpointer.run_once(force=True)
    assert checkpoint is not None and checkpoint.tree_size == size, checkpoint
    return checkpoint


async def _history(infra: Infrastructure, settings: Settings) -> dict[str, list[StoredEvent]]:
    """Three accounts' streams written in turns, 12 events in 12 transactions, checkpointed at 6 and 12."""
    checkpointer = _checkpointer(infra, settings)
    stored: dict[str, list[StoredEvent]] = {stream: [] for stream in STREAMS}
    for turn in range(4):
        for stream, tenant in STREAMS.items():
            stored[stream] += await append_notes(infra, stream, turn, f"{stream}-{turn}", tenant=tenant)
        if turn == 1:
            await checkpoint_at(checkpointer, 6, infra.pool)
    await checkpoint_at(checkpointer, 12, infra.pool)
    return stored


def _first_bad(stdout: str) -> tuple[int, str]:
    match = re.search(r"^FIRST BAD POSITION (\d+): (\w+):", stdout, re.MULTILINE)
    assert match, stdout
    return int(match.group(1)), match.group(2)


async def test_an_untouched_log_verifies_against_every_checkpoint(infra, audited) -> None:
    await _history(infra, audited)

    result = ledgermesh(audited, "verify")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: 12 events checked, 12 leaves under 2 checkpoints" in result.stdout


async def test_a_changed_payload_byte_is_named_at_its_position(infra, audited) -> None:
    stored = await _history(infra, audited)
    target = stored[A][1]
    async with infra.pool.connection() as conn:
        await as_attacker(conn, ("UPDATE events SET event_data = jsonb_set(event_data, '{amount}', '101')"
                                 " WHERE event_id = %s", (target.event_id,)))

    result = ledgermesh(audited, "verify")

    assert result.returncode == 1, result.stdout + result.stderr
    assert _first_bad(result.stdout) == (target.global_position, "hash_mismatch")


async def test_a_deleted_newest_event_of_a_stream_is_named_at_its_position(infra, audited) -> None:
    stored = await _history(infra, audited)
    newest = stored[A][-1]
    async with infra.pool.connection() as conn:
        await as_attacker(conn, ("DELETE FROM events WHERE event_id = %s", (newest.event_id,)))

    result = ledgermesh(audited, "verify")

    assert result.returncode == 1, result.stdout + result.stderr
    assert _first_bad(result.stdout) == (newest.global_position, "missing_event")


async def test_a_deleted_whole_stream_is_named_at_its_first_position(infra, audited) -> None:
    stored = await _history(infra, audited)
    async with infra.pool.connection() as conn:
        # The thorough attacker removes the stream's leaves from the sequence table too.
        await as_attacker(conn, ("DELETE FROM events WHERE aggregate_id = %s", (B,)),
                          ("DELETE FROM merkle_leaves WHERE global_position = ANY(%s)",
                           ([e.global_position for e in stored[B]],)))

    result = ledgermesh(audited, "verify")

    assert result.returncode == 1, result.stdout + result.stderr
    assert _first_bad(result.stdout) == (stored[B][0].global_position, "missing_event")


async def test_two_events_swapped_in_the_global_order_are_named_at_the_first(infra, audited) -> None:
    stored = await _history(infra, audited)
    first, second = stored[A][1], stored[C][2]
    swap = [(f"UPDATE {table} SET global_position = %s WHERE global_position = %s", (new, old))
            for table in ("events", "merkle_leaves")
            for new, old in ((-1, first.global_position), (first.global_position, second.global_position),
                             (second.global_position, -1))]
    async with infra.pool.connection() as conn:
        await as_attacker(conn, *swap)
        # Each stream's chain is intact: only the global order changed.
        report = await verify_database(conn, local_key_ring(audited), {}, [])
    assert report.ok

    result = ledgermesh(audited, "verify")

    assert result.returncode == 1, result.stdout + result.stderr
    assert _first_bad(result.stdout) == (first.global_position, "changed_event")


async def _rewrite_stream(infra: Infrastructure, events: list[StoredEvent]) -> None:
    """An attacker holding the signing key rewrites every event of a stream (amounts multiplied by
    ten) and recomputes every hash, link and signature, and the sequence table's hashes."""
    statements: list[tuple[str, tuple[Any, ...]]] = []
    previous: str | None = None
    for event in events:
        data = {**event.data, "amount": event.data["amount"] * 10}
        metadata = {k: v for k, v in event.metadata.items() if k not in ("event_hash", "previous_event_hash", "signature")}
        event_hash = chain_hash(previous, canonical_bytes(
            event_id=str(event.event_id), tenant_id=event.tenant_id, aggregate_id=event.aggregate_id,
            aggregate_type=event.aggregate_type, aggregate_version=event.aggregate_version, event_type=event.event_type,
            event_version=event.event_version, created_at=event.created_at, data=data, metadata=metadata))
        signature = infra.signer.sign(event_hash)
        metadata.update(event_hash=event_hash, previous_event_hash=previous or "", signature=signature)
        statements += [
            ("UPDATE events SET event_data = %s, metadata = %s, event_hash = %s, previous_event_hash = %s,"
             " signature = %s WHERE event_id = %s",
             (json.dumps(data), json.dumps(metadata), event_hash, previous, signature, event.event_id)),
            ("UPDATE merkle_leaves SET event_hash = %s WHERE global_position = %s", (event_hash, event.global_position)),
        ]
        previous = event_hash
    async with infra.pool.connection() as conn:
        await as_attacker(conn, *statements)


async def test_a_stream_rewritten_with_the_signing_key_is_caught_by_the_checkpoints_outside_the_host(
    infra, audited,
) -> None:
    stored = await _history(infra, audited)
    await _rewrite_stream(infra, stored[A])
    async with infra.pool.connection() as conn:
        chains_only = await verify_database(conn, local_key_ring(audited), {}, [])
    assert chains_only.ok  # the chains and signatures alone cannot tell

    result = ledgermesh(audited, "verify")

    assert result.returncode == 1, result.stdout + result.stderr
    assert _first_bad(result.stdout) == (stored[A][0].global_position, "changed_event")


async def test_a_rewrite_that_also_re_signs_the_hosts_checkpoints_is_caught_by_the_bucket_and_the_witness(
    infra, audited,
) -> None:
    stored = await _history(infra, audited)
    await _rewrite_stream(infra, stored[A])
    # The attacker controls the host: the data folder's checkpoints are replaced by re-signed ones of
    # the rewritten log. The key-value bucket and the witness are out of reach.
    local = checkpoint_dir(audited)
    for name in ("checkpoints.jsonl", "leaves.bin"):
        (local / name).unlink()
    leaves = await MerkleLog(infra.pool).leaf_data(0, 12)
    root = MerkleTree(leaf_hashes(leaves)).root().hex()
    forged = Checkpoint(audited.log_origin, 12, root, format_timestamp(datetime.now(UTC)), "").signed(infra.signer)
    await DirectorySink(local).publish(forged, 0, leaves)

    result = ledgermesh(audited, "verify")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "checkpoint_fork" in result.stdout and "two signed roots for 12 leaves" in result.stdout
    assert _first_bad(result.stdout) == (stored[A][0].global_position, "changed_event")


async def test_checkpoints_and_their_leaves_are_kept_in_the_data_folder_the_bucket_and_the_witness(
    infra, audited,
) -> None:
    await _history(infra, audited)

    local = (checkpoint_dir(audited) / "checkpoints.jsonl").read_text().splitlines()
    witness = (Path(audited.checkpoint_witness_dir) / "checkpoints.jsonl").read_text().splitlines()
    kv = await infra.nc.jetstream().key_value(checkpoint_bucket(audited))
    in_bucket = [json.loads((await kv.get(f"checkpoint.{size:016d}")).value) for size in (6, 12)]
    history = await kv.history("head")

    assert [json.loads(line)["tree_size"] for line in local] == [6, 12]
    assert local == witness
    assert [c["root_hash"] for c in in_bucket] == [json.loads(line)["root_hash"] for line in local]
    assert [json.loads(entry.value)["tree_size"] for entry in history] == [6, 12]
    assert (checkpoint_dir(audited) / "leaves.bin").stat().st_size == 12 * 40
    assert all(c["key_id"] == infra.signer.key_id for c in in_bucket)


def _checkpoint_signature_verifies(checkpoint: dict[str, Any], public_pem: str) -> bool:
    """Ed25519 over the checkpoint's signed body, rebuilt from its fields as docs/audit.md gives it."""
    body = (f"ledgermesh-checkpoint/v1\n{checkpoint['origin']}\n{checkpoint['tree_size']}\n{checkpoint['root_hash']}\n"
            f"{checkpoint['timestamp']}\n{checkpoint['key_id']}\n").encode()
    try:
        load_pem_public_key(public_pem.encode()).verify(bytes.fromhex(checkpoint["signature"]), body)  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - any failure is "does not verify"
        return False
    return True


async def test_an_inclusion_proof_verifies_with_rfc_6962_hashing_and_the_public_key_alone(infra, audited) -> None:
    stored = await _history(infra, audited)
    event = stored[B][2]
    public_pem = (Path(audited.data_dir) / "signing_key.pub.pem").read_text()

    result = ledgermesh(audited, "proof", str(event.event_id))

    assert result.returncode == 0, result.stdout + result.stderr
    proof = json.loads(result.stdout)
    leaf_data = event.global_position.to_bytes(8, "big") + bytes.fromhex(event.event_hash)
    path = [bytes.fromhex(h) for h in proof["inclusion_proof"]]
    root = rfc6962.inclusion_root(proof["leaf_index"], proof["tree_size"], rfc6962.leaf(leaf_data), path)
    assert root.hex() == proof["checkpoint"]["root_hash"] and proof["tree_size"] == 12
    assert _checkpoint_signature_verifies(proof["checkpoint"], public_pem)
    other = stored[C][2]
    wrong = other.global_position.to_bytes(8, "big") + bytes.fromhex(other.event_hash)
    assert rfc6962.inclusion_root(proof["leaf_index"], 12, rfc6962.leaf(wrong), path) != root


async def test_a_consistency_proof_between_two_checkpoints_verifies_independently(infra, audited) -> None:
    await _history(infra, audited)
    public_pem = (Path(audited.data_dir) / "signing_key.pub.pem").read_text()

    result = ledgermesh(audited, "proof", "--consistency", "6", "12")

    assert result.returncode == 0, result.stdout + result.stderr
    proof = json.loads(result.stdout)
    old, new = bytes.fromhex(proof["old_checkpoint"]["root_hash"]), bytes.fromhex(proof["new_checkpoint"]["root_hash"])
    hashes = [bytes.fromhex(h) for h in proof["consistency_proof"]]
    assert rfc6962.consistent(6, 12, old, new, hashes)
    assert not rfc6962.consistent(6, 12, bytes(32), new, hashes)
    assert _checkpoint_signature_verifies(proof["old_checkpoint"], public_pem)
    assert _checkpoint_signature_verifies(proof["new_checkpoint"], public_pem)


async def test_after_a_key_rotation_old_and_new_events_and_checkpoints_all_verify(infra, audited) -> None:
    await _history(infra, audited)
    rotated = Signer.generate()
    store = EventStore(infra.pool, rotated)
    new_events = await store.append("acct_a", [StreamAppend(A, "Ledger", 4, (note("after"),))], audit())
    assert new_events[0].metadata["signing_key_id"] == rotated.key_id != infra.signer.key_id
    checkpointer = build_checkpointer(audited, infra.pool, rotated, infra.nc.jetstream())
    assert (await checkpoint_at(checkpointer, 13, infra.pool)).key_id == rotated.key_id

    ring = local_key_ring(audited)
    assert ring is not None and {k.key_id for k in ring.keys} == {infra.signer.key_id, rotated.key_id}
    result = ledgermesh(audited, "verify")
    only_new = Path(audited.data_dir) / "only-new.pem"
    only_new.write_text(rotated.public_key_pem())
    without_old_key = ledgermesh(audited, "verify", "--public-key", str(only_new))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: 13 events checked, 13 leaves under 3 checkpoints" in result.stdout
    assert without_old_key.returncode == 1
    assert "bad_signature" in without_old_key.stdout and "checkpoint_signature" in without_old_key.stdout


async def test_the_command_side_signs_checkpoints_as_events_arrive(settings: Settings, cleanup) -> None:
    system = await start_system(settings.with_(checkpoint_every_seconds=0.2), BACKEND)
    try:
        await append_notes(system.infra, A, 0, "a", "b", "c", tenant="acct_a")

        async def checkpointed() -> bool:
            file = checkpoint_dir(settings) / "checkpoints.jsonl"
            lines = file.read_text().splitlines() if file.exists() else []
            return bool(lines) and json.loads(lines[-1])["tree_size"] == 3

        await eventually(checkpointed, message="a checkpoint of the 3 events")
    finally:
        await system.stop()


async def test_events_stored_before_key_ids_existed_still_verify_with_the_first_key(infra, audited) -> None:
    """Such events have no signing_key_id in their metadata, and their hashes cover that form."""
    metadata = audit().as_metadata()
    event_id, created = uuid.uuid4(), datetime(2025, 6, 1, tzinfo=UTC)
    data = {"entry_id": "le_legacy", "amount": 100, "currency": "usd"}
    event_hash = chain_hash(None, canonical_bytes(
        event_id=str(event_id), tenant_id="acct_old", aggregate_id="ledger:acct_old:usd", aggregate_type="Ledger",
        aggregate_version=1, event_type="LedgerEntryPosted", event_version=1, created_at=created, data=data,
        metadata=metadata))
    signature = infra.signer.sign(event_hash)
    async with infra.pool.connection() as conn:
        await conn.execute(
            "INSERT INTO events (event_id, tenant_id, aggregate_id, aggregate_type, event_type, event_version,"
            " aggregate_version, event_data, metadata, created_at, correlation_id, event_hash, signature)"
            " VALUES (%s, 'acct_old', 'ledger:acct_old:usd', 'Ledger', 'LedgerEntryPosted', 1, 1, %s, %s, %s, %s, %s, %s)",
            (event_id, json.dumps(data), json.dumps({**metadata, "event_hash": event_hash, "previous_event_hash": "",
                                                     "signature": signature}),
             created, metadata["correlation_id"], event_hash, signature))
    await append_notes(infra, A, 0, "new", tenant="acct_a")
    rotated = Path(audited.data_dir) / "ring.json"
    ring = local_key_ring(audited)
    assert ring is not None
    ring.with_signer(Signer.generate()).save(rotated)

    result = ledgermesh(audited, "verify", "--public-key", str(rotated))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: 2 events checked" in result.stdout


async def test_a_transaction_that_commits_late_is_appended_to_the_tree_never_inserted_behind_a_leaf(
    infra, audited,
) -> None:
    checkpointer = _checkpointer(infra, audited)
    first = await append_notes(infra, A, 0, "first", tenant="acct_a")
    await checkpoint_at(checkpointer, 1, infra.pool)
    assert infra.settings.database_url
    async with await psycopg.AsyncConnection.connect(
        infra.settings.database_url, options=f"-c search_path={infra.settings.db_schema}"
    ) as slow:
        # This append takes its position first and holds its transaction open.
        (late_event,) = await infra.store._append_in(slow, "acct_b", [
            StreamAppend(B, "Ledger", 0, (note("late"),))], audit())
        on_time = await append_notes(infra, C, 0, "on time", tenant="acct_c")
        await checkpointer.run_once(force=True)
        assert checkpointer.latest is not None and checkpointer.latest.tree_size == 1  # nothing past the open one
        await slow.commit()
    assert late_event.global_position < on_time[0].global_position

    await checkpoint_at(checkpointer, 3, infra.pool)
    leaves = await MerkleLog(infra.pool).leaf_data(0, 3)
    result = ledgermesh(audited, "verify")

    order = [int.from_bytes(leaves[i:i + 8], "big") for i in range(0, len(leaves), 40)]
    assert order == [first[0].global_position, late_event.global_position, on_time[0].global_position]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: 3 events checked, 3 leaves under 2 checkpoints" in result.stdout
