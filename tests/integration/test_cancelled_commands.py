"""Commands whose callers went away (a client's deadline passed) while their batch waited for another
process's stream lock (that process paused in the middle of a commit): the merchant's charges go on
being accepted afterwards, and the ledger holds exactly the charges that were acknowledged.

The open bug of docs/reliability.md: a cancelled command gives its idempotency key up while its commit
is still queued, so that commit is refused when its batch saves responses; the batch is then written
again commit by commit, and a neighbour that the first attempt had decided again on the streams (a
rebase) is written as it was first decided. The process took the rebased decision for the written
one, its ledger in memory moved ahead of the log, and every later charge conflicted with the log
("changed concurrently 16 times") until the stream moved past that point, which the paused process
alone could do."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg

from command_svc.application.pipeline import CommandRunner
from command_svc.application.ports import EventStore
from command_svc.domain import ledger
from composition.infrastructure import Infrastructure
from eventlog.group_commit import lock_key
from eventlog.idempotency import IdempotencyKeys
from eventlog.records import Commit, StoredEvent
from tests.conftest import eventually
from tests.integration.test_group_commit import CommandProcess, _ledger


class WatchedStore:
    """The event store, counting the commits handed to it: a command's commit is queued when it is."""

    def __init__(self, store: EventStore) -> None:
        self._store = store
        self.handed = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def commit(self, commit: Commit) -> list[StoredEvent]:
        self.handed += 1
        return await self._store.commit(commit)


async def _waiting_for_a_lock(infra: Infrastructure) -> bool:
    async with infra.pool.connection() as conn:
        cur = await conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        row = await cur.fetchone()
        return bool(row and row[0])


async def test_given_commands_cancelled_while_their_batch_waits_for_a_paused_writer_then_the_merchant_is_still_charged_and_its_ledger_is_whole(
    infra: Infrastructure,
) -> None:
    command = CommandProcess(infra)
    store = WatchedStore(infra.store)
    command.runner = CommandRunner(store, IdempotencyKeys(infra.pool), command.published,  # type: ignore[arg-type]
                                   max_backoff_s=0.001)
    merchant = await command.merchant()
    acknowledged = [await command.charge(merchant, 1_000, key="before")]

    async def handed(count: int) -> bool:
        return store.handed >= count

    url = infra.settings.database_url or ""
    async with await psycopg.AsyncConnection.connect(url) as paused_writer:
        # Another command process, stopped in the middle of its commit: it holds the merchant's ledger.
        await paused_writer.execute("BEGIN")
        await paused_writer.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(ledger.stream_id(merchant, "usd")),))
        handed_before = store.handed
        waiting = asyncio.ensure_future(command.charge(merchant, 2_000, key="waiting"))
        await eventually(lambda: _waiting_for_a_lock(infra), message="the batch never waited for the lock")
        # Its caller goes away; the next two commands queue behind that batch, the first of them
        # cancelled as well, each deciding on the ledger read again from the log.
        waiting.cancel()
        await asyncio.wait([waiting])
        cancelled = asyncio.ensure_future(command.charge(merchant, 3_000, key="cancelled"))
        await eventually(lambda: handed(handed_before + 2), message="the second command never committed")
        cancelled.cancel()
        await asyncio.wait([cancelled])
        queued = asyncio.ensure_future(command.charge(merchant, 4_000, key="queued"))
        await eventually(lambda: handed(handed_before + 3), message="the third command never committed")
        await paused_writer.execute("ROLLBACK")  # the paused process's transaction is ended
        acknowledged.append(await queued)

    acknowledged += [await command.charge(merchant, 5_000 + n, key=f"after-{n}") for n in range(3)]

    state, entries = await _ledger(infra, merchant)
    assert sorted(e.data["source_id"] for e in entries) == sorted(c.state.charge_id for c in acknowledged)
    assert state.pending == sum(c.state.amount - c.state.fee for c in acknowledged)
