"""The promises the use cases rely on from the event log, checked alike on PostgreSQL and on the
in-memory store that tests/application/ runs on: if one of them breaks here for either store, the
application tests would be proving something the real system does not do (or the reverse)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from composition.infrastructure import open_pool
from eventlog.errors import IdempotencyKeyInUse, IdempotencyKeyReused, WrongExpectedVersion
from eventlog.idempotency import IdempotencyKeys
from eventlog.integrity import Signer
from eventlog.memory import InMemoryEventStore, InMemoryIdempotencyKeys
from eventlog.records import (
    Claimed,
    Commit,
    IdempotentResponse,
    NewApiKey,
    SavedRefusal,
    SavedResponse,
    StoredEvent,
    StreamAppend,
)
from eventlog.store import EventStore
from support.settings import Settings
from tests.integration.conftest import audit, note

TENANT = "acct_contract"
# Request fingerprints are SHA-256 hex digests (the column is char(64)).
REQUEST, OTHER_REQUEST = "1" * 64, "2" * 64


@dataclass
class Log:
    store: Any
    keys: Any
    account_for: Callable[[str], Awaitable[str | None]]

    async def write(self, *appends: StreamAppend, **commit: Any) -> list[StoredEvent]:
        return await self.store.commit(Commit(TENANT, appends, audit(), **commit))  # type: ignore[no-any-return]


@pytest_asyncio.fixture(params=["postgres", "memory"])
async def log(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[Log]:
    if request.param == "memory":
        keys = InMemoryIdempotencyKeys()
        store = InMemoryEventStore(keys)
        yield Log(store, keys, store.account_for)
        return
    pool = await open_pool(settings)

    async def account_for(key_hash: str) -> str | None:
        async with pool.connection() as conn:
            cur = await conn.execute("SELECT account_id FROM api_keys WHERE key_hash = %s", (key_hash,))
            row = await cur.fetchone()
        return str(row[0]) if row else None

    try:
        yield Log(EventStore(pool, Signer.generate()), IdempotencyKeys(pool), account_for)
    finally:
        async with pool.connection() as conn:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{settings.db_schema}" CASCADE')
        await pool.close()


def _respond(stored: list[StoredEvent]) -> bytes:
    return f"positions {[e.global_position for e in stored]}".encode()


async def test_a_commit_with_one_moved_stream_writes_no_stream_no_api_key_and_no_response(log: Log) -> None:
    await log.write(StreamAppend("ledger:c:usd", "Ledger", 0, (note("first"),)))
    assert isinstance(await log.keys.claim(TENANT, "k", "Op", REQUEST), Claimed)

    with pytest.raises(WrongExpectedVersion):
        await log.write(StreamAppend("ch_contract", "Charge", 0, (note("charge side"),)),
                        StreamAppend("ledger:c:usd", "Ledger", 0, (note("stale"),)),
                        idempotent_response=IdempotentResponse("k", _respond),
                        api_keys=(NewApiKey("a" * 64, TENANT, "sk_test_aaaa"),))

    assert await log.store.read_stream("ch_contract") == []
    assert len(await log.store.read_stream("ledger:c:usd")) == 1
    assert await log.account_for("a" * 64) is None
    with pytest.raises(IdempotencyKeyInUse):
        await log.keys.claim(TENANT, "k", "Op", REQUEST)


async def test_a_commit_keeps_its_api_keys_and_the_response_a_retry_gets(log: Log) -> None:
    assert isinstance(await log.keys.claim(TENANT, "k", "Op", REQUEST), Claimed)

    stored = await log.write(StreamAppend("acct_x", "Account", 0, (note("onboarded"),)),
                             idempotent_response=IdempotentResponse("k", _respond),
                             api_keys=(NewApiKey("b" * 64, "acct_x", "sk_test_bbbb"),))

    assert await log.keys.claim(TENANT, "k", "Op", REQUEST) == SavedResponse(_respond(stored))
    assert await log.account_for("b" * 64) == "acct_x"
    with pytest.raises(IdempotencyKeyReused):
        await log.keys.claim(TENANT, "k", "Op", OTHER_REQUEST)


async def test_positions_grow_in_commit_order_and_each_event_knows_its_commit_position(log: Log) -> None:
    first = await log.write(StreamAppend("ch_a", "Charge", 0, (note("a1"), note("a2"))),
                            StreamAppend("ledger:c:usd", "Ledger", 0, (note("l1"),)))
    second = await log.write(StreamAppend("ch_a", "Charge", 2, (note("a3"),)))

    positions = [e.global_position for e in first + second]
    assert positions == sorted(positions) and len(set(positions)) == 3 + 1
    assert {e.commit_position for e in first} == {first[-1].global_position}
    assert len({e.tx_id for e in first}) == 1 and first[0].tx_id != second[0].tx_id
    assert [e.aggregate_version for e in await log.store.read_stream("ch_a")] == [1, 2, 3]
    assert [e.aggregate_version for e in await log.store.read_stream("ch_a", after_version=1)] == [2, 3]
    chain = await log.store.read_stream("ch_a")
    assert [e.previous_event_hash for e in chain] == [None, chain[0].event_hash, chain[1].event_hash]


async def test_two_appends_to_one_stream_in_one_commit_are_refused_as_a_conflict(log: Log) -> None:
    with pytest.raises(WrongExpectedVersion):
        await log.write(StreamAppend("ch_twice", "Charge", 0, (note("one"),)),
                        StreamAppend("ch_twice", "Charge", 0, (note("two"),)))

    assert await log.store.read_stream("ch_twice") == []


async def test_a_guard_without_events_only_checks_its_stream_version(log: Log) -> None:
    await log.write(StreamAppend("dp_x", "Dispute", 0, (note("opened"),)))

    with pytest.raises(WrongExpectedVersion):
        await log.write(StreamAppend("ch_g", "Charge", 0, (note("charge"),)), StreamAppend("dp_x", "Dispute", 0, ()))
    stored = await log.write(StreamAppend("ch_g", "Charge", 0, (note("charge"),)),
                             StreamAppend("dp_x", "Dispute", 1, ()))

    assert [e.aggregate_id for e in stored] == ["ch_g"]


async def test_a_saved_refusal_comes_back_whole_and_a_released_key_is_free_again(log: Log) -> None:
    refusal = SavedRefusal("failed_precondition", "INSUFFICIENT_FUNDS", "Not enough.", "amount",
                           {"available": "10"})
    await log.keys.claim(TENANT, "refused", "Op", REQUEST)
    await log.keys.save_refusal(TENANT, "refused", refusal)
    await log.keys.claim(TENANT, "released", "Op", REQUEST)
    await log.keys.release(TENANT, "released")

    assert await log.keys.claim(TENANT, "refused", "Op", REQUEST) == refusal
    assert isinstance(await log.keys.claim(TENANT, "released", "Op", OTHER_REQUEST), Claimed)
    assert isinstance(await log.keys.claim("acct_other", "refused", "Op", REQUEST), Claimed)


async def test_stream_ids_are_the_tenants_streams_of_one_type(log: Log) -> None:
    await log.write(StreamAppend("ledger:c:usd", "Ledger", 0, (note("usd"),)),
                    StreamAppend("ledger:c:eur", "Ledger", 0, (note("eur"),)),
                    StreamAppend("ch_s", "Charge", 0, (note("charge"),)))
    await log.store.commit(Commit("acct_other", (StreamAppend("ledger:o:usd", "Ledger", 0, (note("o"),)),), audit()))

    assert sorted(await log.store.stream_ids(TENANT, "Ledger")) == ["ledger:c:eur", "ledger:c:usd"]
