"""Rebuild as a fold: writes merged per key in memory, chunk by chunk, give exactly what applying each
command in order gives, and a rebuild folded in tiny chunks, or by two processes, equals the live read
models key for key.
Real PostgreSQL, NATS JetStream and Redis."""

from __future__ import annotations

import random
from functools import partial

from ledgermesh.disputes.v1 import dispute_service_pb2 as dsp
from ledgermesh.disputes.v1 import dispute_service_pb2_grpc
from ledgermesh.payments.v1 import payment_service_pb2 as pay
from redis.asyncio import Redis

from composition.cli_readside import fold_worker_side
from projector import keyspace
from projector.fold import Fold
from projector.projections import all_projections
from projector.projections.base import Op
from projector.rebuild import rebuild_many
from support.settings import Settings
from tests.integration.projections_support import Stack, stack  # noqa: F401 - fixture

HASHES, ZSETS, STRINGS = ("h1", "h2"), ("z1", "z2"), ("s1",)
FIELDS, MEMBERS = ("a", "b", "c"), ("m1", "m2", "m3")


def _random_op(rng: random.Random) -> Op:
    kind = rng.choice(["HSET", "HSET", "HINCRBY", "HINCRBY", "HDEL", "HSETNX", "ZADD", "ZREM", "SET", "PUBLISH"])
    if kind == "HSET":
        pairs: list[str] = []
        for field in rng.sample(FIELDS, rng.randint(1, 2)):
            pairs += (field, str(rng.randint(-5, 50)))
        return ("HSET", rng.choice(HASHES), *pairs)
    if kind == "HINCRBY":
        return ("HINCRBY", rng.choice(HASHES), rng.choice(FIELDS), str(rng.randint(-3, 9)))
    if kind == "HDEL":
        return ("HDEL", rng.choice(HASHES), *rng.sample(FIELDS, rng.randint(1, 2)))
    if kind == "HSETNX":
        return ("HSETNX", rng.choice(HASHES), rng.choice(FIELDS), str(rng.randint(0, 9)))
    if kind == "ZADD":
        return ("ZADD", rng.choice(ZSETS), str(rng.randint(0, 5)), rng.choice(MEMBERS))
    if kind == "ZREM":
        return ("ZREM", rng.choice(ZSETS), rng.choice(MEMBERS))
    if kind == "SET":
        return ("SET", rng.choice(STRINGS), f"v{rng.randint(0, 9)}")
    return ("PUBLISH", "nobody-listens", "x")


def _under(prefix: str, op: Op) -> Op:
    return op if op[0] == "PUBLISH" else (op[0], prefix + op[1], *op[2:])


async def _snapshot(redis: Redis, prefix: str) -> list[str]:
    return await keyspace.digests(redis, [prefix + k for k in (*HASHES, *ZSETS, *STRINGS)])


async def test_folding_writes_chunk_by_chunk_gives_what_applying_each_command_in_order_gives(
        settings: Settings, cleanup: None) -> None:
    redis = Redis.from_url(settings.redis_url or "", decode_responses=True)
    rng = random.Random(13)
    try:
        for case in range(150):
            ordered, folded = f"{settings.redis_prefix}o{case}:", f"{settings.redis_prefix}f{case}:"
            history = [_random_op(rng) for _ in range(rng.randint(0, 6))]  # what the keys held before
            ops = [_random_op(rng) for _ in range(rng.randint(1, 40))]
            for op in history + ops:
                await redis.execute_command(*_under(ordered, op))
            for op in history:
                await redis.execute_command(*_under(folded, op))
            rest = list(ops)
            while rest:
                size = rng.randint(1, 12)
                chunk, rest = rest[:size], rest[size:]
                fold = Fold()
                fold.add_all(_under(folded, op) for op in chunk)
                for command in fold.commands():
                    await redis.execute_command(*command)
            assert await _snapshot(redis, folded) == await _snapshot(redis, ordered), (case, history, ops)
    finally:
        await redis.aclose()


async def _story(stack: Stack) -> None:
    """Charges of two merchants with refunds, metadata removed, a dispute with evidence, a decline;
    then the projector stopped with everything applied."""
    stack.start_projector()
    first, second = await stack.merchant(), await stack.merchant()
    disputes = dispute_service_pb2_grpc.DisputeCommandServiceStub(stack.command)
    for i, amount in enumerate([1_500, 250_000, 99_999, 4_200, 700]):
        merchant = first if i % 2 else second
        created = await stack.charge(merchant, amount, "usd" if i % 2 else "eur", metadata={"order": f"o-{i}", "k": "v"})
        await stack.payments.CreateRefund(pay.CreateRefundRequest(charge_id=created.charge.id, amount=100),
                                          metadata=merchant.metadata)
        # Setting a metadata key to "" removes it (HDEL), after its HSET.
        await stack.payments.UpdateCharge(pay.UpdateChargeRequest(charge_id=created.charge.id, metadata={"k": ""},
                                                                  description="updated"), metadata=merchant.metadata)
    disputed = await stack.charge(first, 10_000, source="tok_createDispute")
    # Evidence files are HSETNX writes; a field given "" is cleared.
    await disputes.SubmitEvidence(dsp.SubmitEvidenceRequest(
        dispute_id=disputed.charge.dispute, evidence={"product_description": "a lamp", "customer_name": "Ann"},
        file_references=["file_1", "file_2"]), metadata=first.metadata)
    await disputes.SubmitEvidence(dsp.SubmitEvidenceRequest(
        dispute_id=disputed.charge.dispute, evidence={"customer_name": ""}, file_references=["file_2", "file_3"],
        submit=True), metadata=first.metadata)
    await stack.charge(first, 3_000, source="tok_chargeDeclined")
    await stack.settle()
    await stack.stop_projector()


async def test_a_rebuild_folded_in_tiny_chunks_equals_the_live_read_models_key_for_key(stack: Stack) -> None:
    await _story(stack)
    live = await stack.dump()
    events = await stack.event_count()

    for chunk in (1, 3, 7):
        results = await rebuild_many(stack.infra.store, stack.infra.redis, stack.prefix, all_projections(),
                                     dry_run=True, chunk=chunk)
        for result in results:
            assert result.build.events == events and result.build.failed == 0, result.projection
            assert result.diff.differences == 0, (chunk, result.projection, result.diff.examples)

    # And switched in: every key and every checkpoint as the live projector left them.
    results = await rebuild_many(stack.infra.store, stack.infra.redis, stack.prefix, all_projections(), chunk=4)
    assert all(r.switched for r in results)
    assert await stack.dump() == live


async def test_a_rebuild_folded_by_two_processes_equals_the_live_read_models_key_for_key(stack: Stack) -> None:
    # Each process folds the streams of its share of the tenants: merchants until both shares have some.
    for _ in range(12):
        shares = await stack.scalar("SELECT count(DISTINCT mod(hashtext(tenant_id) & 2147483647, 2)) FROM events"
                                    " WHERE tenant_id <> ''")
        if shares == 2:
            break
        await stack.charge(await stack.merchant(), 2_500, metadata={"order": "share"})
    await _story(stack)
    live = await stack.dump()
    events = await stack.event_count()
    two_processes = {"workers": 2, "open_worker": partial(fold_worker_side, stack.infra.settings)}

    results = await rebuild_many(stack.infra.store, stack.infra.redis, stack.prefix, all_projections(),
                                 dry_run=True, **two_processes)
    for result in results:
        assert result.build.events == events and result.build.failed == 0, result.projection
        assert result.diff.differences == 0, (result.projection, result.diff.examples)

    results = await rebuild_many(stack.infra.store, stack.infra.redis, stack.prefix, all_projections(),
                                 **two_processes)
    assert all(r.switched for r in results)
    assert await stack.dump() == live
