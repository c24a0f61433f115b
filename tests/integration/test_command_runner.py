"""The command pipeline on the real event log: a version conflict re-decides on fresh state, a bounded
number of times, then answers ABORTED (ConcurrencyError)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from command_svc.application.pipeline import CommandRunner, Decision
from command_svc.domain.errors import ConcurrencyError
from composition.infrastructure import Infrastructure
from eventlog.bus import EventPublisher
from eventlog.idempotency import IdempotencyKeys
from eventlog.records import StreamAppend
from tests.integration.conftest import append_notes, audit, note

STREAM = "ledger:acct_test:usd"


def _runner(infra: Infrastructure) -> CommandRunner:
    publisher = EventPublisher(infra.nc.jetstream(), infra.settings.subject_prefix)
    return CommandRunner(infra.store, IdempotencyKeys(infra.pool, timedelta(hours=24)), publisher,
                         max_attempts=4, max_backoff_s=0.001)


async def test_given_a_conflict_once_then_the_command_re_decides_on_fresh_state_and_commits(infra) -> None:
    await append_notes(infra, STREAM, 0, "opening")
    seen_versions: list[int] = []

    async def decide() -> Decision:
        version = await infra.store.stream_version(STREAM)
        seen_versions.append(version)
        if len(seen_versions) == 1:
            await append_notes(infra, STREAM, version, "a concurrent writer")  # lands between read and append
        return Decision([StreamAppend(STREAM, "Ledger", version, (note("ours"),))], None)

    await _runner(infra).run(tenant_id="acct_test", operation="Test", audit=audit(), decide=decide,
                             present=lambda _result, _stored: None)

    assert seen_versions == [1, 2]
    assert [e.data["entry_id"] for e in await infra.store.read_stream(STREAM)] == [
        "opening", "a concurrent writer", "ours"]


async def test_given_a_stream_that_always_moves_then_the_command_gives_up_after_bounded_attempts(infra) -> None:
    await append_notes(infra, STREAM, 0, "opening")
    attempts = 0

    async def decide() -> Decision:
        nonlocal attempts
        attempts += 1
        return Decision([StreamAppend(STREAM, "Ledger", 0, (note("stale"),))], None)

    with pytest.raises(ConcurrencyError) as gave_up:
        await _runner(infra).run(tenant_id="acct_test", operation="Test", audit=audit(), decide=decide,
                                 present=lambda _result, _stored: None)

    assert gave_up.value.reason == "CONCURRENT_MODIFICATION"
    assert attempts == 4
    assert len(await infra.store.read_stream(STREAM)) == 1
