"""Group commit: the commits of concurrent commands share one PostgreSQL transaction and one fsync.

Commits queue while a batch is being written; the next batch takes what queued (up to a bound), in
queue order. Its transaction
1. locks every stream the batch writes (advisory transaction locks taken in one sorted order, so the
   batches of several processes never deadlock, and no other writer moves those streams until this
   one commits), reads their heads and reserves positions for the events: one round trip;
2. checks each commit against the heads as the commits queued before it leave them. A commit whose
   stream moved is refused alone (WrongExpectedVersion), or decides again on the streams as they are
   when it can (`Commit.rebase`), which under the locks cannot lose to anyone;
3. seals (numbers, chains, signs) the commits that passed, builds their idempotent responses from the
   events as stored, writes events, API keys and responses, and commits: a second round trip, one fsync.
A commit that fails in the database anyway (a constraint) rolls its batch back; the batch is then
written again one commit per transaction, so that failure is the one commit's alone.
docs/write-path.md says how the hash chain, signatures, idempotency and gap-safe reading hold."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg
from opentelemetry import trace
from psycopg.types.json import Json, Jsonb
from psycopg_pool import AsyncConnectionPool

from eventcodec.personal import as_sealed
from eventlog.errors import IdempotencyKeyInUse, WrongExpectedVersion
from eventlog.integrity import SIGNING_KEY_ID, Signer
from eventlog.records import Commit, StoredEvent
from eventlog.sealing import Head, check, heads_after, seal
from eventlog.subject_keys import INSERT_INDEX, INSERT_KEY, SubjectKeys
from eventlog.upcasting import upcast

log = logging.getLogger(__name__)
tracer = trace.get_tracer("ledgermesh.eventlog")

Clock = Callable[[], datetime]

# Locks taken in the order given (sorted by the caller), positions reserved, the transaction's id.
_LOCK_AND_RESERVE = (
    "SELECT pg_current_xact_id()::text::bigint,"
    " array(SELECT nextval('events_global_position_seq') FROM generate_series(1, %s)),"
    " (SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT k FROM unnest(%s::bigint[]) WITH ORDINALITY AS t(k, n)"
    " ORDER BY n) AS ordered)"
)
# A statement of its own, after the locks: its snapshot then sees whatever the writer we waited for committed.
_HEADS = (
    "SELECT s.id, h.aggregate_version, h.event_hash, h.event_id FROM unnest(%s::text[]) AS s(id)"
    " JOIN LATERAL (SELECT aggregate_version, event_hash, event_id FROM events e WHERE e.aggregate_id = s.id"
    " ORDER BY aggregate_version DESC LIMIT 1) h ON true"
)
_RESERVE = (
    "SELECT pg_current_xact_id()::text::bigint,"
    " array(SELECT nextval('events_global_position_seq') FROM generate_series(1, %s))"
)
# The batch's rows travel as one JSON document, which PostgreSQL takes apart in C: one serialization
# per batch on our side, and one statement text, prepared once, whatever the batch's size.
INSERT_EVENTS = (
    "INSERT INTO events (global_position, event_id, tenant_id, aggregate_id, aggregate_type, event_type,"
    " event_version, aggregate_version, event_data, metadata, created_at, correlation_id, causation_id, user_id,"
    " ip_address, event_hash, previous_event_hash, signature)"
    " SELECT p, i, t, a, at, et, ev, av, d, m, %s, c, cz, u, ip, h, ph, s FROM json_to_recordset(%s::json)"
    " AS r(p bigint, i uuid, t text, a text, at text, et text, ev int, av int, d jsonb, m jsonb, c uuid, cz uuid,"
    " u text, ip inet, h text, ph text, s text)"
)
_API_KEY = ("INSERT INTO api_keys (key_hash, account_id, key_prefix, id, kind, permissions)"
            " VALUES (%s, %s, %s, %s, %s, %s)")
# A response is saved with the streams its commit wrote (space-separated, as ErasedField names them):
# `forget` erases the responses of a forgotten subject's streams (eventlog.idempotency.erase_responses).
_RESPONSE = ("UPDATE idempotency_keys SET state = 'done', response = %s, locked_until = NULL,"
             " aggregate_ids = string_to_array(%s, ' ') WHERE tenant_id = %s AND key = %s")
# The keys of the batch's claims made under a lease that are still held under it, locked in round trip 1
# (with the streams): nobody can take them over until the batch ends (a take-over's DELETE waits, then
# finds the key done), so a commit whose lease is lost is refused alone before it is sealed, and saving
# the responses needs no answer from PostgreSQL before the COMMIT.
_HOLD_LEASES = (
    "SELECT k.tenant_id, k.key FROM idempotency_keys k"
    " JOIN unnest(%s::text[], %s::text[], %s::text[]) AS r(tenant_id, key, lease)"
    " ON k.tenant_id = r.tenant_id AND k.key = r.key AND k.lease = r.lease"
    " WHERE k.state = 'in_flight' FOR UPDATE OF k"
)
# Responses of claims made under a lease, saved while the key is held under it (locked above): one
# statement for the batch.
_LEASED_RESPONSES = (
    "UPDATE idempotency_keys k SET state = 'done', response = r.response, locked_until = NULL,"
    " aggregate_ids = string_to_array(r.streams, ' ')"
    " FROM unnest(%s::bytea[], %s::text[], %s::text[], %s::text[], %s::text[])"
    " AS r(response, streams, tenant_id, key, lease)"
    " WHERE k.tenant_id = r.tenant_id AND k.key = r.key AND k.state = 'in_flight' AND k.lease = r.lease"
)
_READ_STREAM = (
    "SELECT global_position, event_id, tenant_id, aggregate_id, aggregate_type, aggregate_version, event_type,"
    " event_version, event_data, metadata, created_at, event_hash, previous_event_hash, signature"
    " FROM events WHERE aggregate_id = %s AND aggregate_version > %s ORDER BY aggregate_version"
)
_BEGIN, _COMMIT, _ROLLBACK = "BEGIN", "COMMIT", "ROLLBACK"
# Failures of one commit rather than of the batch's connection: written alone, the others succeed.
_ONE_COMMITS_FAILURE = (psycopg.errors.IntegrityError, psycopg.errors.TransactionRollback,
                        psycopg.errors.DataError)


def lock_key(aggregate_id: str) -> int:
    """The stream's advisory lock: the same 64-bit key in every process."""
    return int.from_bytes(hashlib.blake2b(aggregate_id.encode(), digest_size=8).digest(), "big", signed=True)


class _ResponseFailed(Exception):
    """A commit's response could not be built: the batch is written again commit by commit."""


@dataclass
class _Queued:
    commit: Commit
    done: asyncio.Future[list[StoredEvent]]


@dataclass
class _Passed:
    index: int
    commit: Commit
    sealed: list[StoredEvent]
    # Subject keys its personal fields are sealed with, and its blind index rows.
    key_ids: frozenset[str] = frozenset()
    index_rows: tuple[tuple[str, str, str, str], ...] = ()


@dataclass
class _Batch:
    """What the batch's transaction has decided so far: heads as the passed commits leave them."""

    conn: psycopg.AsyncConnection[Any]
    locked: frozenset[str]
    heads: dict[str, Head]
    positions: list[int]
    tx_id: int
    passed: list[_Passed] = field(default_factory=list)
    personal: SubjectKeys | None = None

    def take_positions(self, count: int) -> None:
        del self.positions[:count]

    async def read_stream(self, aggregate_id: str, *, after_version: int = 0) -> list[StoredEvent]:
        """The stream as this transaction will leave it so far: what is committed (nobody else can
        move it while we hold it), then what commits queued earlier in this batch wrote."""
        cur = await self.conn.execute(_READ_STREAM, (aggregate_id, after_version))
        stored = [_stored(row) for row in await cur.fetchall()]
        pending = [e for p in self.passed for e in p.sealed
                   if e.aggregate_id == aggregate_id and e.aggregate_version > after_version]
        if self.personal is None:
            return stored + pending
        return await self.personal.open_events(self.conn, stored + pending)


class GroupCommit:
    def __init__(self, pool: AsyncConnectionPool, signer: Signer, clock: Clock, *,
                 max_commits: int = 128, max_events: int = 2000, personal: SubjectKeys | None = None) -> None:
        self._pool = pool
        # Seals personal fields before the hash chain covers them (eventlog/subject_keys.py).
        self._personal = personal
        self._keys_written: list[str] = []
        # Read when sealing: a store that only reads (bench, tools) may have no signer.
        self._signer = signer
        self._clock = clock
        self._max_commits = max_commits
        self._max_events = max_events
        self._queue: list[_Queued] = []
        self._writer: asyncio.Task[None] | None = None
        self._durable: Callable[[list[StoredEvent]], None] | None = None

    def when_durable(self, callback: Callable[[list[StoredEvent]], None]) -> None:
        """`callback` gets each batch's events, in commit order, as soon as the batch is durable and
        before any of its commands resumes (the fast path publishes from here, docs/write-path.md)."""
        self._durable = callback

    async def commit(self, commit: Commit) -> list[StoredEvent]:
        """Queue the commit (before this coroutine first suspends, so commits queue in the order their
        callers reached here) and wait until its batch is durable."""
        done: asyncio.Future[list[StoredEvent]] = asyncio.get_running_loop().create_future()
        self._queue.append(_Queued(commit, done))
        if self._writer is None or self._writer.done():
            # A context of its own: the writer serves every request, it belongs to none of their traces.
            self._writer = asyncio.create_task(self._write_queued(), name="group-commit",
                                               context=contextvars.Context())
        parent = trace.get_current_span().get_span_context()
        if parent.is_valid and not parent.trace_flags.sampled:
            # The sampler follows the parent (support/telemetry.py): under an unsampled request this
            # span would record nothing, and creating it cost more than the rest of queueing.
            return await done
        with tracer.start_as_current_span("INSERT events", kind=trace.SpanKind.CLIENT, attributes={
                "db.system": "postgresql", "db.operation": "INSERT", "db.statement": INSERT_EVENTS}):
            return await done

    async def _write_queued(self) -> None:
        while self._queue:
            batch = self._take_batch()
            try:
                outcomes = await self._write_isolating(batch)
            except BaseException as exc:  # the connection failed: nobody knows what was written
                outcomes = [exc] * len(batch)
                if not isinstance(exc, Exception):
                    _settle(batch, outcomes)
                    raise
            if self._durable is not None:
                self._hand_durable(outcomes)
            _settle(batch, outcomes)

    def _hand_durable(self, outcomes: Sequence[list[StoredEvent] | BaseException]) -> None:
        written = [event for outcome in outcomes if not isinstance(outcome, BaseException) for event in outcome]
        if not written:
            return
        assert self._durable is not None
        try:
            self._durable(written)
        except Exception:  # the commits are durable whatever the callback does; the relay sends them
            log.exception("the callback for %d durable events failed; the relay will publish them", len(written))

    def _take_batch(self) -> list[_Queued]:
        taken, events = 0, 0
        for queued in self._queue:
            events += sum(len(a.events) for a in queued.commit.appends)
            if taken and (taken >= self._max_commits or events > self._max_events):
                break
            taken += 1
        batch, self._queue = self._queue[:taken], self._queue[taken:]
        return batch

    async def _write_isolating(self, batch: list[_Queued]) -> list[list[StoredEvent] | BaseException]:
        commits = [q.commit for q in batch]
        try:
            return await self._write(commits)
        except (*_ONE_COMMITS_FAILURE, _ResponseFailed) as failure:
            if len(batch) == 1:
                return [_as_conflict(failure)]
            log.info("a commit failed in its batch of %d; writing them one by one", len(batch))
        outcomes: list[list[StoredEvent] | BaseException] = []
        for commit in commits:
            try:
                outcomes += await self._write([commit])
            except (*_ONE_COMMITS_FAILURE, _ResponseFailed) as failure:
                outcomes.append(_as_conflict(failure))
        return outcomes

    async def _write(self, commits: list[Commit]) -> list[list[StoredEvent] | BaseException]:
        self._keys_written = []
        async with self._pool.connection() as conn:
            # BEGIN and COMMIT travel in the pipeline with the batch's statements: psycopg's
            # transaction() inside a pipeline syncs when entering and leaving it, two round trips
            # more per batch for nothing (the pool's connections are in autocommit mode).
            try:
                async with conn.pipeline():
                    await conn.execute(_BEGIN, prepare=False)
                    outcomes = await self.write_in(conn, commits)
                    await conn.execute(_COMMIT, prepare=False)
            except BaseException:
                if not conn.closed and conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    # What failed is what the caller hears of; a connection that cannot even roll
                    # back is discarded by the pool.
                    with contextlib.suppress(psycopg.Error):
                        await conn.execute(_ROLLBACK, prepare=False)
                raise
        if self._personal is not None:
            self._personal.stored(self._keys_written)
        return outcomes

    async def write_in(self, conn: psycopg.AsyncConnection[Any], commits: list[Commit]
                       ) -> list[list[StoredEvent] | BaseException]:
        """Write the commits in the connection's open transaction, which the caller commits: each
        commit's stored events, or why it was refused."""
        created_at = self._clock().astimezone(UTC)
        if self._personal is not None:
            await self._personal.refresh(conn)
        streams = sorted({a.aggregate_id for c in commits for a in c.appends})
        events = sum(len(a.events) for c in commits for a in c.appends)
        outcomes: dict[int, list[StoredEvent] | BaseException] = {}
        reserve_cur = await conn.execute(_LOCK_AND_RESERVE, (events, sorted({lock_key(s) for s in streams})))
        heads_cur = await conn.execute(_HEADS, (streams,))
        leases = [(c.tenant_id, c.idempotent_response.key, c.idempotent_response.lease) for c in commits
                  if c.idempotent_response is not None and c.idempotent_response.lease]
        leases_cur = await conn.execute(_HOLD_LEASES, tuple(map(list, zip(*leases, strict=True)))) if leases else None
        reserved = await reserve_cur.fetchone()
        heads = {row[0]: Head(row[1], row[2], row[3]) for row in await heads_cur.fetchall()}
        held = set() if leases_cur is None else {(row[0], row[1]) for row in await leases_cur.fetchall()}
        assert reserved is not None
        state = _Batch(conn, frozenset(streams), heads, sorted(reserved[1]), reserved[0], personal=self._personal)
        for n, commit in enumerate(commits):
            saved = commit.idempotent_response
            if saved is not None and saved.lease and (commit.tenant_id, saved.key) not in held:
                # The key was taken over while this commit's process was paused or cut off: this
                # commit alone is refused, and writes nothing.
                outcomes[n] = IdempotencyKeyInUse("the idempotency key was taken over by a retry of this request")
                continue
            refused = await self._check_and_seal(state, n, commit, created_at)
            if refused is not None:
                outcomes[n] = refused
        if not state.passed:
            return [outcomes[n] for n in range(len(commits))]
        stored = self._with_positions(state)
        responses = []
        for passed, events_stored in zip(state.passed, stored, strict=True):
            saved = passed.commit.idempotent_response
            if saved is not None:
                written = " ".join(sorted({a.aggregate_id for a in passed.commit.appends}))
                try:
                    responses.append((saved.build(events_stored), written, passed.commit.tenant_id, saved.key,
                                      saved.lease))
                except Exception as exc:
                    raise _ResponseFailed(str(exc)) from exc
        if any(stored):
            await conn.execute(INSERT_EVENTS, _insert_params(state.passed, stored, created_at))
        api_keys = [(k.key_hash, k.account_id, k.key_prefix, k.key_id, k.kind,
                     Jsonb(dict(k.permissions))) for p in state.passed for k in p.commit.api_keys]
        subject_keys = [] if self._personal is None else self._personal.unstored(
            kid for p in state.passed for kid in p.key_ids)
        index_rows = [row for p in state.passed for row in p.index_rows]
        leased = [r for r in responses if r[4]]
        unleased = [r[:4] for r in responses if not r[4]]
        async with conn.cursor() as cur:
            if api_keys:
                await cur.executemany(_API_KEY, api_keys)
            if subject_keys:
                await cur.executemany(INSERT_KEY, subject_keys)
                self._keys_written += [row[0] for row in subject_keys]
            if index_rows:
                await cur.executemany(INSERT_INDEX, index_rows)
            if unleased:
                await cur.executemany(_RESPONSE, unleased)
            if leased:
                await cur.execute(_LEASED_RESPONSES, tuple(list(column) for column in zip(*leased, strict=True)))
        for p, events_stored in zip(state.passed, stored, strict=True):
            outcomes[p.index] = events_stored
        return [outcomes[n] for n in range(len(commits))]

    async def _check_and_seal(self, batch: _Batch, index: int, commit: Commit,
                              created_at: datetime) -> BaseException | None:
        """Seal the commit on the batch's heads, or say why it is refused."""
        try:
            check(commit.appends, batch.heads)
        except WrongExpectedVersion as conflict:
            if commit.rebase is None or not {a.aggregate_id for a in commit.appends} <= batch.locked:
                return conflict
            try:
                commit = await commit.rebase(batch)
            except Exception as refusal:  # the command's own answer on the streams as they are
                return refusal
            if not {a.aggregate_id for a in commit.appends} <= batch.locked:
                return conflict
        count = sum(len(a.events) for a in commit.appends)
        if len(batch.positions) < count:
            # A rebased commit writes more events than it first meant to: positions for it and the rest
            # of the batch anew, so positions still grow in the order the batch writes.
            cur = await batch.conn.execute(_RESERVE, (count + len(batch.positions),))
            more = await cur.fetchone()
            assert more is not None
            batch.positions = sorted(more[1])
        key_ids: frozenset[str] = frozenset()
        index_rows: tuple[tuple[str, str, str, str], ...] = ()
        if self._personal is not None:
            sealed_commit = self._personal.seal_commit(commit)
            commit, key_ids, index_rows = sealed_commit.commit, sealed_commit.key_ids, sealed_commit.index_rows
        try:
            metadata = {**commit.audit.as_metadata(), SIGNING_KEY_ID: self._signer.key_id}
            sealed = seal(commit.tenant_id, commit.appends, batch.heads, metadata, created_at,
                          self._signer.sign, batch.positions[:count])
        except WrongExpectedVersion as conflict:
            return conflict
        batch.take_positions(count)
        batch.heads.update(heads_after(sealed))
        batch.passed.append(_Passed(index, commit, sealed, key_ids, index_rows))
        return None

    @staticmethod
    def _with_positions(batch: _Batch) -> list[list[StoredEvent]]:
        """Every event with the batch's commit position: the highest position its transaction wrote,
        as the relay computes it from the log."""
        commit_position = max((e.global_position for p in batch.passed for e in p.sealed), default=0)
        return [[_committed(e, batch.tx_id, commit_position) for e in p.sealed] for p in batch.passed]


def _insert_params(passed: Sequence[_Passed], stored: Sequence[list[StoredEvent]],
                   created_at: datetime) -> tuple[datetime, Json]:
    rows = []
    for unit, events in zip(passed, stored, strict=True):
        audit = unit.commit.audit
        correlation = str(audit.correlation_id)
        causation = str(audit.causation_id) if audit.causation_id else None
        # A sealed IP address (eventlog/subject_keys.py) lives in the metadata only: the column is NULL.
        user = audit.user_id or None
        ip = audit.ip_address if audit.ip_address and as_sealed(audit.ip_address) is None else None
        rows += [{"p": e.global_position, "i": str(e.event_id), "t": e.tenant_id, "a": e.aggregate_id,
                  "at": e.aggregate_type, "et": e.event_type, "ev": e.event_version, "av": e.aggregate_version,
                  "d": e.data, "m": e.metadata, "c": correlation, "cz": causation, "u": user, "ip": ip,
                  "h": e.event_hash, "ph": e.previous_event_hash, "s": e.signature} for e in events]
    try:
        document: str | bytes = orjson.dumps(rows)
    except TypeError:  # an integer beyond 64 bits, which the standard library writes
        document = json.dumps(rows, separators=(",", ":"), ensure_ascii=False)
    # Handed to psycopg as the JSON it already is: as text it was decoded here and encoded again there.
    return created_at, Json(document, dumps=_as_written)


def _as_written(document: str | bytes) -> str | bytes:
    return document


def _committed(e: StoredEvent, tx_id: int, commit_position: int) -> StoredEvent:
    # dataclasses.replace, spelled out: it costs several times more, for every event of every batch.
    return StoredEvent(e.global_position, e.event_id, e.tenant_id, e.aggregate_id, e.aggregate_type,
                       e.aggregate_version, e.event_type, e.event_version, e.data, e.metadata, e.created_at,
                       e.event_hash, e.previous_event_hash, e.signature, tx_id, commit_position)


def _stored(row: tuple[Any, ...]) -> StoredEvent:
    position, event_id, tenant, aggregate_id, aggregate_type, aggregate_version, event_type, event_version, \
        data, metadata, created_at, event_hash, previous_hash, signature = row
    version, data = upcast(event_type, event_version, data)
    return StoredEvent(position, event_id, tenant, aggregate_id, aggregate_type, aggregate_version, event_type,
                       version, data, metadata, created_at, event_hash, previous_hash, signature)


def _settle(batch: Sequence[_Queued], outcomes: Sequence[list[StoredEvent] | BaseException]) -> None:
    for queued, outcome in zip(batch, outcomes, strict=True):
        if queued.done.done():  # the caller went away; what was written stays written
            continue
        if isinstance(outcome, BaseException):
            queued.done.set_exception(outcome)
        else:
            queued.done.set_result(outcome)


def _as_conflict(failure: Exception) -> Exception:
    if isinstance(failure, psycopg.errors.UniqueViolation) and "events_aggregate_version_unique" in str(failure):
        return WrongExpectedVersion("a concurrent writer appended to the stream first")
    if isinstance(failure, _ResponseFailed) and failure.__cause__ is not None:
        return failure.__cause__ if isinstance(failure.__cause__, Exception) else failure
    return failure


