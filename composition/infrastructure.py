"""The connections LedgerMesh's services share in one process: PostgreSQL pool, NATS, Redis, the signing
key and the event store on top of them. Opened here, in the composition root; the services receive
what they need and never open connections of their own."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from nats.aio.client import Client as NATS
from psycopg_pool import AsyncConnectionPool
from redis.asyncio import Redis

from eventlog.bus import connect, ensure_stream
from eventlog.idempotency import session_name
from eventlog.integrity import Signer
from eventlog.migrations import migrate
from eventlog.store import EventStore
from eventlog.subject_keys import MasterKey, SubjectKeys
from projector.projections.base import stop_using_subject_keys, use_subject_keys
from support.key_store import CachedKeys, PostgresKeys, RevocationFollower
from support.settings import Settings


def load_signer(settings: Settings) -> Signer:
    """The signing key from settings, else from the data folder (created once, kept)."""
    if settings.signing_key_hex:
        return Signer.from_seed_hex(settings.signing_key_hex)
    path = Path(settings.data_dir) / "signing_key.hex"
    if path.exists():
        return Signer.from_seed_hex(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    path.write_text(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()).hex())
    path.chmod(0o600)
    (path.parent / "signing_key.pub.pem").write_text(Signer(key).public_key_pem())
    return Signer(key)


def load_master_key(settings: Settings) -> MasterKey:
    """The subject master key from settings, else from the data folder (created once, kept)."""
    if settings.subject_master_key_hex:
        return MasterKey.from_hex(settings.subject_master_key_hex)
    path = Path(settings.data_dir) / "subject_master_key.hex"
    if path.exists():
        return MasterKey.from_hex(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = os.urandom(32)
    path.write_text(key.hex())
    path.chmod(0o600)
    return MasterKey(key)


def subject_keys_for(settings: Settings) -> SubjectKeys:
    """The process's key store view: keys its projection handlers have not seen are fetched
    synchronously, on their own connection. Command-line tools rely on it (nothing else runs on their
    loop); in services it is only the fallback of code that does not prefetch (Infrastructure)."""
    keys = SubjectKeys(load_master_key(settings))
    if settings.database_url:
        keys.fetch_with(keys.fetch_sync(settings.database_url, settings.db_schema))
    return keys


async def open_pool(settings: Settings, *, min_size: int = 2, max_size: int = 20,
                    timeout: float = 30.0, application_name: str = "ledgermesh") -> AsyncConnectionPool:
    """A connection pool on the settings' schema, migrated first; `timeout` bounds the wait for a
    pooled connection (a service's calls pass a short one, settings.db_pool_timeout_ms)."""
    if not settings.database_url:
        raise ValueError("DATABASE_URL is not set")
    options = (f"-c search_path={settings.db_schema}"
               f" -c idle_in_transaction_session_timeout={settings.db_idle_in_transaction_timeout_ms}")
    pool = AsyncConnectionPool(
        settings.database_url, min_size=min_size, max_size=max_size, open=False,
        timeout=timeout,
        kwargs={"options": options, "autocommit": True, "connect_timeout": settings.db_connect_timeout_s,
                "application_name": application_name,
                # A dead peer (a partition, not a refused connection) is noticed in seconds.
                "keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 2},
    )
    async with await psycopg.AsyncConnection.connect(settings.database_url, autocommit=True,
                                                     connect_timeout=max(settings.db_connect_timeout_s, 5)) as conn:
        await migrate(conn, settings.db_schema)
    await pool.open(wait=True, timeout=15)
    return pool


@dataclass
class Infrastructure:
    """Connections every in-process service shares."""

    settings: Settings
    pool: AsyncConnectionPool
    nc: NATS
    redis: Redis
    signer: Signer
    # This process among all LedgerMesh processes: its sessions are named after it (application_name),
    # and it owns idempotency keys by it (eventlog.idempotency).
    process_id: str = ""
    subject_keys: SubjectKeys = field(init=False)
    store: EventStore = field(init=False)
    # The process's one cache of API keys (PostgreSQL is the truth), emptied on revocation.
    keys: CachedKeys = field(init=False)
    revocations: RevocationFollower | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        # Keys are read from the pool before the code that needs them runs (the projector prefetches
        # each batch's), so its event loop never waits on a blocking call. The synchronous fetch stays
        # as the fallback of in-process code that does not prefetch (a rebuild or an as-of read run by
        # a service, tests): such code blocks its loop once per unseen key, but never shows a living
        # subject's field as "[redacted]" because its key was not loaded yet.
        self.subject_keys = subject_keys_for(self.settings)
        self.subject_keys.read_from(self.pool)
        self.store = EventStore(self.pool, self.signer, personal=self.subject_keys)
        # Projections, rebuilds and webhooks of this process open personal fields with these keys.
        use_subject_keys(self.subject_keys)
        self.keys = CachedKeys(PostgresKeys(self.pool), self.settings.auth_cache_seconds)

    async def follow_revocations(self) -> None:
        """Start listening for revoked keys (once per process), before any server takes calls."""
        if self.revocations is None and self.settings.database_url:
            self.revocations = await RevocationFollower.start(self.settings.database_url, self.keys)

    @classmethod
    async def open(cls, settings: Settings) -> Infrastructure:
        process_id = uuid.uuid4().hex
        pool = await open_pool(settings, timeout=settings.db_pool_timeout_ms / 1000,
                               application_name=session_name(process_id))
        assert settings.nats_url and settings.redis_url
        nc = await connect(settings.nats_url, name=settings.service_name)
        await ensure_stream(
            nc.jetstream(), settings.stream_name, settings.subject_prefix, settings.dedup_window_seconds,
            settings.stream_replicas,
        )
        redis = Redis.from_url(settings.redis_url, decode_responses=True)
        infra = cls(settings, pool, nc, redis, load_signer(settings), process_id)
        await infra.follow_revocations()
        return infra

    async def close(self) -> None:
        if self.revocations is not None:
            await self.revocations.stop()
        stop_using_subject_keys(self.subject_keys)
        self.subject_keys.close()
        await self.nc.close()
        await self.redis.aclose()
        await self.pool.close()
