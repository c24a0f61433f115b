"""Projections under failure and operations: redelivery, a killed projector, a flushed Redis, poison
events, filtered replay and reconciliation. Real PostgreSQL, NATS JetStream and Redis."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from ledgermesh.events.v1 import envelope_pb2, payment_events_pb2
from ledgermesh.payments.v1 import payment_service_pb2 as pay
from nats.js.errors import NotFoundError

from composition.infrastructure import Infrastructure
from projector import keyspace
from projector.dead_letters import dead_letters, replay_dead_letters
from projector.projections import all_projections, projection_named
from projector.rebuild import EventFilter, LogReplayer, parse_where, rebuild, rebuild_many, replay
from projector.reconcile import reconcile
from tests.conftest import eventually
from tests.integration.projections_support import Stack, stack  # noqa: F401 - fixture

AMOUNTS = [1_500, 250_000, 99_999, 100_001, 4_200, 180_000, 700, 2_000_000]


async def _traffic(stack: Stack) -> list[str]:
    """Two merchants, charges in two currencies (one declined), refunds and a capture later."""
    ids = []
    first, second = await stack.merchant(), await stack.merchant()
    for i, amount in enumerate(AMOUNTS):
        merchant = first if i % 3 else second
        created = await stack.charge(merchant, amount, "usd" if i % 2 else "eur",
                                     metadata={"order": f"o-{i}"}, customer=f"cus_{i % 2}")
        ids.append(created.charge.id)
        if i % 4 == 1:
            await stack.payments.CreateRefund(pay.CreateRefundRequest(charge_id=created.charge.id, amount=500),
                                              metadata=merchant.metadata)
    await stack.charge(first, 3_000, source="tok_chargeDeclined")
    held = await stack.charge(first, 8_000, capture=False)
    await stack.payments.CaptureCharge(pay.CaptureChargeRequest(charge_id=held.charge.id), metadata=first.metadata)
    return ids


async def test_redelivering_every_event_leaves_every_read_model_unchanged(stack: Stack) -> None:
    stack.start_projector()
    await _traffic(stack)
    await stack.settle()
    before = await stack.dump()

    # A second durable consumer reads the whole stream again through the live code path.
    stack.start_projector(durable_prefix="again")
    await eventually(stack.projected_everything, message="redelivery never finished")
    for projection in all_projections():
        await LogReplayer(stack.infra.store, stack.infra.redis, projection, stack.prefix).run(EventFilter())

    assert await stack.dump() == before


async def test_a_projector_killed_mid_stream_and_restarted_equals_a_fresh_rebuild(stack: Stack) -> None:
    await _traffic(stack)
    await _traffic(stack)
    stack.start_projector()

    async def some_applied() -> bool:
        stats = await stack.infra.redis.hget(f"{stack.prefix}proj:events:stats", "applied")
        return int(stats or 0) > 5

    await eventually(some_applied)
    await stack.kill_projector()
    stack.start_projector()
    await stack.settle(timeout=60)

    for projection in all_projections():
        result = await rebuild(stack.infra.store, stack.infra.redis, stack.prefix, projection, dry_run=True)
        assert result.diff.differences == 0, (projection.name, result.diff.examples)
        assert result.build.events == await stack.event_count()


async def test_flushing_redis_then_rebuilding_gives_the_same_read_models(stack: Stack) -> None:
    stack.start_projector()
    await _traffic(stack)
    await stack.settle()
    await stack.stop_projector()
    before = await stack.dump()
    before_events = await stack.event_count()
    assert before

    async for key in stack.infra.redis.scan_iter(match=stack.prefix + "*", count=1000):
        await stack.infra.redis.delete(key)
    results = await rebuild_many(stack.infra.store, stack.infra.redis, stack.prefix, all_projections())
    assert all(r.switched and r.build.failed == 0 and r.build.events == before_events for r in results)

    assert await stack.dump() == before
    rebuild_leftovers = [k async for k in stack.infra.redis.scan_iter(match=f"{stack.prefix}rb[0-9]*:*")]
    assert rebuild_leftovers == []


async def test_a_rebuild_repairs_a_corrupted_read_model_and_the_dry_run_shows_the_diff(stack: Stack) -> None:
    stack.start_projector()
    charge_ids = await _traffic(stack)
    await stack.settle()
    redis = stack.infra.redis
    await redis.hset(f"{stack.prefix}charge:{charge_ids[0]}", "amount", "1")
    await redis.delete(f"{stack.prefix}charge:{charge_ids[1]}:metadata")
    await redis.set(f"{stack.prefix}charge:ch_ghost", "x")
    charges = projection_named("charges")

    dry = await rebuild(stack.infra.store, redis, stack.prefix, charges, dry_run=True)
    assert (dry.diff.changed, dry.diff.only_new, dry.diff.only_live) == (1, 1, 1), dry.diff.examples
    changed = next(line for line in dry.diff.examples if line.startswith("~ "))
    assert f"charge:{charge_ids[0]}: live ('hash'" in changed and "rebuilt ('hash'" in changed
    assert await redis.hget(f"{stack.prefix}charge:{charge_ids[0]}", "amount") == "1"

    await rebuild(stack.infra.store, redis, stack.prefix, charges)
    assert await redis.hget(f"{stack.prefix}charge:{charge_ids[0]}", "amount") == str(AMOUNTS[0])
    assert await redis.hgetall(f"{stack.prefix}charge:{charge_ids[1]}:metadata") == {"order": "o-1"}
    assert not await redis.exists(f"{stack.prefix}charge:ch_ghost")


async def test_a_poison_event_is_dead_lettered_and_the_consumer_keeps_going(stack: Stack) -> None:
    stack.start_projector()
    merchant = await stack.merchant()
    js = stack.infra.nc.jetstream()
    subject = f"{stack.infra.settings.subject_prefix}.payments.ChargeRequested"
    # Not protobuf at all, and a well-formed event the charges projection cannot apply (no charge id).
    await js.publish(subject, b"\xff\x00not an envelope", headers={"Nats-Msg-Id": "poison-1"})
    envelope = envelope_pb2.EventEnvelope(event_id="11111111-1111-1111-1111-111111111111",
                                          event_type="ChargeRequested", aggregate_type="Charge",
                                          aggregate_id="ch_poison", aggregate_version=1, global_position=10**9,
                                          tenant_id=merchant.account_id)
    envelope.occurred_at.FromDatetime(datetime.now(UTC))
    envelope.payload.Pack(payment_events_pb2.ChargeRequested(amount=100, currency="usd"))
    await js.publish(subject, envelope.SerializeToString(), headers={"Nats-Msg-Id": "poison-2"})

    created = await stack.charge(merchant, 4_000)

    async def charged() -> bool:
        return await stack.infra.redis.hget(f"{stack.prefix}charge:{created.charge.id}", "status") == "succeeded"

    await eventually(charged, message="the consumer stopped after the poison events")

    async def dead() -> list[dict[str, object]]:
        return await dead_letters(stack.infra.redis, stack.prefix, "charges")

    # The whole outcome, polled to a deadline: both poison events dead-lettered for charges after
    # their last delivery; the events projection applied the well-formed one (it names no charge but
    # is an event all the same) and dead-lettered only the undecodable one.
    async def settled() -> tuple[list[dict[str, object]], list[dict[str, object]]] | None:
        records = await dead()
        events_dead = await dead_letters(stack.infra.redis, stack.prefix, "events")
        applied = await stack.infra.redis.hget(f"{stack.prefix}proj:events:versions", "ch_poison")
        if len(records) == 2 and applied == "1" and len(events_dead) == 1:
            return records, events_dead
        return None

    records, events_dead = await eventually(settled, timeout=15, message="poison events never settled")
    assert sorted(r["event_type"] for r in records) == ["", "ChargeRequested"]
    assert {r["subject"] for r in records} == {subject}
    assert any("KeyError" in str(r["error"]) for r in records)
    assert any("EventEnvelope" in str(r["error"]) for r in records)
    assert all(r["deliveries"] == 3 for r in records)
    assert events_dead[0]["event_type"] == "" and "EventEnvelope" in str(events_dead[0]["error"])

    # Neither is in the log, so a replay keeps them and says so.
    outcome = await replay_dead_letters(stack.infra.store, stack.infra.redis, stack.prefix, projection_named("charges"))
    assert outcome.replayed == [] and len(outcome.missing) == 2
    assert len(await dead()) == 2


async def test_filtered_replay_feeds_exactly_the_events_sql_selects(stack: Stack) -> None:
    stack.start_projector()
    await _traffic(stack)
    await stack.settle()
    where, params = parse_where("amount>100000")
    events_filter = EventFilter(event_types=("PaymentAuthorized",), since=datetime.now(UTC) - timedelta(days=30),
                                data_sql=where, data_params=params)

    target, result = await replay(stack.infra.store, stack.infra.redis, stack.prefix, projection_named("analytics"),
                                  events_filter, keep_ids=True)

    expected = await stack.scalar(
        "SELECT array_agg(event_id::text ORDER BY global_position) FROM events WHERE event_type = 'PaymentAuthorized'"
        " AND created_at >= now() - interval '30 days' AND (event_data->>'amount')::numeric > 100000")
    assert result.event_ids == expected
    assert result.events == len([a for a in AMOUNTS if a > 100_000]) == result.applied
    # The new read model holds only the matching events: their volume, no attempts.
    volume = 0
    async for key in stack.infra.redis.scan_iter(match=f"{target}an:*"):
        h = await stack.infra.redis.hgetall(key)
        assert "count" not in h
        volume += sum(int(v) for name, v in h.items() if name.startswith("volume:"))
    assert volume == sum(a for a in AMOUNTS if a > 100_000)

    # Into the live read model, nothing changes: every event is already applied.
    _, live = await replay(stack.infra.store, stack.infra.redis, stack.prefix, projection_named("analytics"),
                           events_filter, into_live=True)
    assert (live.applied, live.duplicates) == (0, result.events)


async def test_reconciliation_reports_an_injected_corruption_with_its_ledger_entries(stack: Stack) -> None:
    stack.start_projector()
    await _traffic(stack)
    await stack.settle()
    store, redis = stack.infra.store, stack.infra.redis
    assert (await reconcile(store, redis, stack.prefix)).differences == []

    account = await stack.scalar("SELECT tenant_id FROM events WHERE event_type = 'LedgerEntryPosted'"
                                 " AND event_data->>'currency' = 'usd' LIMIT 1")
    entries = await stack.scalar(
        "SELECT array_agg(event_data->>'entry_id') FROM events WHERE aggregate_id = %s", (f"ledger:{account}:usd",))
    lost = await stack.scalar("SELECT event_data FROM events WHERE aggregate_id = %s ORDER BY global_position LIMIT 1",
                              (f"ledger:{account}:usd",))
    # One entry's effect and its balance transaction vanish from Redis.
    await redis.hincrby(f"{stack.prefix}bal:{account}", "usd:pending", -int(lost.get("pending_delta", 0)))
    await redis.hincrby(f"{stack.prefix}bal:{account}", "usd:available", -int(lost.get("available_delta", 0)))
    await redis.delete(f"{stack.prefix}txn:{lost['entry_id']}")

    result = await reconcile(store, redis, stack.prefix)

    assert len(result.differences) == 1
    difference = result.differences[0]
    assert (difference.account_id, difference.currency) == (account, "usd")
    assert difference.entries[0].entry_id == lost["entry_id"] and not difference.entries[0].projected
    assert {e.entry_id for e in difference.entries} == set(entries)
    assert lost["entry_id"] in str(difference) and "missing from the read model" in str(difference)
    assert json.dumps(difference.expected) != json.dumps(difference.actual)


async def test_key_digests_tell_equal_read_models_from_different_ones(infra: Infrastructure) -> None:
    redis, p = infra.redis, infra.settings.redis_prefix
    await redis.hset(f"{p}a:h", mapping={"x": "1", "y": "2"})
    await redis.hset(f"{p}b:h", mapping={"y": "2", "x": "1"})  # the same hash, written in another order
    await redis.hset(f"{p}c:h", mapping={"x": "1", "y": "3"})
    await redis.zadd(f"{p}a:z", {"m1": 1.5, "m2": 1796123734027248})
    await redis.zadd(f"{p}b:z", {"m2": 1796123734027248, "m1": 1.5})
    await redis.zadd(f"{p}c:z", {"m1": 1.5, "m2": 1796123734027249})
    await redis.sadd(f"{p}a:s", "q", "r")
    await redis.sadd(f"{p}b:s", "r", "q")
    await redis.set(f"{p}a:t", "1:x,2")
    await redis.set(f"{p}b:t", "1:x,2")
    await redis.set(f"{p}c:t", "1:x")

    a = await keyspace.digests(redis, [f"{p}a:{k}" for k in ("h", "z", "s", "t")])
    b = await keyspace.digests(redis, [f"{p}b:{k}" for k in ("h", "z", "s", "t")])
    c = await keyspace.digests(redis, [f"{p}c:{k}" for k in ("h", "z", "t", "missing")])
    assert a == b
    assert all(x != y for x, y in zip([a[0], a[1], a[3]], c[:3], strict=True))
    assert c[3] == "" and a[0].startswith("hash:") and a[1].startswith("zset:")
