"""The dead-letter list of a projection: inspect it, and re-apply its events once the cause is fixed.

A dead-lettered event's checkpoint was stepped past it (so the object's later events kept flowing);
replay therefore forces its writes once and removes the record. An event that fails again, or a
record whose event cannot be found in the log (a malformed message), stays in the list."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis

from eventlog.envelope import to_envelope
from eventlog.store import EventStore
from projector.adapters.jetstream_consumer import projected_event
from projector.adapters.redis_apply import Application, RedisApplier
from projector.projections.base import Projection
from readmodel.keys import Keys


async def dead_letters(redis: Redis, prefix: str, projection: str, limit: int = 1000) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in await redis.lrange(Keys(prefix).dead_letters(projection), 0, limit - 1)]


@dataclass
class DeadLetterReplay:
    replayed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


async def replay_dead_letters(store: EventStore, redis: Redis, prefix: str, projection: Projection) -> DeadLetterReplay:
    key = Keys(prefix).dead_letters(projection.name)
    applier = RedisApplier(redis, prefix, projection.name)
    outcome = DeadLetterReplay()
    raws: list[str] = await redis.lrange(key, 0, -1)  # type: ignore[assignment] # decode_responses
    for raw in raws:
        record = json.loads(raw)
        event_id = record.get("event_id", "")
        try:
            stored = await store.get_event(uuid.UUID(event_id))
        except ValueError:
            stored = None
        if stored is None:
            outcome.missing.append(event_id or f"stream sequence {record.get('stream_sequence')}")
            continue
        event = projected_event(to_envelope(stored))
        try:
            ops = projection.apply(event, Keys(prefix))
            await applier.apply(Application(event.aggregate_id, event.aggregate_version, event.global_position, ops,
                                            int(time.time() * 1000), 0, force=True, record_lag=False))
        except Exception as exc:  # noqa: BLE001 - still poison: keep the record, report why
            outcome.failed.append(f"{event_id}: {type(exc).__name__}: {exc}")
            continue
        await redis.lrem(key, 1, raw)
        outcome.replayed.append(event_id)
    return outcome
