"""The PostgreSQL event store: optimistic multi-stream append (group commit), stream reads, gap-safe log reads."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import set_json_loads
from psycopg_pool import AsyncConnectionPool

from eventlog.group_commit import GroupCommit
from eventlog.integrity import Signer
from eventlog.records import AuditContext, Commit, LogPosition, StoredEvent, StreamAppend
from eventlog.subject_keys import SubjectKeys
from eventlog.upcasting import upcast

Clock = Callable[[], datetime]

_COLUMNS = (
    "global_position, event_id, tenant_id, aggregate_id, aggregate_type, aggregate_version, "
    "event_type, event_version, event_data, metadata, created_at, event_hash, previous_event_hash, "
    "signature, tx_id::text::bigint AS tx_id"
)


async def _add_commit_positions(conn: psycopg.AsyncConnection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Set each row's commit position (the highest position its transaction wrote, the
    read-your-writes token) with one grouped query per batch over the (tx_id, position) index. A
    per-row correlated subquery let the planner scan the whole log backwards for big transactions."""
    tx_ids = sorted({row["tx_id"] for row in rows})
    if not tx_ids:
        return rows
    cur = await conn.execute(
        "SELECT tx_id::text::bigint, max(global_position) FROM events"
        " WHERE tx_id = ANY(%s::text[]::xid8[]) GROUP BY tx_id",
        ([str(t) for t in tx_ids],),
    )
    commit = {tx: pos for tx, pos in await cur.fetchall()}
    for row in rows:
        row["commit_position"] = commit.get(row["tx_id"], row["global_position"])
    return rows


def _log_query(event_types: Sequence[str], tenant_id: str | None, since: datetime | None, until: datetime | None,
               until_position: int | None, data_filter: str, data_params: dict[str, Any] | None,
               finished_only: bool, share: tuple[int, int] | None = None) -> tuple[str, dict[str, Any]]:
    """The keyset-paged read of the log behind `iterate`: %(after)s and %(limit)s left to bind."""
    clauses = ["global_position > %(after)s"]
    if finished_only:
        clauses.append("tx_id < pg_snapshot_xmin(pg_current_snapshot())")
    params: dict[str, Any] = dict(data_params or {})
    if event_types:
        clauses.append("event_type = ANY(%(types)s)")
        params["types"] = list(event_types)
    if tenant_id:
        clauses.append("tenant_id = %(tenant)s")
        params["tenant"] = tenant_id
    if since:
        clauses.append("created_at >= %(since)s")
        params["since"] = since
    if until:
        clauses.append("created_at < %(until)s")
        params["until"] = until
    if until_position is not None:
        clauses.append("global_position <= %(until_position)s")
        params["until_position"] = until_position
    if share is not None:
        # The i-th of n shares of the tenants, by a hash of the id: the same for all of a tenant's events.
        clauses.append("mod(hashtext(tenant_id) & 2147483647, %(shares)s) = %(share)s")
        params["share"], params["shares"] = share
    if data_filter:
        clauses.append(f"({data_filter})")
    query = f"SELECT {_COLUMNS} FROM events WHERE {' AND '.join(clauses)} ORDER BY global_position LIMIT %(limit)s"
    return query, params


def _fast_json_loads(data: bytes | str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)  # what orjson refuses (integers beyond 64 bits) the standard library reads


def _tuple_to_event(row: tuple[Any, ...], commit_position: int) -> StoredEvent:
    # The order of _COLUMNS.
    version, data = upcast(row[6], row[7], row[8])
    return StoredEvent(row[0], row[1], row[2], row[3], row[4], row[5], row[6], version, data, row[9], row[10],
                       row[11], row[12], row[13], row[14] or 0, commit_position or row[0])


def _utcnow() -> datetime:
    return datetime.now(UTC)


def row_to_event(row: dict[str, Any]) -> StoredEvent:
    version, data = upcast(row["event_type"], row["event_version"], row["event_data"])
    return StoredEvent(
        global_position=row["global_position"],
        event_id=row["event_id"],
        tenant_id=row["tenant_id"],
        aggregate_id=row["aggregate_id"],
        aggregate_type=row["aggregate_type"],
        aggregate_version=row["aggregate_version"],
        event_type=row["event_type"],
        event_version=version,
        data=data,
        metadata=row["metadata"],
        created_at=row["created_at"],
        event_hash=row["event_hash"],
        previous_event_hash=row["previous_event_hash"],
        signature=row["signature"],
        tx_id=row.get("tx_id") or 0,
        commit_position=row.get("commit_position") or row["global_position"],
    )


class EventStore:
    def __init__(self, pool: AsyncConnectionPool, signer: Signer, clock: Clock = _utcnow,
                 personal: SubjectKeys | None = None) -> None:
        self._pool = pool
        # With a key store, personal fields are sealed on append and opened by read_stream.
        self._personal = personal
        self._group = GroupCommit(pool, signer, clock, personal=personal)

    @property
    def pool(self) -> AsyncConnectionPool:
        return self._pool

    def when_durable(self, callback: Callable[[list[StoredEvent]], None]) -> None:
        """Hand every group-committed batch's events to `callback` the moment it is durable, in commit
        order, before its commands resume (GroupCommit.when_durable)."""
        self._group.when_durable(callback)

    async def append(self, tenant_id: str, appends: Sequence[StreamAppend], audit: AuditContext) -> list[StoredEvent]:
        """Append events alone: a commit with nothing else in it."""
        return await self.commit(Commit(tenant_id, tuple(appends), audit))

    async def commit(self, commit: Commit) -> list[StoredEvent]:
        """Write every stream of the commit, its idempotent response and its API keys in one
        transaction, or nothing; concurrent commits share the transaction (eventlog/group_commit.py).
        Raises WrongExpectedVersion when a stream moved past its expected version and the commit could
        not decide again."""
        return await self._group.commit(commit)

    async def commit_in(self, conn: psycopg.AsyncConnection[Any], commit: Commit) -> list[StoredEvent]:
        """Write one commit in the connection's open transaction, which the caller commits or rolls back
        together with writes of its own (an erasure destroys keys in the transaction of its event)."""
        (outcome,) = await self._group.write_in(conn, [commit])
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    async def _append_in(self, conn: psycopg.AsyncConnection[Any], tenant_id: str, appends: Sequence[StreamAppend],
                         audit: AuditContext) -> list[StoredEvent]:
        """Append in the connection's open transaction, which the caller commits or rolls back: for
        tests that hold a writer's transaction open."""
        (outcome,) = await self._group.write_in(conn, [Commit(tenant_id, tuple(appends), audit)])
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    async def read_stream(self, aggregate_id: str, *, after_version: int = 0) -> list[StoredEvent]:
        """The stream's events in version order, personal fields opened (as the command side folds
        them; every other read gives events as stored); `after_version` skips those a caller already
        folded."""
        async with self._pool.connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                f"SELECT {_COLUMNS} FROM events WHERE aggregate_id = %s AND aggregate_version > %s"
                " ORDER BY aggregate_version",
                (aggregate_id, after_version),
            )
            events = [row_to_event(row) for row in await cur.fetchall()]
            if self._personal is None:
                return events
            return await self._personal.open_events(conn, events)

    async def stream_ids(self, tenant_id: str, aggregate_type: str) -> list[str]:
        """The ids of the tenant's streams of one aggregate type."""
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT DISTINCT aggregate_id FROM events WHERE tenant_id = %s AND aggregate_type = %s",
                (tenant_id, aggregate_type),
            )
            return [row[0] for row in await cur.fetchall()]

    async def stream_version(self, aggregate_id: str) -> int:
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT coalesce(max(aggregate_version), 0) FROM events WHERE aggregate_id = %s",
                (aggregate_id,),
            )
            row = await cur.fetchone()
            return int(row[0]) if row else 0

    async def read_after(
        self, after: LogPosition, limit: int = 500, *, tenant_id: str | None = None
    ) -> list[StoredEvent]:
        """Events after `after` in (tx_id, position) order, only from transactions that have
        finished: every transaction older than the oldest running one. A transaction that commits
        late can therefore never be skipped."""
        tenant_clause = "AND tenant_id = %(tenant)s" if tenant_id else ""
        async with self._pool.connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                f"SELECT {_COLUMNS} FROM events"
                " WHERE (tx_id, global_position) > (%(tx)s::text::xid8, %(pos)s)"
                "   AND tx_id < pg_snapshot_xmin(pg_current_snapshot())"
                f"  {tenant_clause}"
                " ORDER BY tx_id, global_position LIMIT %(limit)s",
                {"tx": after.tx_id, "pos": after.position, "limit": limit, "tenant": tenant_id},
            )
            rows = await _add_commit_positions(conn, await cur.fetchall())
            return [row_to_event(row) for row in rows]

    async def read_ids_after(self, after: LogPosition, limit: int = 2000, *, written_before: datetime | None = None,
                             ) -> list[tuple[uuid.UUID, LogPosition]]:
        """Like `read_after`, ids and positions only: what the relay needs to decide what to send.
        With `written_before`, it stops at the first event written since, in log order (nothing later
        is read past it, so nothing is skipped): the cut is made in PostgreSQL, which reads the page."""
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "WITH page AS (SELECT event_id, tx_id, global_position, created_at FROM events"
                "   WHERE (tx_id, global_position) > (%(tx)s::text::xid8, %(pos)s)"
                "     AND tx_id < pg_snapshot_xmin(pg_current_snapshot())"
                "   ORDER BY tx_id, global_position LIMIT %(limit)s),"
                " cut AS (SELECT tx_id, global_position FROM page WHERE created_at >= %(before)s"
                "   ORDER BY tx_id, global_position LIMIT 1)"
                " SELECT event_id, tx_id::text::bigint, global_position FROM page"
                " WHERE NOT EXISTS (SELECT 1 FROM cut) OR (tx_id, global_position) < (SELECT tx_id, global_position FROM cut)"
                " ORDER BY tx_id, global_position",
                {"tx": after.tx_id, "pos": after.position, "limit": limit,
                 "before": written_before or datetime.max.replace(tzinfo=UTC)},
            )
            return [(row[0], LogPosition(row[1], row[2])) for row in await cur.fetchall()]

    async def get_events(self, event_ids: Sequence[uuid.UUID]) -> list[StoredEvent]:
        """The given events with their commit positions, in (tx_id, position) order."""
        if not event_ids:
            return []
        async with self._pool.connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                f"SELECT {_COLUMNS} FROM events WHERE event_id = ANY(%s) ORDER BY tx_id, global_position",
                (list(event_ids),),
            )
            rows = await _add_commit_positions(conn, await cur.fetchall())
            return [row_to_event(row) for row in rows]

    async def iterate(
        self,
        *,
        event_types: Sequence[str] = (),
        tenant_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        until_position: int | None = None,
        data_filter: str = "",
        data_params: dict[str, Any] | None = None,
        batch_size: int = 2000,
        commit_positions: bool = False,
        finished_only: bool = True,
    ) -> AsyncIterator[StoredEvent]:
        """Every finished event matching the filters in global order, read in keyset batches so
        memory stays bounded however long the log is. `data_filter` is an SQL predicate over
        `event_data` with named parameters from `data_params`. `commit_positions` also reads each
        event's commit position (as the bus carries it), which rebuilt read models record.
        `finished_only=False` drops the gap-safety condition (older than every running transaction in
        the cluster), which one long transaction anywhere would stall: for a reader that repairs late
        commits itself, as a rebuild's catch-up does."""
        query, params = _log_query(event_types, tenant_id, since, until, until_position, data_filter, data_params,
                                   finished_only)
        after = 0
        while True:
            async with self._pool.connection() as conn:
                cur = conn.cursor(row_factory=dict_row)
                await cur.execute(query, {**params, "after": after, "limit": batch_size})
                rows = await cur.fetchall()
                if commit_positions:
                    rows = await _add_commit_positions(conn, rows)
            if not rows:
                return
            for row in rows:
                yield row_to_event(row)
            after = rows[-1]["global_position"]

    async def iterate_batches(
        self,
        *,
        event_types: Sequence[str] = (),
        tenant_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        until_position: int | None = None,
        data_filter: str = "",
        data_params: dict[str, Any] | None = None,
        batch_size: int = 10_000,
        finished_only: bool = True,
        share: tuple[int, int] | None = None,
    ) -> AsyncIterator[list[StoredEvent]]:
        """`iterate(commit_positions=True)` a batch at a time, for readers of the whole log (rebuilds):
        the same events with their commit positions, read as tuples in binary form (no text to parse
        for times, ids and numbers) and their JSON parsed by orjson, several times faster than one
        dict per row. `share` (i, n) reads only the i-th of n shares of the tenants (a fold in n processes)."""
        query, params = _log_query(event_types, tenant_id, since, until, until_position, data_filter, data_params,
                                   finished_only, share)
        after = 0
        while True:
            async with self._pool.connection() as conn:
                cur = conn.cursor(binary=True)
                set_json_loads(_fast_json_loads, cur)
                await cur.execute(query, {**params, "after": after, "limit": batch_size})
                rows = await cur.fetchall()
                if not rows:
                    return
                tx_ids = sorted({row[14] for row in rows})
                commits = await conn.execute(
                    "SELECT tx_id::text::bigint, max(global_position) FROM events"
                    " WHERE tx_id = ANY(%s::text[]::xid8[]) GROUP BY tx_id",
                    ([str(t) for t in tx_ids],),
                )
                commit: dict[int, int] = dict(await commits.fetchall())
            yield [_tuple_to_event(row, commit.get(row[14]) or row[0]) for row in rows]
            after = rows[-1][0]

    async def get_event(self, event_id: uuid.UUID) -> StoredEvent | None:
        async with self._pool.connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(f"SELECT {_COLUMNS} FROM events WHERE event_id = %s", (event_id,))
            row = await cur.fetchone()
            return row_to_event(row) if row else None
