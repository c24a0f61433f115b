"""Several projector workers share the stream by subject partition (by aggregate): under load they end
with read models equal to a rebuild and every event applied exactly once per projection, also when a
worker process is killed with SIGKILL in the middle of its work and replaced.
Real PostgreSQL, NATS JetStream and Redis; the killed workers are real `ledgermesh serve projector`
processes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from ledgermesh.payments.v1 import payment_service_pb2 as pay

from projector.adapters.jetstream_consumer import ConsumerOptions
from projector.adapters.worker import worker_durable
from projector.projections import all_projections
from projector.rebuild import rebuild
from tests.conftest import eventually
from tests.e2e.conftest import Merchant
from tests.integration.projections_support import Stack, WorkerProcesses, stack  # noqa: F401 - fixture


async def _load(stack: Stack, merchants: list[Merchant], charges_each: int) -> None:
    """Concurrent clients, one per merchant: charges, some refunded, some captured later."""
    async def client(merchant: Merchant) -> None:
        for i in range(charges_each):
            created = await stack.charge(merchant, 1_000 + i, capture=i % 3 != 0)
            if i % 3 == 0:
                await stack.payments.CaptureCharge(pay.CaptureChargeRequest(charge_id=created.charge.id),
                                                   metadata=merchant.metadata)
            elif i % 4 == 1:
                await stack.payments.CreateRefund(pay.CreateRefundRequest(charge_id=created.charge.id, amount=100),
                                                  metadata=merchant.metadata)

    await asyncio.gather(*(client(m) for m in merchants))


async def _each_event_applied_once_and_equal_to_a_rebuild(stack: Stack) -> None:
    events = await stack.event_count()
    redis = stack.infra.redis
    for projection in all_projections():
        applied = int(await redis.hget(f"{stack.prefix}proj:{projection.name}:stats", "applied") or 0)
        assert applied == events, f"{projection.name} applied {applied} events of {events}: doubled or lost"
        result = await rebuild(stack.infra.store, redis, stack.prefix, projection, dry_run=True)
        assert result.diff.differences == 0, (projection.name, result.diff.examples)
        assert result.build.events == events


async def _delivered(stack: Stack, durable: str) -> int:
    info = await stack.infra.nc.jetstream().consumer_info(stack.infra.settings.stream_name, durable)
    return int(info.delivered.stream_seq or 0)


async def test_two_workers_share_the_stream_and_apply_every_event_exactly_once(stack: Stack) -> None:
    stack.start_projector(workers=2)
    merchants = [await stack.merchant() for _ in range(6)]
    await _load(stack, merchants, charges_each=8)
    await stack.settle(timeout=60)

    durables = [w.durable for w in stack.workers]
    assert len(set(durables)) == 2
    for durable in durables:
        assert await _delivered(stack, durable) > 0, f"{durable} got no share of the stream"
    await _each_event_applied_once_and_equal_to_a_rebuild(stack)


@pytest.fixture
def worker_processes(stack: Stack, tmp_path: Path) -> Iterator[WorkerProcesses]:
    processes = WorkerProcesses(stack, 2, tmp_path)
    try:
        yield processes
    finally:
        processes.stop_all()


async def test_a_worker_killed_mid_batch_and_replaced_loses_and_doubles_nothing(
        stack: Stack, worker_processes: WorkerProcesses) -> None:
    options = ConsumerOptions(**{**stack.options.__dict__, "workers": 2})
    durables = [worker_durable(options, i) for i in range(2)]
    for worker in range(2):
        worker_processes.start(worker)
    merchants = [await stack.merchant() for _ in range(6)]
    load = asyncio.create_task(_load(stack, merchants, charges_each=12))

    async def in_flight() -> bool:
        # Worker 1 holds delivered, unacknowledged messages: it is in the middle of a batch.
        try:
            info = await stack.infra.nc.jetstream().consumer_info(stack.infra.settings.stream_name, durables[1])
        except Exception:  # noqa: BLE001 - not created yet
            return False
        return bool(info.num_ack_pending)

    await eventually(in_flight, timeout=60, interval=0.005,
                     message="worker 1 never had messages in flight" + worker_processes.logs())
    worker_processes.kill(1)
    await load
    worker_processes.start(1)  # the replacement, as a supervisor (docker restart) would start it

    await eventually(lambda: stack.projected_everything(durables), timeout=90,
                     message="the workers never caught up" + worker_processes.logs())
    await _each_event_applied_once_and_equal_to_a_rebuild(stack)
