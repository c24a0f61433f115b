"""A stack whose projector the test controls: command and query servers, the relay, and projector
workers the test can start, kill (cancel, no clean stop) and restart, in the test's process or as
`ledgermesh serve projector` processes. Real PostgreSQL, NATS, Redis."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest_asyncio
from ledgermesh.accounts.v1 import account_service_pb2 as acc
from ledgermesh.accounts.v1 import account_service_pb2_grpc
from ledgermesh.payments.v1 import payment_service_pb2 as pay
from ledgermesh.payments.v1 import payment_service_pb2_grpc
from ledgermesh.query.v1 import query_service_pb2_grpc
from nats.js.errors import NotFoundError

from composition.infrastructure import Infrastructure
from composition.projector import projector_workers, supervised
from composition.servers import free_port
from composition.system import Parts, start_system
from projector import keyspace
from projector.adapters.jetstream_consumer import ConsumerOptions
from projector.adapters.worker import ProjectorWorker
from projector.projections import all_projections
from support.cancellation import cancel_and_wait
from support.settings import Settings
from tests.conftest import eventually
from tests.e2e.conftest import Merchant
from tests.e2e.outside import REPO, outside_env

# A worker stops within a fetch wait plus the batch in hand; a loaded machine gets ample slack.
_STOP_WITHIN_S = 20.0


@dataclass
class Stack:
    infra: Infrastructure
    command: grpc.aio.Channel
    query: grpc.aio.Channel
    options: ConsumerOptions
    consumer_tasks: list[asyncio.Task[None]] = field(default_factory=list)
    consumer_stop: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def prefix(self) -> str:
        return self.infra.settings.redis_prefix

    @property
    def payments(self) -> payment_service_pb2_grpc.PaymentCommandServiceStub:
        return payment_service_pb2_grpc.PaymentCommandServiceStub(self.command)

    @property
    def accounts(self) -> account_service_pb2_grpc.AccountCommandServiceStub:
        return account_service_pb2_grpc.AccountCommandServiceStub(self.command)

    @property
    def queries(self) -> query_service_pb2_grpc.QueryServiceStub:
        return query_service_pb2_grpc.QueryServiceStub(self.query)

    workers: list[ProjectorWorker] = field(default_factory=list)

    def start_projector(self, durable_prefix: str | None = None, workers: int = 0) -> None:
        """The projector's workers (one for the whole stream, or `workers` sharing it by subject
        partition), supervised as `start_projector` runs them (a worker that fails is started again)."""
        options = ConsumerOptions(**{**self.options.__dict__, "workers": workers,
                                     "durable_prefix": durable_prefix or self.options.durable_prefix})
        if not self.consumer_tasks:
            self.consumer_stop = asyncio.Event()
            self.workers = []
        workers = projector_workers(self.infra, options)
        self.workers += workers
        self.consumer_tasks += [asyncio.create_task(supervised(w.durable, w.run, self.consumer_stop))
                                for w in workers]

    async def kill_projector(self) -> None:
        # Cancelled again until they end, within a bound: a worker that outlives its kill is a bug to
        # report, not a reason for the suite to hang (support/cancellation.py).
        survivors = await cancel_and_wait(self.consumer_tasks, _STOP_WITHIN_S, "killed projector")
        self.consumer_tasks, self.workers = [task for task in self.consumer_tasks if task in survivors], []
        assert not survivors, f"projector workers still running {_STOP_WITHIN_S} s after being killed"

    async def stop_projector(self) -> None:
        self.consumer_stop.set()
        running = await asyncio.wait(self.consumer_tasks, timeout=_STOP_WITHIN_S) if self.consumer_tasks else None
        self.consumer_tasks, self.workers = list(running[1]) if running else [], []
        assert not self.consumer_tasks, f"projector workers still running {_STOP_WITHIN_S} s after being stopped"

    async def merchant(self) -> Merchant:
        response = await self.accounts.CreateAccount(acc.CreateAccountRequest(email="o@example.com", business_name="Shop"))
        return Merchant(response.account.id, response.secret_key)

    async def charge(self, merchant: Merchant, amount: int, currency: str = "usd", source: str = "tok_visa",
                     **fields: Any) -> pay.CreateChargeResponse:
        return await self.payments.CreateCharge(
            pay.CreateChargeRequest(amount=amount, currency=currency, source=source, **fields),
            metadata=merchant.metadata)

    async def scalar(self, sql: str, params: Any = ()) -> Any:
        async with self.infra.pool.connection() as conn:
            cur = await conn.execute(sql, params)
            row = await cur.fetchone()
            return row[0] if row else None

    async def event_count(self) -> int:
        return int(await self.scalar("SELECT count(*) FROM events"))

    async def projected_everything(self, durables: list[str] | None = None) -> bool:
        """Every event is on the bus and every projector worker has acknowledged all of it."""
        js = self.infra.nc.jetstream()
        info = await js.stream_info(self.infra.settings.stream_name)
        if info.state.messages < await self.event_count():
            return False
        for durable in durables or [w.durable for w in self.workers]:
            try:
                consumer = await js.consumer_info(self.infra.settings.stream_name, durable)
            except NotFoundError:
                return False  # not subscribed yet
            if consumer.num_pending or consumer.num_ack_pending:
                return False
        return True

    async def settle(self, timeout: float = 30.0) -> None:
        await eventually(self.projected_everything, timeout=timeout, message="projector never caught up")

    async def dump(self, prefix: str | None = None) -> dict[str, Any]:
        """Every read-model key (and checkpoint) of every projection under the prefix."""
        prefix = prefix or self.prefix
        redis = self.infra.redis
        found: dict[str, Any] = {}
        for projection in all_projections():
            names: list[str] = []
            async for batch in keyspace.owned_keys(redis, prefix, projection):
                names += batch
            names = sorted(set(names)) + keyspace.meta_keys(prefix, projection)
            for name, value in zip(names, await keyspace.values(redis, names), strict=True):
                found[name[len(prefix):]] = value
        return found


class WorkerProcesses:
    """`ledgermesh serve projector` processes on the test's stack: one per worker of `count`, or one
    running all of them (`start(None)`); `database_url` puts something between them and PostgreSQL."""

    def __init__(self, stack: Stack, count: int, log_dir: Path, database_url: str | None = None) -> None:
        s = stack.infra.settings
        self.count = count
        self._log_dir = log_dir
        self._env = {
            **outside_env(),
            "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "gen")]),
            "DATABASE_URL": database_url or s.database_url or "", "NATS_URL": s.nats_url or "", "REDIS_URL": s.redis_url or "",
            "LEDGERMESH_DB_SCHEMA": s.db_schema, "LEDGERMESH_REDIS_PREFIX": s.redis_prefix,
            "LEDGERMESH_STREAM": s.stream_name, "LEDGERMESH_SUBJECT_PREFIX": s.subject_prefix,
            "LEDGERMESH_DATA_DIR": str(s.data_dir), "LEDGERMESH_SIGNING_KEY": "11" * 32,
            "LEDGERMESH_PROJECTOR_WORKERS": str(count),
            # A killed worker's unacknowledged messages come back quickly.
            "LEDGERMESH_PROJECTOR_ACK_WAIT_SECONDS": "2",
        }
        self._env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
        self.processes: dict[int, subprocess.Popen[bytes]] = {}

    def start(self, worker: int | None) -> None:
        env = {**self._env, "LEDGERMESH_PROJECTOR_WORKER_IDS": "" if worker is None else str(worker),
               "LEDGERMESH_PROJECTOR_METRICS_PORT": str(free_port())}
        name = "all" if worker is None else str(worker)
        with (self._log_dir / f"projector-{name}.log").open("ab") as log:
            self.processes[-1 if worker is None else worker] = subprocess.Popen(
                [sys.executable, "-m", "composition.cli", "serve", "projector"], cwd=REPO, env=env,
                stdout=log, stderr=subprocess.STDOUT)

    def kill(self, worker: int) -> None:
        process = self.processes.pop(worker)
        process.send_signal(signal.SIGKILL)
        process.wait()

    def logs(self) -> str:
        return "".join(f"\n--- {p.name} ---\n{p.read_text()[-2000:]}" for p in sorted(self._log_dir.glob("*.log")))

    def stop_all(self) -> None:
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes = {}


@pytest_asyncio.fixture
async def stack(settings: Settings, cleanup: None) -> AsyncIterator[Stack]:
    running = await start_system(settings, Parts(command=True, relay=True, query=True))
    options = ConsumerOptions(stream=settings.stream_name, subject_prefix=settings.subject_prefix,
                              durable_prefix=settings.stream_name.lower(), max_deliver=3, backoff=(0.05,),
                              ack_wait=2.0)
    command_channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.command_port}")
    query_channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.query_port}")
    result = Stack(running.infra, command_channel, query_channel, options)
    try:
        yield result
    finally:
        try:
            await result.kill_projector()
        finally:
            await command_channel.close()
            await query_channel.close()
            await running.stop()
