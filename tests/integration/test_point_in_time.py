"""The books as they stood: a projection rebuilt as of a time or a log position into a prefix of its
own (the live read model untouched), and an account's balance as of a time from the CLI."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from composition.infrastructure import Infrastructure
from eventlog.records import NewEvent, StoredEvent, StreamAppend
from eventlog.store import EventStore
from support.settings import Settings
from tests.integration.audit_support import ledgermesh
from tests.integration.conftest import audit

QUARTER_END = datetime(2026, 4, 1, tzinfo=UTC)


def _entry(n: int, pending: int) -> NewEvent:
    return NewEvent("LedgerEntryPosted", {"entry_id": f"le_{n}", "account_id": "acct_pit", "currency": "usd",
                                          "type": "LEDGER_ENTRY_TYPE_CHARGE", "amount": pending, "net": pending,
                                          "pending_delta": pending})


async def _quarter(infra: Infrastructure) -> list[StoredEvent]:
    """Two entries before the quarter's end and one after, at fixed times."""
    moments: Iterator[datetime] = iter([QUARTER_END - timedelta(days=20), QUARTER_END - timedelta(seconds=1),
                                        QUARTER_END + timedelta(days=3)])
    store = EventStore(infra.pool, infra.signer, clock=lambda: next(moments))
    stored: list[StoredEvent] = []
    for n, pending in enumerate((1000, 250, 7000)):
        stored += await store.append("acct_pit", [StreamAppend("ledger:acct_pit:usd", "Ledger", n,
                                                               (_entry(n, pending),))], audit())
    return stored


async def test_the_balance_as_of_a_time_or_a_position_counts_only_what_the_log_held_then(infra, settings) -> None:
    stored = await _quarter(infra)

    at_close = ledgermesh(settings, "balance", "--account", "acct_pit", "--as-of", "2026-04-01")
    at_first = ledgermesh(settings, "balance", "--account", "acct_pit", "--as-of", str(stored[0].global_position))
    now = ledgermesh(settings, "balance", "--account", "acct_pit", "--as-of", "2027-01-01")

    assert at_close.returncode == 0, at_close.stdout + at_close.stderr
    assert json.loads(at_close.stdout)["balances"] == {"usd": {"available": 0, "pending": 1250, "reserved": 0}}
    assert json.loads(at_first.stdout)["balances"]["usd"]["pending"] == 1000
    assert json.loads(now.stdout)["balances"]["usd"]["pending"] == 8250


async def test_a_projection_rebuilt_as_of_a_time_lands_in_its_own_prefix_and_leaves_the_live_one_alone(
    infra, settings: Settings,
) -> None:
    await _quarter(infra)
    redis = Redis.from_url(settings.redis_url, decode_responses=True)
    try:
        await redis.hset(f"{settings.redis_prefix}bal:acct_pit", mapping={"usd:pending": "8250"})

        result = ledgermesh(settings, "rebuild", "balance", "--as-of", "2026-04-01T00:00:00Z")

        assert result.returncode == 0, result.stdout + result.stderr
        match = re.search(r"under the prefix '([^']+)'", result.stdout)
        assert match and match.group(1) != settings.redis_prefix, result.stdout
        as_of = await redis.hgetall(f"{match.group(1)}bal:acct_pit")
        assert (as_of["usd:pending"], as_of["usd:available"]) == ("1250", "0")
        assert await redis.hgetall(f"{settings.redis_prefix}bal:acct_pit") == {"usd:pending": "8250"}
        assert await redis.exists(f"{match.group(1)}txn:le_2") == 0 and await redis.exists(f"{match.group(1)}txn:le_1")
    finally:
        await redis.aclose()
