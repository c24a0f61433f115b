"""Idempotency leases held by a living process: a key claimed by a process that stopped showing signs of
life (killed, paused) is free again within seconds, and if that process wakes up and commits, the
commit is refused instead of answering the key a second time."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import psycopg
import pytest

from command_svc.application.pipeline import CommandRunner, Decision, Idempotency, request_fingerprint
from command_svc.domain.errors import ConcurrencyError
from composition.infrastructure import Infrastructure, open_pool
from eventlog.bus import EventPublisher
from eventlog.errors import IdempotencyKeyInUse
from eventlog.idempotency import IdempotencyKeys, session_name
from eventlog.records import Claimed, Commit, IdempotentResponse, StoredEvent, StreamAppend
from tests.conftest import eventually
from tests.integration.conftest import audit, note

TENANT = "acct_lease"
STALE = timedelta(milliseconds=300)
REQUEST = b"charge 1000 usd"


def _runner(infra: Infrastructure, keys: IdempotencyKeys) -> CommandRunner:
    return CommandRunner(infra.store, keys, EventPublisher(infra.nc.jetstream(), infra.settings.subject_prefix))


def _idempotency(key: str) -> Idempotency[bytes]:
    return Idempotency(key, REQUEST, lambda response: response, lambda saved: saved)


def _answer(_result: object, stored: list[StoredEvent]) -> bytes:
    return f"charge at {stored[0].global_position}".encode()


async def test_a_key_held_by_a_process_that_stopped_beating_is_taken_over_and_its_late_commit_refused(
        infra: Infrastructure) -> None:
    paused_keys = IdempotencyKeys(infra.pool, owner_id="paused-process", stale_after=STALE)
    live_keys = IdempotencyKeys(infra.pool, owner_id="live-process", stale_after=STALE)
    await paused_keys.beat()
    await live_keys.beat()
    woken, deciding = asyncio.Event(), asyncio.Event()

    async def decide_then_freeze(stream: str) -> Decision:
        deciding.set()
        await woken.wait()  # the process is stopped here (SIGSTOP) and never beats meanwhile
        return Decision([StreamAppend(stream, "Charge", 0, (note("first attempt"),))], None)

    async def decide(stream: str) -> Decision:
        return Decision([StreamAppend(stream, "Charge", 0, (note("retry"),))], None)

    first = asyncio.create_task(_runner(infra, paused_keys).run(
        tenant_id=TENANT, operation="CreateCharge", audit=audit(), decide=lambda: decide_then_freeze("ch_first"),
        present=_answer, idempotency=_idempotency("key-1")))
    await deciding.wait()
    with pytest.raises(IdempotencyKeyInUse):  # while its owner still beats, the key is held
        await live_keys.claim(TENANT, "key-1", "CreateCharge", request_fingerprint("CreateCharge", REQUEST))

    async def retried() -> bytes | None:
        try:
            return await _runner(infra, live_keys).run(
                tenant_id=TENANT, operation="CreateCharge", audit=audit(), decide=lambda: decide("ch_retry"),
                present=_answer, idempotency=_idempotency("key-1"))
        except ConcurrencyError:
            return None

    answer = await eventually(retried, timeout=10, message="the stopped process's key was never taken over")

    woken.set()
    with pytest.raises(ConcurrencyError) as late:
        await first
    assert late.value.reason == "IDEMPOTENCY_KEY_IN_USE"
    assert await infra.store.read_stream("ch_first") == []
    assert [e.data["entry_id"] for e in await infra.store.read_stream("ch_retry")] == ["retry"]
    again = await _runner(infra, live_keys).run(
        tenant_id=TENANT, operation="CreateCharge", audit=audit(), decide=lambda: decide("ch_never"),
        present=_answer, idempotency=_idempotency("key-1"))
    assert again == answer
    assert await infra.store.read_stream("ch_never") == []


async def test_a_process_that_stops_cleanly_gives_its_keys_up_at_once(infra: Infrastructure) -> None:
    leaving = IdempotencyKeys(infra.pool, owner_id="leaving-process", stale_after=timedelta(hours=1))
    stop = asyncio.Event()
    beating = asyncio.create_task(leaving.keep_alive(stop, interval=0.05))
    await eventually(lambda: _owner_known(infra, "leaving-process"), message="the process never beat")
    await leaving.claim(TENANT, "key-2", "CreateCharge", "f" * 64)
    stop.set()
    await beating

    other = IdempotencyKeys(infra.pool, owner_id="other-process", stale_after=timedelta(hours=1))
    claimed = await other.claim(TENANT, "key-2", "CreateCharge", "f" * 64)
    assert claimed.lease  # type: ignore[union-attr]


async def _owner_known(infra: Infrastructure, owner: str) -> bool:
    async with infra.pool.connection() as conn:
        cur = await conn.execute("SELECT 1 FROM idempotency_owners WHERE owner_id = %s", (owner,))
        return await cur.fetchone() is not None


async def test_a_key_held_by_a_process_whose_session_ended_is_free_at_once(infra: Infrastructure) -> None:
    # kill -9: the kernel closes the dead process's sockets and PostgreSQL ends its sessions; that
    # is noticed at once, whatever the heartbeat's staleness allows.
    killed = IdempotencyKeys(infra.pool, owner_id="killed-process", stale_after=timedelta(hours=1))
    await killed.beat()
    await killed.claim(TENANT, "key-3", "CreateCharge", "f" * 64)
    survivor = IdempotencyKeys(infra.pool, owner_id="survivor", stale_after=timedelta(hours=1))
    with pytest.raises(IdempotencyKeyInUse):
        await survivor.claim(TENANT, "key-3", "CreateCharge", "f" * 64)

    async with infra.pool.connection() as conn:
        await conn.execute("SELECT pg_terminate_backend(backend_pid) FROM idempotency_owners WHERE owner_id = %s",
                           ("killed-process",))

    async def claimed() -> bool:
        try:
            return bool(await survivor.claim(TENANT, "key-3", "CreateCharge", "f" * 64))
        except IdempotencyKeyInUse:
            return False

    # Polled only for the backend to finish exiting after the signal.
    await eventually(claimed, timeout=5, message="the key of a process whose session ended stayed held")


async def test_a_stopped_process_holding_a_stream_lock_others_wait_for_is_ended(
        infra: Infrastructure) -> None:
    # SIGSTOP in the middle of a commit: its transaction holds the stream's advisory lock while the
    # process sleeps. Once it has stopped beating, a living process ends that transaction.
    stopped = IdempotencyKeys(infra.pool, owner_id="stopped-process", stale_after=STALE)
    await stopped.beat()
    url = infra.settings.database_url or ""
    async with await psycopg.AsyncConnection.connect(url, application_name=session_name("stopped-process"),
                                                     options=f"-c search_path={infra.settings.db_schema}") as holder, \
            await psycopg.AsyncConnection.connect(url) as waiter:
        await holder.execute("BEGIN")
        await holder.execute("SELECT pg_advisory_xact_lock(42)")
        waiting = asyncio.create_task(waiter.execute("SELECT pg_advisory_xact_lock(42)"))
        living = IdempotencyKeys(infra.pool, owner_id="living-process", stale_after=STALE)

        async def lock_freed() -> bool:
            await living.beat()
            return waiting.done()

        await eventually(lock_freed, timeout=10, interval=0.1, message="the stopped process kept its lock")
        await waiting
        assert holder.broken or holder.closed or await _is_terminated(holder)


async def _is_terminated(conn: psycopg.AsyncConnection) -> bool:  # type: ignore[type-arg]
    try:
        await conn.execute("SELECT 1")
    except psycopg.OperationalError:
        return True
    return False



async def test_a_claim_that_does_not_wait_for_the_disk_leaves_the_next_commit_on_its_connection_durable(
        infra: Infrastructure) -> None:
    """A new key's claim commits without waiting for its WAL flush (eventlog/idempotency.py); that setting
    is its own transaction's: what the same connection commits next (a batch of charges) waits for the disk."""
    pool = await open_pool(infra.settings, min_size=1, max_size=1)
    try:
        keys = IdempotencyKeys(pool)
        claim = await keys.claim(TENANT, "durable-1", "CreateCharge", request_fingerprint("CreateCharge", REQUEST))
        assert isinstance(claim, Claimed)
        async with pool.connection() as conn:
            cur = await conn.execute("SHOW synchronous_commit")
            assert await cur.fetchone() == ("on",)
    finally:
        await pool.close()


async def test_a_commit_whose_key_was_taken_over_is_refused_alone_and_its_batch_neighbours_are_answered(
        infra: Infrastructure) -> None:
    keys = IdempotencyKeys(infra.pool, owner_id="batching-process", stale_after=STALE)
    await keys.beat()
    fingerprint = request_fingerprint("CreateCharge", REQUEST)
    leases = {}
    for name in ("before", "taken", "after"):
        claim = await keys.claim(TENANT, f"batch-{name}", "CreateCharge", fingerprint)
        assert isinstance(claim, Claimed)
        leases[name] = claim.lease
    async with infra.pool.connection() as conn:  # a retry elsewhere took the middle key over
        await conn.execute("UPDATE idempotency_keys SET lease = 'the-retry', owner_id = 'other-process'"
                           " WHERE tenant_id = %s AND key = 'batch-taken'", (TENANT,))

    def commit(name: str) -> Commit:
        return Commit(TENANT, (StreamAppend(f"ch_batch_{name}", "Charge", 0, (note(name),)),), audit(),
                      IdempotentResponse(f"batch-{name}", lambda stored: _answer(None, stored), leases[name]))

    outcomes = await asyncio.gather(*(infra.store.commit(commit(name)) for name in ("before", "taken", "after")),
                                    return_exceptions=True)
    assert isinstance(outcomes[1], IdempotencyKeyInUse)
    assert [len(o) for o in (outcomes[0], outcomes[2]) if isinstance(o, list)] == [1, 1]
    assert await infra.store.read_stream("ch_batch_taken") == []
    async with infra.pool.connection() as conn:
        cur = await conn.execute("SELECT key, state, lease FROM idempotency_keys WHERE tenant_id = %s"
                                 " AND key LIKE 'batch-%%' ORDER BY key", (TENANT,))
        rows = await cur.fetchall()
    assert [(key, state) for key, state, _ in rows] == [
        ("batch-after", "done"), ("batch-before", "done"), ("batch-taken", "in_flight")]
    assert rows[2][2] == "the-retry"  # the retry that took the key over answers it
