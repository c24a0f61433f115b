"""A slow Redis is waited for, a silent one is refused. While Redis is paused (SIGSTOP) for a few
seconds, the query service's health probes time out one after the other, yet reads sent meanwhile are
not refused: they wait and are answered once Redis runs again (a busy host looks the same to a probe).
Once Redis has answered nothing for the unresponsive bound, reads are refused at once with a clean
UNAVAILABLE / 503, and served again when it answers."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from ledgermesh.accounts.v1 import account_service_pb2 as acc
from ledgermesh.accounts.v1 import account_service_pb2_grpc
from ledgermesh.query.v1 import query_service_pb2 as q
from ledgermesh.query.v1 import query_service_pb2_grpc
from prometheus_client import REGISTRY

from composition import servers
from composition.servers import RunningServer
from composition.system import EVERYTHING, start_system
from support.errors import error_info
from support.settings import Settings
from tests.conftest import eventually
from tests.servers import temp_folder

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


@dataclass
class Stack:
    valkey: RunningServer
    http: httpx.AsyncClient
    query: grpc.aio.Channel
    key: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    async def health(self) -> int:
        reply = await health_pb2_grpc.HealthStub(self.query).Check(health_pb2.HealthCheckRequest(), timeout=5)
        return reply.status

    async def get_charge(self, charge_id: str, timeout: float) -> q.GetChargeResponse:
        return await query_service_pb2_grpc.QueryServiceStub(self.query).GetCharge(
            q.GetChargeRequest(charge_id=charge_id), metadata=[("authorization", f"Bearer {self.key}")],
            timeout=timeout)

    async def created_charge(self) -> str:
        made = await self.http.post("/v1/charges", headers=self.auth,
                                    data={"amount": "2500", "currency": "usd", "source": "tok_visa"})
        assert made.status_code == 200, made.text
        charge_id: str = made.json()["id"]

        async def readable() -> bool:
            return (await self.http.get(f"/v1/charges/{charge_id}", headers=self.auth)).status_code == 200

        await eventually(readable, timeout=20, message="the charge never became readable")
        return charge_id


@asynccontextmanager
async def stack(settings: Settings, *, unresponsive_ms: int, redis_read_timeout_s: float) -> AsyncIterator[Stack]:
    """The whole system on a Valkey of the test's own (the test pauses it), with the query service's
    unresponsive bound and the Redis read timeout given."""
    folder = temp_folder("lm-slow-redis-")
    valkey = await asyncio.to_thread(servers.start_valkey, folder / "data", 0, append_only=False)
    system = None
    try:
        system = await start_system(settings.with_(redis_url=f"{valkey.url}?socket_timeout={redis_read_timeout_s}",
                                                   dependency_unresponsive_ms=unresponsive_ms), EVERYTHING)
        command = grpc.aio.insecure_channel(f"127.0.0.1:{system.command_port}")
        query = grpc.aio.insecure_channel(f"127.0.0.1:{system.query_port}")
        account = await account_service_pb2_grpc.AccountCommandServiceStub(command).CreateAccount(
            acc.CreateAccountRequest(email="slow@example.com", business_name="Slow Shop"))
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{system.gateway_port}", timeout=60) as http:
            yield Stack(valkey, http, query, account.secret_key)
        await command.close()
        await query.close()
    finally:
        os.kill(valkey.pid, signal.SIGCONT)
        if system is not None:
            await system.stop()
        await asyncio.to_thread(valkey.stop)
        shutil.rmtree(folder, ignore_errors=True)


def _slow_redis_probes() -> float:
    return REGISTRY.get_sample_value("ledgermesh_dependency_probes_total",
                                     {"dependency": "redis", "outcome": "slow"}) or 0.0


async def _slow_probes_since(start: float, count: int) -> None:
    async def seen() -> bool:
        return _slow_redis_probes() - start >= count

    await eventually(seen, timeout=60, interval=0.05, message=f"{count} slow Redis probes never came")


async def test_reads_wait_out_a_paused_redis_instead_of_being_refused(settings: Settings, cleanup: None) -> None:
    # Bounds far above the pause: what is tested is that slow probes alone refuse nothing.
    async with stack(settings, unresponsive_ms=120_000, redis_read_timeout_s=120) as running:
        charge_id = await running.created_charge()

        slow_before = _slow_redis_probes()
        os.kill(running.valkey.pid, signal.SIGSTOP)
        # Two slow probes in a row turned the service NOT_SERVING and refused every call before.
        await _slow_probes_since(slow_before, 2)
        assert await running.health() == SERVING
        reads = [asyncio.ensure_future(running.get_charge(charge_id, timeout=120)) for _ in range(3)]
        rest = [asyncio.ensure_future(running.http.get(f"/v1/charges/{charge_id}", headers=running.auth))
                for _ in range(2)]
        # One more probe times out with the reads sent: any refusal would have answered them by now.
        await _slow_probes_since(slow_before, 3)
        assert await running.health() == SERVING
        os.kill(running.valkey.pid, signal.SIGCONT)

        answers = await asyncio.gather(*reads)
        assert [a.charge.amount for a in answers] == [2500, 2500, 2500]
        for response in await asyncio.gather(*rest):
            assert response.status_code == 200, response.text
            assert response.json()["amount"] == 2500


async def test_a_redis_silent_past_the_bound_is_refused_fast_and_served_again_when_it_answers(
        settings: Settings, cleanup: None) -> None:
    async with stack(settings, unresponsive_ms=2000, redis_read_timeout_s=5) as running:
        charge_id = await running.created_charge()

        os.kill(running.valkey.pid, signal.SIGSTOP)

        async def not_serving() -> bool:
            return await running.health() == NOT_SERVING

        await eventually(not_serving, timeout=30, interval=0.1, message="a silent Redis never turned health NOT_SERVING")
        # The deadline only bounds the test: the answer must be a refusal, not a wait for Redis.
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await running.get_charge(charge_id, timeout=10)
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE, refused.value
        info = error_info(refused.value)
        assert info is not None and info.metadata["dependency"] == "redis"
        response = await running.http.get(f"/v1/charges/{charge_id}", headers=running.auth)
        assert response.status_code == 503, response.text
        assert response.json()["error"]["type"] == "api_error"

        os.kill(running.valkey.pid, signal.SIGCONT)

        async def read_again() -> bool:
            again = await running.http.get(f"/v1/charges/{charge_id}", headers=running.auth)
            return again.status_code == 200 and again.json()["amount"] == 2500

        await eventually(read_again, timeout=30, interval=0.1, message="reads never came back after Redis resumed")
