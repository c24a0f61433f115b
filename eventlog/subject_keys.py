"""The key store of crypto-shredding (docs/audit.md section 9): one 256-bit data key per data subject,
kept wrapped (AES-256-GCM under the master key) in `subject_keys`, outside the immutable log, so that
destroying it makes the subject's sealed fields unreadable while the log stays as it was.

Writers create keys on first use: each process its own per subject, inserted in the transaction of
the first events it seals (a key exists exactly when events sealed with it do, and two processes
never race for one row). `forget` destroys every key of the subject. Readers unwrap keys by id and
cache them; a destroyed key reads as None, and the field as "[redacted]".

Services (an event loop serving many tasks) open keys asynchronously, from their pool, before the
synchronous code that needs them runs (`prefetch`: the projector once per batch, one query for all the
keys it has not seen). Only command-line tools, with nothing else on their loop, may fetch a key
synchronously from inside synchronous code (`fetch_sync`)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from psycopg_pool import AsyncConnectionPool

from eventcodec.personal import (
    IP_ADDRESS,
    PERSONAL_FIELDS,
    SubjectKey,
    as_sealed,
    associated_data,
    blind_index,
    open_payload,
    seal_payload,
    seal_value,
    sealed_text,
    subject_of,
)
from eventlog.records import Commit, NewEvent, StoredEvent, StreamAppend

INSERT_KEY = ("INSERT INTO subject_keys (key_id, subject_id, tenant_id, wrapped_key) VALUES (%s, %s, %s, %s)"
              " ON CONFLICT (key_id) DO NOTHING")
INSERT_INDEX = ("INSERT INTO subject_blind_index (field, digest, subject_id, tenant_id) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT DO NOTHING")
_SELECT_KEYS = "SELECT key_id, subject_id, wrapped_key FROM subject_keys WHERE key_id = ANY(%s)"

# How often a writer asks whether the keys it seals with still exist, so that a subject forgotten by
# another process (the `forget` command) stops being sealed with a destroyed key within this time.
WRITER_KEY_CHECK_S = 60.0
_DESTROYED = "SELECT key_id FROM subject_keys WHERE key_id = ANY(%s) AND destroyed_at IS NOT NULL"


class MasterKey:
    """The key-encryption key (settings or the data folder): wraps data keys and derives the blind
    index key. A database backup without it decrypts nothing."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the subject master key must be 32 bytes (64 hex digits)")
        self._aead = AESGCM(key)
        self.index_key = hmac.new(key, b"ledgermesh blind index v1", hashlib.sha256).digest()

    @classmethod
    def from_hex(cls, text: str) -> MasterKey:
        return cls(bytes.fromhex(text.strip()))

    def wrap(self, key_id: str, key: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, key, key_id.encode())

    def unwrap(self, key_id: str, wrapped: bytes) -> bytes:
        return self._aead.decrypt(wrapped[:12], wrapped[12:], key_id.encode())


@dataclass(frozen=True)
class NewSubjectKey:
    key_id: str
    subject_id: str
    tenant_id: str
    wrapped_key: bytes


@dataclass(frozen=True)
class SealedCommit:
    """A commit with its personal fields sealed, and the key-store rows its transaction must write."""

    commit: Commit
    key_ids: frozenset[str]
    index_rows: tuple[tuple[str, str, str, str], ...]


@dataclass
class _WriterKey:
    key: SubjectKey
    tenant_id: str
    wrapped: bytes
    # When the writer last saw it alive in the key store (created: its own).
    checked: float
    stored: bool = False


class SubjectKeys:
    """A process's view of the key store: the keys it seals with, and the keys it has opened by id."""

    def __init__(self, master: MasterKey, *, fetch: Callable[[Sequence[str]], dict[str, bytes | None]] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.master = master
        self._fetch = fetch
        self._clock = clock
        self._writing: dict[str, _WriterKey] = {}
        self._by_id: dict[str, _WriterKey] = {}
        self._opened: dict[str, bytes | None] = {}
        self._lock = threading.Lock()
        self._sync_connections: list[psycopg.Connection[Any]] = []
        self._pool: AsyncConnectionPool | None = None

    # --- Writing -------------------------------------------------------------------------------

    def _writer_key(self, subject_id: str, tenant_id: str) -> _WriterKey:
        held = self._writing.get(subject_id)
        if held is not None:
            return held
        key_id = secrets.token_hex(8)
        data_key = AESGCM.generate_key(bit_length=256)
        held = _WriterKey(SubjectKey(key_id, subject_id, data_key), tenant_id, self.master.wrap(key_id, data_key),
                          self._clock())
        self._writing[subject_id] = held
        self._by_id[key_id] = held
        self._opened[key_id] = data_key
        return held

    def seal_commit(self, commit: Commit) -> SealedCommit:
        """The commit with every personal field sealed (eventcodec.personal's table) and the caller's
        IP address sealed for the tenant."""
        used: set[str] = set()
        index: list[tuple[str, str, str, str]] = []
        appends: list[StreamAppend] = []
        for append in commit.appends:
            if not any(event.event_type in PERSONAL_FIELDS for event in append.events):
                appends.append(append)
                continue
            events = []
            for event in append.events:
                if event.event_type not in PERSONAL_FIELDS:
                    events.append(event)
                    continue
                subject = subject_of(event.event_type, event.data, commit.tenant_id)
                held = self._writer_key(subject, commit.tenant_id)
                sealed = seal_payload(event.event_type, str(event.event_id), event.data, held.key)
                used.add(held.key.key_id)
                index += [(name, blind_index(self.master.index_key, value), subject, commit.tenant_id)
                          for name, value in sealed.indexed]
                events.append(NewEvent(event.event_type, sealed.data, event.event_version, event.event_id))
            appends.append(StreamAppend(append.aggregate_id, append.aggregate_type, append.expected_version,
                                        tuple(events), append.expected_head))
        audit = commit.audit
        if audit.ip_address and as_sealed(audit.ip_address) is None:
            held = self._writer_key(commit.tenant_id, commit.tenant_id)
            used.add(held.key.key_id)
            # One value for every event of the command: bound to the command's correlation id.
            sealed_ip = seal_value(held.key, audit.ip_address,
                                   associated_data(str(audit.correlation_id), f"metadata.{IP_ADDRESS}"))
            audit = replace(audit, ip_address=sealed_text(sealed_ip))
        return SealedCommit(replace(commit, appends=tuple(appends), audit=audit), frozenset(used), tuple(index))

    async def refresh(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """Drop the writer's keys that were destroyed since it last looked (at most once every
        WRITER_KEY_CHECK_S, one query for all of them): the next event of such a subject gets a
        new key."""
        now = self._clock()
        due = [held for held in self._writing.values() if held.stored and now - held.checked >= WRITER_KEY_CHECK_S]
        if not due:
            return
        cur = await conn.execute(_DESTROYED, ([held.key.key_id for held in due],))
        destroyed = {row[0] for row in await cur.fetchall()}
        for held in due:
            held.checked = now
        self.forgotten(destroyed)

    def unstored(self, key_ids: Iterable[str]) -> list[tuple[str, str, str, bytes]]:
        """INSERT_KEY rows of the keys among `key_ids` no committed transaction has stored yet."""
        rows = []
        for key_id in sorted(set(key_ids)):
            held = self._by_id.get(key_id)
            if held is not None and not held.stored:
                rows.append((key_id, held.key.subject_id, held.tenant_id, held.wrapped))
        return rows

    def stored(self, key_ids: Iterable[str]) -> None:
        """The keys' rows are committed: later transactions need not write them again."""
        for key_id in key_ids:
            held = self._by_id.get(key_id)
            if held is not None:
                held.stored = True

    # --- Reading -------------------------------------------------------------------------------

    def key_by_id(self, key_id: str) -> bytes | None:
        """The data key, or None when destroyed or unknown. A key this process has not opened (nor
        prefetched) yet is fetched synchronously, once per key and process, only when a synchronous
        fetcher was given (command-line tools)."""
        if key_id in self._opened:
            return self._opened[key_id]
        if self._fetch is None:
            return None
        with self._lock:
            fetched = self._fetch([key_id])
        key = fetched.get(key_id)
        if key is not None or key_id in fetched:
            self._opened[key_id] = key
        return key

    def _unwrap_rows(self, rows: Iterable[tuple[str, str, bytes | None]]) -> dict[str, bytes | None]:
        return {key_id: None if wrapped is None else self.master.unwrap(key_id, bytes(wrapped))
                for key_id, _subject, wrapped in rows}

    async def load(self, conn: psycopg.AsyncConnection[Any], key_ids: Iterable[str]) -> None:
        """Open the keys not opened yet, in the connection's transaction."""
        missing = sorted({k for k in key_ids if k not in self._opened})
        if not missing:
            return
        cur = await conn.execute(_SELECT_KEYS, (missing,))
        self._opened.update(self._unwrap_rows(await cur.fetchall()))

    def has_opened(self, key_id: str) -> bool:
        """Whether the key is known here (alive or destroyed): reading it needs no query."""
        return key_id in self._opened

    def read_from(self, pool: AsyncConnectionPool) -> None:
        """Where `prefetch` reads keys: the service's pool."""
        self._pool = pool

    async def prefetch(self, key_ids: Iterable[str]) -> set[str]:
        """Open the keys among `key_ids` not opened yet, in one query on the pool, so that synchronous
        readers (projection handlers) find them without waiting on the database; the ids this store
        now knows (the others belong to no subject of this log). Nothing happens without a pool."""
        wanted = set(key_ids)
        if self._pool is None or not (missing := {k for k in wanted if k not in self._opened}):
            return {k for k in wanted if k in self._opened}
        async with self._pool.connection() as conn:
            await self.load(conn, missing)
        return {k for k in wanted if k in self._opened}

    def fetch_sync(self, conninfo: str, schema: str) -> Callable[[Sequence[str]], dict[str, bytes | None]]:
        """A fetcher on its own synchronous connection (opened on first use), for command-line tools that
        open keys inside synchronous code (a rebuild's projection handlers): it blocks the event loop,
        so no service uses it."""
        holder = self._sync_connections

        def fetch(key_ids: Sequence[str]) -> dict[str, bytes | None]:
            if not holder or holder[0].closed:
                holder[:] = [psycopg.connect(conninfo, autocommit=True, options=f"-c search_path={schema}")]
            rows = holder[0].execute(_SELECT_KEYS, (list(key_ids),)).fetchall()
            return self._unwrap_rows(rows)

        return fetch

    def fetch_with(self, fetch: Callable[[Sequence[str]], dict[str, bytes | None]]) -> None:
        self._fetch = fetch

    def close(self) -> None:
        for conn in self._sync_connections:
            conn.close()
        self._sync_connections.clear()

    def forgotten(self, key_ids: Iterable[str]) -> None:
        """These keys were destroyed: never open or seal with them again in this process."""
        for key_id in key_ids:
            self._opened[key_id] = None
            held = self._by_id.pop(key_id, None)
            if held is not None and self._writing.get(held.key.subject_id) is held:
                del self._writing[held.key.subject_id]

    async def open_events(self, conn: psycopg.AsyncConnection[Any], events: Sequence[StoredEvent]) -> list[StoredEvent]:
        """The events with their personal fields opened, as the command side folds them."""
        kids = {kid for e in events if e.event_type in PERSONAL_FIELDS for kid in _key_ids(e.data)}
        await self.load(conn, kids)
        return [e if e.event_type not in PERSONAL_FIELDS else
                replace(e, data=open_payload(e.event_type, str(e.event_id), e.data, self.key_by_id))
                for e in events]


def _key_ids(data: Any) -> Iterable[str]:
    if isinstance(data, dict):
        sealed = as_sealed(data)
        if sealed is not None:
            yield sealed["kid"]
            return
        for value in data.values():
            yield from _key_ids(value)


async def destroy_subject(conn: psycopg.AsyncConnection[Any], subject_id: str) -> list[str]:
    """Destroy every live key of the subject and its blind index rows, in the caller's transaction;
    the ids of the keys destroyed."""
    cur = await conn.execute(
        "UPDATE subject_keys SET wrapped_key = NULL, destroyed_at = now()"
        " WHERE subject_id = %s AND destroyed_at IS NULL RETURNING key_id", (subject_id,))
    key_ids = sorted(row[0] for row in await cur.fetchall())
    await conn.execute("DELETE FROM subject_blind_index WHERE subject_id = %s", (subject_id,))
    return key_ids


async def subject_key_ids(conn: psycopg.AsyncConnection[Any], subject_id: str) -> list[tuple[str, str, bool]]:
    """(key id, tenant id, destroyed) of every key the subject ever had."""
    cur = await conn.execute(
        "SELECT key_id, tenant_id, destroyed_at IS NOT NULL FROM subject_keys WHERE subject_id = %s ORDER BY created_at",
        (subject_id,))
    return [(row[0], row[1], row[2]) for row in await cur.fetchall()]


async def find_subjects(conn: psycopg.AsyncConnection[Any], master: MasterKey, field: str, value: str,
                        tenant_id: str | None = None) -> list[str]:
    """The subjects whose `field` (e.g. "AccountOnboarded.email") had `value`, by blind index."""
    digest = blind_index(master.index_key, value)
    cur = await conn.execute(
        "SELECT DISTINCT subject_id FROM subject_blind_index WHERE field = %s AND digest = %s"
        " AND (%s::text IS NULL OR tenant_id = %s) ORDER BY subject_id", (field, digest, tenant_id, tenant_id))
    return [row[0] for row in await cur.fetchall()]
