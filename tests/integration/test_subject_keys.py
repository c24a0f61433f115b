"""The key store on the real PostgreSQL: a key exists exactly when events sealed with it do, the
command side reads its streams opened, a destroyed key reads "[redacted]", and a writer that learns
of an erasure made elsewhere seals the subject's new data with a new key."""

from __future__ import annotations

from eventcodec.personal import REDACTED
from eventlog.errors import WrongExpectedVersion
from eventlog.records import NewEvent, StreamAppend
from eventlog.store import EventStore
from eventlog.subject_keys import WRITER_KEY_CHECK_S, SubjectKeys, destroy_subject, subject_key_ids
from tests.integration.conftest import audit


def _onboarded(email: str) -> NewEvent:
    return NewEvent("AccountOnboarded", {"account_id": "acct_k", "email": email, "country": "FR"})


def _updated(version: int, description: str) -> StreamAppend:
    return StreamAppend("ch_k", "Charge", version, (NewEvent("ChargeUpdated", {
        "charge_id": "ch_k", "description": description, "description_set": True}),))


async def _keys(infra, subject: str) -> list[tuple[str, str, bool]]:
    async with infra.pool.connection() as conn:
        return await subject_key_ids(conn, subject)


async def test_a_refused_commit_leaves_no_key_and_the_next_one_stores_it_with_its_events(infra) -> None:
    store = infra.store
    await store.append("acct_k", [_updated(0, "first")], audit())
    (key_id, tenant, destroyed), = await _keys(infra, "acct_k")
    assert (tenant, destroyed) == ("acct_k", False)

    try:
        await store.append("acct_other", [_updated(0, "a conflicting write")], audit())
    except WrongExpectedVersion:
        pass
    assert [k for k, _, _ in await _keys(infra, "acct_other")] == []
    await store.append("acct_other", [_updated(1, "second")], audit())
    assert [destroyed for _, _, destroyed in await _keys(infra, "acct_other")] == [False]

    # The command side reads its streams opened; the table holds only ciphertext.
    assert [e.data["description"] for e in await store.read_stream("ch_k")] == ["first", "second"]
    async with infra.pool.connection() as conn:
        cur = await conn.execute("SELECT count(*) FROM events WHERE event_data::text LIKE '%%first%%'"
                                 " OR event_data::text LIKE '%%second%%'")
        assert await cur.fetchone() == (0,)


async def test_a_destroyed_key_reads_redacted_and_the_writer_then_seals_with_a_new_key(infra, settings) -> None:
    now = [1000.0]
    keys = SubjectKeys(infra.subject_keys.master, clock=lambda: now[0])
    store = EventStore(infra.pool, infra.signer, personal=keys)
    await store.append("acct_k", [StreamAppend("acct_k", "Account", 0, (_onboarded("old@example.com"),))], audit())
    (first_key, _, _), = await _keys(infra, "acct_k")

    async with infra.pool.connection() as conn, conn.transaction():
        assert await destroy_subject(conn, "acct_k") == [first_key]
    now[0] += WRITER_KEY_CHECK_S
    await store.append("acct_k", [_updated(0, "new data after the erasure")], audit())

    keys_now = await _keys(infra, "acct_k")
    assert [(k == first_key, destroyed) for k, _, destroyed in keys_now] == [(True, True), (False, False)]
    # A fresh reader (another process) opens only what the live key seals.
    reader = EventStore(infra.pool, infra.signer, personal=SubjectKeys(infra.subject_keys.master))
    (onboarded,) = await reader.read_stream("acct_k")
    assert (onboarded.data["email"], onboarded.data["country"]) == (REDACTED, "FR")
    (updated,) = await reader.read_stream("ch_k")
    assert updated.data["description"] == "new data after the erasure"
