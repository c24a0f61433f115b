"""Reconciliation: recompute every balance from the ledger events in PostgreSQL (one aggregate query)
and compare it with the balance read model in Redis. Each difference comes with the ledger entries
behind it: those missing from the read model first, then the most recent ones."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from redis.asyncio import Redis

from eventlog.store import EventStore
from projector.positions import applied_position
from projector.projections.balance import BalanceProjection
from readmodel.keys import PATTERNS, Keys
from readmodel.ledger import BUCKETS, balance_sums

log = logging.getLogger(__name__)

SHOWN_ENTRIES = 50

_SUMS = """
SELECT coalesce(event_data->>'account_id', tenant_id) AS account, event_data->>'currency' AS currency,
       sum(coalesce((event_data->>'available_delta')::bigint, 0)),
       sum(coalesce((event_data->>'pending_delta')::bigint, 0)),
       sum(coalesce((event_data->>'reserved_delta')::bigint, 0)),
       count(*)
FROM events
WHERE event_type = 'LedgerEntryPosted' AND global_position <= %(upto)s
GROUP BY 1, 2
"""

_ENTRIES = """
SELECT global_position, event_data->>'entry_id', event_data->>'type', event_data->>'source_id',
       coalesce((event_data->>'available_delta')::bigint, 0), coalesce((event_data->>'pending_delta')::bigint, 0),
       coalesce((event_data->>'reserved_delta')::bigint, 0), created_at
FROM events
WHERE event_type = 'LedgerEntryPosted' AND aggregate_id = %(stream)s AND global_position <= %(upto)s
ORDER BY global_position DESC
"""


@dataclass(frozen=True)
class LedgerEntryLine:
    position: int
    entry_id: str
    entry_type: str
    source_id: str
    deltas: tuple[int, int, int]
    projected: bool

    def __str__(self) -> str:
        a, p, r = self.deltas
        mark = "" if self.projected else "  <- missing from the read model"
        return (f"#{self.position} {self.entry_id} {self.entry_type.removeprefix('LEDGER_ENTRY_TYPE_')} "
                f"{self.source_id or '-'} available{a:+d} pending{p:+d} reserved{r:+d}{mark}")


@dataclass
class BalanceDifference:
    account_id: str
    currency: str
    expected: dict[str, int]
    actual: dict[str, int]
    entry_count: int
    entries: list[LedgerEntryLine] = field(default_factory=list)

    def __str__(self) -> str:
        parts = [f"{b} log={self.expected[b]} redis={self.actual[b]} (diff {self.actual[b] - self.expected[b]:+d})"
                 for b in BUCKETS if self.expected[b] != self.actual[b]]
        lines = [f"{self.account_id} {self.currency}: " + "; ".join(parts) + f"; {self.entry_count} ledger entries"]
        lines += [f"    {entry}" for entry in self.entries]
        if self.entry_count > len(self.entries):
            lines.append(f"    ... {self.entry_count - len(self.entries)} older entries not shown")
        return "\n".join(lines)


@dataclass
class Reconciliation:
    balances: int
    upto_position: int
    differences: list[BalanceDifference]


async def reconcile(store: EventStore, redis: Redis, prefix: str) -> Reconciliation:
    # Only what the balance projection has had the chance to apply is compared, so lag is no difference.
    keys = Keys(prefix)
    upto, _ = await applied_position(store, redis, prefix, BalanceProjection.name)
    expected: dict[tuple[str, str], tuple[dict[str, int], int]] = {}
    async with store.pool.connection() as conn:
        cur = await conn.execute(_SUMS, {"upto": upto})
        for account, currency, available, pending, reserved, count in await cur.fetchall():
            expected[(account, currency)] = (
                {"available": int(available), "pending": int(pending), "reserved": int(reserved)}, int(count))
    actual: dict[tuple[str, str], dict[str, int]] = {}
    balances = keys.balance("")
    async for key in redis.scan_iter(match=prefix + PATTERNS.balance("*"), count=1000):
        account = str(key)[len(balances):]
        h: dict[str, str] = await redis.hgetall(key)  # type: ignore[assignment] # decode_responses
        for (currency, bucket), amount in balance_sums(h).items():
            actual.setdefault((account, currency), dict.fromkeys(BUCKETS, 0))[bucket] = amount
    differences = []
    for account, currency in sorted(set(expected) | set(actual)):
        want, count = expected.get((account, currency), (dict.fromkeys(BUCKETS, 0), 0))
        have = actual.get((account, currency), dict.fromkeys(BUCKETS, 0))
        if want != have:
            difference = BalanceDifference(account, currency, want, have, count)
            difference.entries = await _entries_behind(store, redis, prefix, account, currency, upto)
            differences.append(difference)
    return Reconciliation(len(set(expected) | set(actual)), upto, differences)


async def _entries_behind(store: EventStore, redis: Redis, prefix: str, account: str, currency: str,
                          upto: int) -> list[LedgerEntryLine]:
    lines: list[LedgerEntryLine] = []
    keys = Keys(prefix)
    async with store.pool.connection() as conn:
        cur = await conn.execute(_ENTRIES, {"stream": f"ledger:{account}:{currency}", "upto": upto})
        while batch := await cur.fetchmany(500):
            pipe = redis.pipeline(transaction=False)
            for row in batch:
                pipe.exists(keys.balance_transaction(row[1]))
            for row, exists in zip(batch, await pipe.execute(), strict=True):
                line = LedgerEntryLine(row[0], row[1], row[2] or "", row[3] or "", (row[4], row[5], row[6]), bool(exists))
                if not line.projected or len(lines) < SHOWN_ENTRIES:
                    lines.append(line)
    missing = [line for line in lines if not line.projected]
    recent = [line for line in lines if line.projected][: max(0, SHOWN_ENTRIES - len(missing))]
    return missing + recent


async def reconcile_periodically(store: EventStore, redis: Redis, prefix: str, stop: asyncio.Event,
                                 interval_s: float = 86_400.0) -> None:
    """What `ledgermesh up` runs: a reconciliation every `interval_s` (daily), each difference logged
    as an error with the entries behind it."""
    while True:
        try:
            await asyncio.wait_for(stop.wait(), interval_s)
            return
        except TimeoutError:
            pass
        try:
            result = await reconcile(store, redis, prefix)
        except Exception:  # noqa: BLE001 - a failed run must not end the schedule; say why and retry tomorrow
            log.exception("daily reconciliation failed")
            continue
        for difference in result.differences:
            log.error("balance differs from the log:\n%s", difference)
        log.info("daily reconciliation: %d balances, %d differ", result.balances, len(result.differences))
