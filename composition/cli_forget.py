"""`ledgermesh forget SUBJECT [--reason ...]`: crypto-shredding (docs/audit.md section 9). Destroys
every key of the data subject (a customer cus_... or an account acct_...) and, in the same
transaction, appends a SubjectForgotten event (who, why, which keys, which stored fields; no personal
data) to the stream erasure:<subject>. The log is not touched otherwise: its hashes cover ciphertext,
so `ledgermesh verify` keeps passing; read models redact the fields when the event reaches them, and
a rebuild redacts them by itself. Webhook deliveries of the erased events, sent or queued, have
the fields redacted in the same transaction, and the idempotent responses saved by commits to the
streams holding the fields are erased (a retry under their keys is refused, never run twice)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from psycopg_pool import AsyncConnectionPool

from command_svc.application.event_records import to_new_event
from command_svc.domain.events import SubjectForgotten
from composition.devstack import settings_from_stack_file
from composition.infrastructure import load_signer, open_pool, subject_keys_for
from composition.subcommand import Subcommand
from eventcodec.personal import PERSONAL_FIELDS, ErasedField, sealed_fields
from eventlog.idempotency import erase_responses
from eventlog.records import AuditContext, Commit, StoredEvent, StreamAppend
from eventlog.store import EventStore
from eventlog.subject_keys import destroy_subject, subject_key_ids
from projector.webhooks.outbox import DeliveryOutbox
from support.settings import Settings


class NothingToForget(Exception):
    """The subject has no live key: nothing of it is readable."""


@dataclass(frozen=True)
class Erasure:
    subject_id: str
    key_ids: tuple[str, ...]
    erased_fields: tuple[ErasedField, ...]
    event: StoredEvent
    # Webhook deliveries (sent or queued) whose payloads had the fields, now redacted.
    redacted_deliveries: int = 0
    # Idempotent responses saved by commits to the streams holding the fields (or the subject's own), erased.
    erased_responses: int = 0


async def _erased_fields(pool: AsyncConnectionPool, key_ids: list[str]) -> list[ErasedField]:
    """Every stored personal field sealed with these keys, found in SQL by key id."""
    patterns = [f'%"kid": "{key_id}"%' for key_id in key_ids]
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT event_id::text, aggregate_id, event_type, event_data FROM events"
            " WHERE event_type = ANY(%s) AND event_data::text LIKE ANY(%s) ORDER BY global_position",
            (sorted(PERSONAL_FIELDS), patterns))
        rows: list[tuple[str, str, str, dict[str, Any]]] = await cur.fetchall()
    wanted = set(key_ids)
    return [ErasedField(aggregate_id, event_id, event_type, field, map_key)
            for event_id, aggregate_id, event_type, data in rows
            for field, map_key, key_id in sealed_fields(event_type, data) if key_id in wanted]


async def _live_keys(pool: AsyncConnectionPool, subject_id: str) -> tuple[list[str], str]:
    async with pool.connection() as conn:
        keys = await subject_key_ids(conn, subject_id)
    live = [key_id for key_id, _tenant, destroyed in keys if not destroyed]
    if not live:
        raise NothingToForget(f"{subject_id} has no live key: "
                              + ("it was forgotten already" if keys else "nothing was ever sealed for it"))
    return live, keys[0][1]


async def fields_to_forget(store: EventStore, subject_id: str) -> tuple[list[str], list[ErasedField]]:
    """The subject's live keys and the stored fields they seal: what `forget` would erase."""
    live, _tenant = await _live_keys(store.pool, subject_id)
    return live, await _erased_fields(store.pool, live)


async def forget_subject(store: EventStore, subject_id: str, *, forgotten_by: str, reason: str,
                         clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> Erasure:
    """Destroy the subject's keys and record the erasure in one transaction."""
    pool = store.pool
    live, tenant_id = await _live_keys(pool, subject_id)
    erased = await _erased_fields(pool, live)
    stream = f"erasure:{subject_id}"
    version = await store.stream_version(stream)
    event = SubjectForgotten(subject_id=subject_id, key_ids=tuple(live), forgotten_by=forgotten_by, reason=reason,
                             forgotten_at=clock(), erased_fields=tuple(f.text() for f in erased))
    commit = Commit(tenant_id, (StreamAppend(stream, "Erasure", version, (to_new_event(event),)),),
                    AuditContext(correlation_id=uuid.uuid4(), user_id=forgotten_by,
                                 data_classification="DATA_CLASSIFICATION_PII", regulation="GDPR"))
    async with pool.connection() as conn, conn.transaction():
        destroyed = await destroy_subject(conn, subject_id)
        if sorted(destroyed) != sorted(live):
            raise RuntimeError(f"{subject_id}'s keys changed while it was being forgotten; run forget again")
        (stored,) = await store.commit_in(conn, commit)
        deliveries = await DeliveryOutbox.redact(conn, erased)
        responses = await erase_responses(conn, {subject_id, *(f.aggregate_id for f in erased)})
    return Erasure(subject_id, tuple(live), tuple(erased), stored, deliveries, responses)


async def _forget(settings: Settings, subject_id: str, by: str, reason: str, dry_run: bool) -> int:
    pool = await open_pool(settings, min_size=1, max_size=2)
    keys = subject_keys_for(settings)
    try:
        store = EventStore(pool, load_signer(settings), personal=keys)
        try:
            if dry_run:
                live, erased = await fields_to_forget(store, subject_id)
                print(json.dumps({"subject": subject_id, "keys": live,
                                  "fields": [f.text() for f in erased]}, indent=2))
                return 0
            erasure = await forget_subject(store, subject_id, forgotten_by=by, reason=reason)
        except NothingToForget as exc:
            print(f"nothing to forget: {exc}")
            return 1
    finally:
        keys.close()
        await pool.close()
    print(json.dumps({"subject": erasure.subject_id, "destroyed_keys": list(erasure.key_ids),
                      "erased_fields": len(erasure.erased_fields),
                      "redacted_webhook_deliveries": erasure.redacted_deliveries,
                      "erased_idempotent_responses": erasure.erased_responses, "event_id": str(erasure.event.event_id),
                      "stream": erasure.event.aggregate_id, "global_position": erasure.event.global_position},
                     indent=2))
    return 0


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("subject", help="the data subject: a customer (cus_...) or an account (acct_...)")
    parser.add_argument("--reason", default="", help="why, recorded in the SubjectForgotten event")
    parser.add_argument("--by", default="", help="who asks (default: the operating system user)")
    parser.add_argument("--dry-run", action="store_true",
                        help="list the keys and the stored fields that would be erased; change nothing")


def run(args: argparse.Namespace) -> int:
    settings = settings_from_stack_file(Settings.from_env())
    return asyncio.run(_forget(settings, args.subject, args.by or getpass.getuser(), args.reason, args.dry_run))


COMMAND = Subcommand(run=run, configure=configure)
