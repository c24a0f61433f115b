"""Wiring of the audit trail: where checkpoints go, the key ring, and the checkpointer that runs as a
background task of the command side (`start_checkpointer`, the one call the composition makes)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import nats
import psycopg
from psycopg import sql

from eventlog.archive import ArchiveTarget, DirectoryTarget, S3Target
from eventlog.audit_verify import AuditReport, LeafRecord, check_checkpoints
from eventlog.checkpoints import Checkpoint, CheckpointSink, DirectorySink, KeyValueSink, S3Sink
from eventlog.integrity import Signer
from eventlog.keys import KeyRing, record_signer
from eventlog.merkle_log import Checkpointer, MerkleLog
from eventlog.migrations import migrate
from eventlog.s3 import parse_s3_url, s3_client
from support.settings import Settings
from support.telemetry import create_untraced_task

log = logging.getLogger(__name__)


def checkpoint_dir(settings: Settings) -> Path:
    return Path(settings.checkpoint_dir or Path(settings.data_dir) / "audit")


def keyring_path(settings: Settings) -> Path:
    return Path(settings.data_dir) / "keyring.json"


def checkpoint_bucket(settings: Settings) -> str:
    return settings.checkpoint_bucket or f"{settings.stream_name}_CHECKPOINTS"


def checkpoint_sinks(settings: Settings, js: Any | None) -> list[CheckpointSink]:
    """The data folder's file first, then the key-value bucket (when NATS is at hand), then witnesses."""
    sinks: list[CheckpointSink] = [DirectorySink(checkpoint_dir(settings))]
    if js is not None:
        sinks.append(KeyValueSink(js, checkpoint_bucket(settings), settings.stream_replicas))
    if settings.checkpoint_witness_dir:
        sinks.append(DirectorySink(Path(settings.checkpoint_witness_dir), name=f"witness:{settings.checkpoint_witness_dir}"))
    if settings.checkpoint_witness_s3:
        bucket, prefix = parse_s3_url(settings.checkpoint_witness_s3)
        sinks.append(S3Sink(s3_client(settings.s3_endpoint_url, settings.s3_region), bucket, prefix))
    return sinks


def signing_public_key_pem(settings: Settings) -> str | None:
    """The public key of the configured signing key, without creating one."""
    if settings.signing_key_hex:
        return Signer.from_seed_hex(settings.signing_key_hex).public_key_pem()
    data = Path(settings.data_dir)
    if (data / "signing_key.pub.pem").exists():
        return (data / "signing_key.pub.pem").read_text()
    if (data / "signing_key.hex").exists():
        return Signer.from_seed_hex((data / "signing_key.hex").read_text().strip()).public_key_pem()
    return None


def local_key_ring(settings: Settings, public_key: Path | None = None) -> KeyRing | None:
    """The given key file (a PEM or a key ring), else the data folder's key ring with the current key."""
    if public_key is not None:
        return KeyRing.from_text(public_key.read_text())
    ring = KeyRing.load(keyring_path(settings)) if keyring_path(settings).exists() else KeyRing([])
    pem = signing_public_key_pem(settings)
    if pem is not None:
        current = KeyRing.from_text(pem).keys[0]
        if current.key_id not in ring:
            ring = KeyRing([*ring.keys, current])
    return ring if ring.keys else None


def key_ring_or_explain(settings: Settings, public_key: Path | None) -> KeyRing | None:
    """local_key_ring, saying what to do when there is none."""
    ring = local_key_ring(settings, public_key)
    if ring is None:
        print("no public key: pass --public-key, or set LEDGERMESH_SIGNING_KEY / LEDGERMESH_DATA_DIR")
    return ring


def build_checkpointer(settings: Settings, pool: Any, signer: Signer, js: Any | None) -> Checkpointer:
    ring = record_signer(keyring_path(settings), signer)
    return Checkpointer(MerkleLog(pool), signer, ring, checkpoint_sinks(settings, js), origin=settings.log_origin,
                        every_events=settings.checkpoint_every_events, every_seconds=settings.checkpoint_every_seconds)


def start_checkpointer(infra: Any, stop: asyncio.Event) -> asyncio.Task[None]:
    """The checkpointer of `infra` (composition.infrastructure.Infrastructure) until `stop` is set."""
    checkpointer = build_checkpointer(infra.settings, infra.pool, infra.signer, infra.nc.jetstream())
    return create_untraced_task(checkpointer.run(stop), name="checkpointer")


async def gather_checkpoints(sinks: list[CheckpointSink]) -> tuple[dict[str, list[Checkpoint]], list[LeafRecord], list[str]]:
    """What every sink holds; a sink that cannot be read is a warning, not a stop."""
    found: dict[str, list[Checkpoint]] = {}
    records: list[LeafRecord] = []
    warnings: list[str] = []
    for sink in sinks:
        try:
            found[sink.name] = await sink.checkpoints()
            records.append(LeafRecord(sink.name, await sink.leaves()))
        except Exception as exc:  # noqa: BLE001 - the other sinks still count
            warnings.append(f"cannot read {sink.name}: {type(exc).__name__}: {exc}")
    return found, records, warnings


@asynccontextmanager
async def reading_sinks(settings: Settings, extra_dirs: Sequence[Path] = ()
                        ) -> AsyncIterator[tuple[list[CheckpointSink], list[str]]]:
    """Every configured sink (the key-value bucket only if NATS answers) plus `extra_dirs`, for a CLI
    that reads checkpoints; and warnings about what could not be reached."""
    warnings: list[str] = []
    nc = None
    if settings.nats_url:
        try:
            nc = await nats.connect(servers=[u.strip() for u in settings.nats_url.split(",") if u.strip()],
                                    connect_timeout=2, allow_reconnect=False, max_reconnect_attempts=0)
        except Exception as exc:  # noqa: BLE001 - the other sinks still count
            warnings.append(f"NATS at {settings.nats_url} unreachable ({type(exc).__name__}): key-value bucket not read")
    sinks = checkpoint_sinks(settings, nc.jetstream() if nc else None)
    sinks += [DirectorySink(Path(d), name=f"dir:{d}") for d in extra_dirs]
    try:
        yield sinks, warnings
    finally:
        if nc is not None:
            await nc.close()


async def signed_checkpoints(settings: Settings, ring: KeyRing, extra_dirs: Sequence[Path] = ()) -> list[Checkpoint]:
    """The checkpoints every reachable sink holds that verify with `ring`, one per size, in size order."""
    async with reading_sinks(settings, extra_dirs) as (sinks, _):
        found, _, _ = await gather_checkpoints(sinks)
    return check_checkpoints(found, ring, AuditReport())


def archive_target(settings: Settings, location: str | None) -> ArchiveTarget:
    """`location` (a directory, or s3://bucket/prefix), else the configured archive."""
    where = location or settings.archive_s3 or str(settings.archive_dir or Path(settings.data_dir) / "archive")
    if where.startswith("s3://"):
        bucket, prefix = parse_s3_url(where)
        return S3Target(s3_client(settings.s3_endpoint_url, settings.s3_region), bucket, prefix)
    return DirectoryTarget(Path(where))


async def connect_log(settings: Settings) -> psycopg.AsyncConnection[Any]:
    """One autocommit connection to the event log's schema, migrated."""
    if not settings.database_url:
        raise ValueError("DATABASE_URL is not set and no stack.json from `ledgermesh up` was found")
    conn = await psycopg.AsyncConnection.connect(settings.database_url, autocommit=True)
    await migrate(conn, settings.db_schema)
    await conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(settings.db_schema)))
    return conn


def print_report(report: AuditReport, what: str, max_problems: int = 50) -> int:
    """The findings (earliest position first), the first bad position, the verdict; the exit code."""
    findings = sorted(report.findings, key=lambda f: -1 if f.position is None else f.position)
    for finding in findings[:max_problems]:
        print(f"BROKEN  {finding}")
    if len(findings) > max_problems:
        print(f"... and {len(findings) - max_problems} more")
    for warning in report.warnings:
        print(f"WARNING {warning}")
    first = report.first_bad
    if first is not None:
        print(f"FIRST BAD POSITION {first.position if first.position is not None else '-'}: {first.kind}: {first.detail}")
    verdict = "OK" if report.ok else f"FAILED: {len(report.findings)} problem(s)"
    print(f"{verdict}: {report.events} events checked, {report.leaves} leaves under {report.checkpoints} "
          f"checkpoints, in {what}")
    return 0 if report.ok else 1
