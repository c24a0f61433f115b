"""Shared by the audit tests: running the `ledgermesh` CLI against a test's schema and data folder,
acting as an attacker with superuser rights, and writing a large real-shaped log quickly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from eventlog.integrity import SIGNING_KEY_ID, Signer, canonical_bytes, chain_hash
from support.settings import Settings
from tests.integration.conftest import audit

ROOT = Path(__file__).resolve().parents[2]


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": settings.database_url or "", "LEDGERMESH_DB_SCHEMA": settings.db_schema,
           "LEDGERMESH_DATA_DIR": str(settings.data_dir), "NATS_URL": settings.nats_url or "",
           "REDIS_URL": settings.redis_url or "", "LEDGERMESH_REDIS_PREFIX": settings.redis_prefix,
           "LEDGERMESH_STREAM": settings.stream_name, "PYTHONPATH": f"{ROOT}:{ROOT / 'gen'}"}
    if settings.checkpoint_witness_dir:
        env["LEDGERMESH_CHECKPOINT_WITNESS_DIR"] = str(settings.checkpoint_witness_dir)
    env.update(extra)
    return env


def ledgermesh(settings: Settings, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "composition.cli", *args], env=cli_env(settings, **env), cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


async def as_attacker(conn: psycopg.AsyncConnection[Any], *statements: tuple[str, Sequence[Any]]) -> None:
    """What a database superuser can do: switch the immutability triggers off, change history, switch
    them on again."""
    async with conn.transaction():
        await conn.execute("ALTER TABLE events DISABLE TRIGGER events_immutable")
        await conn.execute("ALTER TABLE merkle_leaves DISABLE TRIGGER merkle_leaves_immutable")
        for statement, params in statements:
            await conn.execute(statement, params)
        await conn.execute("ALTER TABLE events ENABLE TRIGGER events_immutable")
        await conn.execute("ALTER TABLE merkle_leaves ENABLE TRIGGER merkle_leaves_immutable")


def _copy(value: Any) -> str:
    return "\\N" if value is None else str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


async def write_bulk_log(conn: psycopg.AsyncConnection[Any], signer: Signer, *, events: int, streams: int) -> None:
    """`events` ledger entries over `streams` accounts' ledger streams, interleaved in global order as
    busy accounts are, each hashed into its stream's chain and signed as the event store does, and
    written with COPY (one transaction)."""
    metadata_base = {**audit().as_metadata(), SIGNING_KEY_ID: signer.key_id}
    base = datetime(2026, 1, 1, tzinfo=UTC)
    heads: dict[str, tuple[str | None, int]] = {}
    lines: list[str] = []
    for i in range(events):
        tenant = f"acct_bulk{i % streams:05d}"
        stream = f"ledger:{tenant}:usd"
        previous, version = heads.get(stream, (None, 0))
        version += 1
        event_id, created = str(uuid.uuid4()), base + timedelta(seconds=i)
        data = {"entry_id": f"le_{i:08d}", "account_id": tenant, "currency": "usd", "amount": 1000 + i % 500,
                "fee": 59, "net": 941 + i % 500, "pending_delta": 941 + i % 500, "type": "LEDGER_ENTRY_TYPE_CHARGE",
                "source_id": f"ch_{i:08d}", "description": "bulk"}
        canonical = canonical_bytes(event_id=event_id, tenant_id=tenant, aggregate_id=stream, aggregate_type="Ledger",
                                    aggregate_version=version, event_type="LedgerEntryPosted", event_version=1,
                                    created_at=created, data=data, metadata=metadata_base)
        event_hash = chain_hash(previous, canonical)
        signature = signer.sign(event_hash)
        metadata = {**metadata_base, "event_hash": event_hash, "previous_event_hash": previous or "",
                    "signature": signature}
        # Only the JSON columns can hold characters COPY must escape.
        row = (event_id, tenant, stream, "Ledger", "LedgerEntryPosted", "1", str(version), _copy(json.dumps(data)),
               _copy(json.dumps(metadata)), created.isoformat(), metadata_base["correlation_id"], "\\N",
               "sk_test_abc", "203.0.113.7", event_hash, previous or "\\N", signature)
        lines.append("\t".join(row) + "\n")
        heads[stream] = (event_hash, version)
    async with conn.transaction(), conn.cursor().copy(
        "COPY events (event_id, tenant_id, aggregate_id, aggregate_type, event_type, event_version,"
        " aggregate_version, event_data, metadata, created_at, correlation_id, causation_id, user_id, ip_address,"
        " event_hash, previous_event_hash, signature) FROM STDIN"
    ) as copy:
        for start in range(0, len(lines), 10_000):
            await copy.write("".join(lines[start:start + 10_000]))
