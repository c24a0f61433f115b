"""The relay republishes from the log without ever skipping a transaction that committed late, and
publishes what a writer committed but never published."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg

from composition.infrastructure import Infrastructure
from eventlog.bus import EventPublisher, Relay
from eventlog.integrity import Signer
from eventlog.records import StreamAppend
from eventlog.store import EventStore
from tests.integration.conftest import append_notes, audit, note


async def _published_ids(infra: Infrastructure) -> set[str]:
    js = infra.nc.jetstream()
    info = await js.stream_info(infra.settings.stream_name)
    ids: set[str] = set()
    if not info.state.messages:
        return ids
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        message = await js.get_msg(infra.settings.stream_name, seq)
        ids.add((message.headers or {})["Nats-Msg-Id"])
    return ids


def _relay(infra: Infrastructure) -> Relay:
    return Relay(infra.store, EventPublisher(infra.nc.jetstream(), infra.settings.subject_prefix))


async def test_given_a_transaction_that_commits_after_a_later_position_then_the_relay_still_delivers_it(
    infra, settings,
) -> None:
    relay = _relay(infra)
    assert settings.database_url
    async with await psycopg.AsyncConnection.connect(
        settings.database_url, options=f"-c search_path={settings.db_schema}"
    ) as slow:
        # The slow writer takes its position first and holds its transaction open...
        held = await infra.store._append_in(slow, "acct_test", [
            StreamAppend("ledger:acct_test:usd", "Ledger", 0, (note("slow"),))], audit())
        # ...while a fast writer takes a later position and commits.
        fast = await append_notes(infra, "ledger:acct_other:usd", 0, "fast", tenant="acct_other")
        assert held[0].global_position < fast[0].global_position

        await relay.run_once()
        # A reader that remembered "last position seen" would now be past the slow event for good.
        assert str(held[0].event_id) not in await _published_ids(infra)

        await slow.commit()

    await relay.run_once()

    published = await _published_ids(infra)
    assert {str(held[0].event_id), str(fast[0].event_id)} <= published
    assert await relay.backlog() == 0


async def test_given_events_committed_but_never_published_when_the_relay_runs_then_they_arrive_once(infra) -> None:
    # The command process died between commit and publish: the events exist only in the log.
    stored = await infra.store.append("acct_test", [
        StreamAppend("ch_orphan", "Charge", 0, (note("a"), note("b"))),
        StreamAppend("ledger:acct_test:usd", "Ledger", 0, (note("c"),)),
    ], audit())
    assert not await _published_ids(infra) & {str(e.event_id) for e in stored}

    await _relay(infra).run_once()
    # A second relay (a restarted process) from the saved checkpoint republishes nothing new.
    await _relay(infra).run_once()

    info = await infra.nc.jetstream().stream_info(infra.settings.stream_name)
    assert await _published_ids(infra) == {str(e.event_id) for e in stored}
    assert info.state.messages == 3


async def test_given_a_relay_next_to_a_fast_path_then_it_leaves_the_young_events_to_it_and_relays_them_once_old(
    infra,
) -> None:
    written_long_ago = EventStore(infra.pool, Signer.generate(), clock=lambda: datetime.now(UTC) - timedelta(hours=2))
    old = await written_long_ago.append("acct_test", [StreamAppend("ch_old", "Charge", 0, (note("old"),))], audit())
    young = await append_notes(infra, "ledger:acct_test:usd", 0, "young")
    beside_a_fast_path = Relay(infra.store, EventPublisher(infra.nc.jetstream(), infra.settings.subject_prefix),
                               grace=timedelta(hours=1))

    assert await beside_a_fast_path.run_once() == 1
    assert await _published_ids(infra) == {str(old[0].event_id)}

    # Nothing the fast path failed to send stays behind: once old enough, the relay sends it.
    assert await _relay(infra).run_once() == 1
    assert await _published_ids(infra) == {str(old[0].event_id), str(young[0].event_id)}
    assert await _relay(infra).backlog() == 0
