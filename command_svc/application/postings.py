"""What several use cases share: building stream appends from decided events, posting to ledgers,
loading a charge, and the dispute stream that belongs to a charge."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from command_svc.application.event_records import to_new_event
from command_svc.application.pipeline import Decision
from command_svc.application.ports import EventStore
from command_svc.application.streams import HotStreams, Loaded, Reservation, load
from command_svc.domain import ledger, payments
from command_svc.domain.errors import DomainError, NotFoundError
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


def ledger_streams(store: EventStore) -> HotStreams[ledger.LedgerState]:
    return HotStreams(store, "Ledger", ledger.evolve, ledger.initial_state)


def ledger_ids(commands: Sequence[ledger.LedgerCommand]) -> list[str]:
    return list(dict.fromkeys(ledger.stream_id(c.account_id, c.currency) for c in commands))


@dataclass(frozen=True)
class Postings:
    appends: list[StreamAppend]
    reservations: list[Reservation]


def ledger_appends(ledgers: HotStreams[ledger.LedgerState], commands: Sequence[ledger.LedgerCommand]) -> Postings:
    """Decide every ledger command, in order, on the ledgers' heads in memory (see `on_hot_streams`);
    one append per ledger stream, so two postings to the same stream in one command (a capture and a
    dispute reserve) chain correctly. A refusal leaves every ledger as it was."""
    postings = Postings([], [])
    try:
        for stream in ledger_ids(commands):
            on_stream = [c for c in commands if ledger.stream_id(c.account_id, c.currency) == stream]
            appended = ledgers.append(stream, lambda state, posted=on_stream: _post_all(posted, state))  # type: ignore[misc]
            if appended is not None:
                postings.appends.append(appended[0])
                postings.reservations.append(appended[1])
    except BaseException:
        for reservation in postings.reservations:
            reservation.abandon()
        raise
    return postings


async def on_hot_streams(streams: Sequence[tuple[HotStreams[Any], str]], decide: Callable[[], Decision]) -> Decision:
    """Run `decide`, which decides on these hot streams' heads in memory without suspending. What it
    decides the log confirms when the commit is written; a refusal it raises is confirmed here: it
    must hold on the streams as the log has them, not only on the state in memory, which another
    writer may have moved."""
    for writer, stream_id in streams:
        await writer.ready(stream_id)
    try:
        return decide()
    except DomainError:
        for writer, stream_id in streams:
            await writer.load(stream_id)
        return decide()


async def with_postings(ledgers: HotStreams[ledger.LedgerState], appends: Sequence[StreamAppend],
                        commands: Sequence[ledger.LedgerCommand], result: Any) -> Decision:
    """A decision whose ledger postings are decided last, on the ledgers' heads in memory, and again
    on the ledgers as they are when the store rebases the commit."""

    def decide() -> Decision:
        posted = ledger_appends(ledgers, commands)
        return Decision([*appends, *posted.appends], result, reservations=posted.reservations, redecide=decide)

    return await on_hot_streams([(ledgers, stream) for stream in ledger_ids(commands)], decide)


def _post_all(commands: Sequence[ledger.LedgerCommand], state: ledger.LedgerState) -> list[LedgerEntryPosted]:
    posted: list[LedgerEntryPosted] = []
    for command in commands:
        for entry in ledger.decide(command, state):
            state = ledger.evolve(state, entry)
            posted.append(entry)
    return posted
