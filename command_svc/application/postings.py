"""What several use cases share: building stream appends from decided events, posting to ledgers,
loading a charge, and the dispute stream that belongs to a charge."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from command_svc.application.event_records import to_new_event
from command_svc.application.ports import EventStore
from command_svc.application.streams import FoldedStreams, Loaded, load
from command_svc.domain import ledger, payments
from command_svc.domain.errors import NotFoundError
from command_svc.domain.events import LedgerEntryPosted
from eventlog.records import StreamAppend

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def appends_for(aggregate_id: str, aggregate_type: str, expected: int, events: Sequence[Any]) -> StreamAppend:
    return StreamAppend(aggregate_id, aggregate_type, expected, tuple(to_new_event(e) for e in events))


def unchanged(aggregate_id: str, aggregate_type: str, expected: int) -> StreamAppend:
    """A guard: the decision read this stream at `expected`; the append fails if it moved since."""
    return StreamAppend(aggregate_id, aggregate_type, expected, ())


def dispute_id_for(charge_id: str) -> str:
    """One dispute per charge: its stream id derives from the charge id, so a second dispute on the
    same charge meets the first one's stream and is refused."""
    return "dp_" + charge_id.removeprefix("ch_")


async def load_charge(store: EventStore, tenant_id: str, charge_id: str) -> Loaded[payments.ChargeState]:
    loaded = await load(store, charge_id, payments.fold)
    # Another tenant's charge is indistinguishable from a missing one.
    if not loaded.events or loaded.events[0].tenant_id != tenant_id or not charge_id.startswith("ch_"):
        raise NotFoundError("RESOURCE_MISSING", f"No such charge: '{charge_id}'", field="charge")
    return loaded


def ledger_streams(store: EventStore) -> FoldedStreams[ledger.LedgerState]:
    return FoldedStreams(store, ledger.evolve, ledger.initial_state)


async def ledger_appends(
    ledgers: FoldedStreams[ledger.LedgerState], commands: Sequence[ledger.LedgerCommand]
) -> list[StreamAppend]:
    """Decide every ledger command, in order, on fresh ledger state; one append per ledger stream, so
    two postings to the same stream in one command (a capture and a dispute reserve) chain correctly."""
    by_stream: dict[str, list[ledger.LedgerCommand]] = {}
    for command in commands:
        by_stream.setdefault(ledger.stream_id(command.account_id, command.currency), []).append(command)
    appends: list[StreamAppend] = []
    for stream, stream_commands in by_stream.items():
        loaded = await ledgers.load(stream)
        state = loaded.state
        posted: list[LedgerEntryPosted] = []
        for command in stream_commands:
            for entry in ledger.decide(command, state):
                state = ledger.evolve(state, entry)
                posted.append(entry)
        if posted:
            appends.append(appends_for(stream, "Ledger", loaded.version, posted))
    return appends
