"""An account's balances as its ledger streams stood at a point of the log: the platform operator's
audit read (docs/audit.md section 8). Each ledger stream is read from the log and folded up to that
point, so the answer never depends on a projection's lag, and it is what `ledgermesh balance
--as-of` computes from the balance projection rebuilt to the same point."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from command_svc.application.event_records import from_stored
from command_svc.application.ports import EventStore
from command_svc.domain import ledger
from command_svc.domain.errors import ValidationError
from command_svc.domain.events import LedgerEntryPosted
from eventlog.records import StoredEvent


@dataclass(frozen=True)
class AsOf:
    """A point of the log, read as `rebuild --as-of` reads it: a global position (the events at or
    below it) or a time (the events created before it)."""

    position: int | None = None
    moment: datetime | None = None

    def includes(self, event: StoredEvent) -> bool:
        if self.position is not None:
            return event.global_position <= self.position
        assert self.moment is not None
        return event.created_at < self.moment

    def check(self, now: datetime) -> None:
        if self.position is not None and self.position < 0:
            raise ValidationError("AS_OF_INVALID", "as_of_position must be a global position, 0 or more.",
                                  field="as_of_position")
        if self.moment is not None and self.moment > now:
            # The books of a time still to come are not known yet: an answer would change later.
            raise ValidationError("AS_OF_IN_FUTURE", "as_of must not be in the future.", field="as_of")


@dataclass(frozen=True)
class BalancesAsOf:
    # One state per ledger stream (account and currency) with entries by then, by currency.
    ledgers: tuple[ledger.LedgerState, ...]
    entries: int
    last_position: int


async def balances_as_of(store: EventStore, tenant_id: str, as_of: AsOf, now: datetime) -> BalancesAsOf:
    as_of.check(now)
    ledgers: list[ledger.LedgerState] = []
    entries, last_position = 0, 0
    for stream in sorted(await store.stream_ids(tenant_id, "Ledger")):
        stored = [e for e in await store.read_stream(stream) if as_of.includes(e)]
        if not stored:
            continue
        entries_then = (from_stored(e.event_type, e.data) for e in stored)
        ledgers.append(ledger.fold(e for e in entries_then if isinstance(e, LedgerEntryPosted)))
        entries += len(stored)
        last_position = max(last_position, *(e.global_position for e in stored))
    return BalancesAsOf(tuple(ledgers), entries, last_position)
