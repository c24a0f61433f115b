"""What the read-side operations commands (lag, dlq, rebuild, replay, reconcile) open: the event log
and Redis of the running stack, nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from redis.asyncio import Redis

from composition.devstack import settings_from_stack_file
from composition.infrastructure import load_signer, open_pool, subject_keys_for
from eventlog.store import EventStore
from projector.projections.base import stop_using_subject_keys, use_subject_keys
from support.settings import Settings


@dataclass
class ReadSide:
    settings: Settings
    store: EventStore
    redis: Redis

    @property
    def prefix(self) -> str:
        return self.settings.redis_prefix


def cli_settings() -> Settings:
    return settings_from_stack_file(Settings.from_env())


@asynccontextmanager
async def open_read_side(settings: Settings) -> AsyncIterator[ReadSide]:
    if not settings.redis_url:
        raise ValueError("REDIS_URL is not set and no stack.json from `ledgermesh up`")
    pool = await open_pool(settings, min_size=1, max_size=4)
    redis = Redis.from_url(settings.redis_url, decode_responses=True)
    # Rebuilds and replays open personal fields through the key store, as the live projector does.
    keys = subject_keys_for(settings)
    use_subject_keys(keys)
    try:
        yield ReadSide(settings, EventStore(pool, load_signer(settings), personal=keys), redis)
    finally:
        stop_using_subject_keys(keys)
        keys.close()
        await redis.aclose()
        await pool.close()


@asynccontextmanager
async def fold_worker_side(settings: Settings) -> AsyncIterator[tuple[EventStore, Redis]]:
    """The read side as a fold worker process opens it (projector.log_fold's WorkerOpener, given as
    functools.partial(fold_worker_side, settings)): its own pool, Redis client and key store."""
    async with open_read_side(settings) as side:
        yield side.store, side.redis
