"""Dependencies down = fast, clean, retryable errors. With PostgreSQL or Redis away, callers get REST 503
`api_error` with Retry-After and gRPC UNAVAILABLE (ErrorInfo DEPENDENCY_UNAVAILABLE) at once, never a
driver's class or a database's message; once it is back the same requests succeed, with no 409 from
keys the outage left claimed. With NATS away, charges are still acknowledged and reach the read side
when the bus returns."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import grpc
import httpx
import pytest
import pytest_asyncio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from ledgermesh.accounts.v1 import account_service_pb2 as acc
from ledgermesh.accounts.v1 import account_service_pb2_grpc
from ledgermesh.payments.v1 import payment_service_pb2 as pay
from ledgermesh.payments.v1 import payment_service_pb2_grpc
from ledgermesh.query.v1 import query_service_pb2 as q
from ledgermesh.query.v1 import query_service_pb2_grpc

from composition import servers
from composition.servers import RunningServer
from composition.system import EVERYTHING, RunningSystem, start_system
from support.errors import error_info
from support.settings import Settings
from tests.conftest import eventually
from tests.servers import temp_folder

NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
# What a reply must never carry: driver classes, database messages, channel internals.
LEAKS = ("psycopg", "AdminShutdown", "OperationalError", "terminating connection", "redis.exceptions",
         "ConnectionError", "class '", "Traceback", "127.0.0.1")


@dataclass
class Outage:
    """A dependency of our own that the test stops and starts again on the same port and data."""

    name: str
    start: Callable[[Path, int], RunningServer]
    folder: Path
    server: RunningServer

    async def stop(self) -> None:
        await asyncio.to_thread(self.server.stop)

    async def restart(self) -> None:
        self.server = await asyncio.to_thread(self.start, self.folder / "data", self.server.port)


STARTERS: dict[str, tuple[Callable[[Path, int], RunningServer], str]] = {
    "postgresql": (lambda d, p: servers.start_postgres(d, p, database="test", durable=False), "database_url"),
    "redis": (lambda d, p: servers.start_valkey(d, p, append_only=True), "redis_url"),
    "nats": (lambda d, p: servers.start_nats(d, p), "nats_url"),
}


@dataclass
class Running:
    system: RunningSystem
    outage: Outage
    http: httpx.AsyncClient
    command: grpc.aio.Channel
    query: grpc.aio.Channel
    key: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    @property
    def metadata(self) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {self.key}")]


@pytest_asyncio.fixture
async def running(request: pytest.FixtureRequest, settings: Settings, cleanup: None) -> AsyncIterator[Running]:
    name = request.param
    start, field = STARTERS[name]
    folder = temp_folder(f"lm-down-{name}-")
    outage = Outage(name, start, folder, await asyncio.to_thread(start, folder / "data", 0))
    system = None
    try:
        system = await start_system(settings.with_(**{field: outage.server.url}), EVERYTHING)
        command = grpc.aio.insecure_channel(f"127.0.0.1:{system.command_port}")
        query = grpc.aio.insecure_channel(f"127.0.0.1:{system.query_port}")
        account = await account_service_pb2_grpc.AccountCommandServiceStub(command).CreateAccount(
            acc.CreateAccountRequest(email="down@example.com", business_name="Outage Shop"))
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{system.gateway_port}", timeout=15) as http:
            yield Running(system, outage, http, command, query, account.secret_key)
        await command.close()
        await query.close()
    finally:
        if system is not None:
            await system.stop()
        await asyncio.to_thread(outage.server.stop)
        shutil.rmtree(folder, ignore_errors=True)


async def _not_serving(channel: grpc.aio.Channel) -> bool:
    reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2)
    return reply.status == NOT_SERVING


def _charge(key: str) -> dict[str, str]:
    return {"amount": "2500", "currency": "usd", "source": "tok_visa"}


def _assert_clean_503(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["error"]["type"] == "api_error"
    assert int(response.headers["Retry-After"]) >= 1
    assert not any(leak in response.text for leak in LEAKS), response.text


def _assert_clean_unavailable(error: grpc.aio.AioRpcError, dependency: str) -> None:
    assert error.code() == grpc.StatusCode.UNAVAILABLE, error
    info = error_info(error)
    assert info is not None and info.reason == "DEPENDENCY_UNAVAILABLE"
    assert info.metadata["dependency"] == dependency
    assert not any(leak in (error.details() or "") for leak in LEAKS), error.details()


@pytest.mark.parametrize("running", ["postgresql"], indirect=True)
async def test_with_postgresql_down_writes_fail_fast_and_clean_and_their_retries_succeed_once_it_is_back(
        running: Running) -> None:
    first = await running.http.post("/v1/charges", headers={**running.auth, "Idempotency-Key": "before"},
                                    data=_charge("before"))
    assert first.status_code == 200, first.text

    await running.outage.stop()
    await eventually(lambda: _not_serving(running.command), message="health never said NOT_SERVING")

    payments = payment_service_pb2_grpc.PaymentCommandServiceStub(running.command)
    # A deadline of one second: once health knows, the refusal comes at once, not at the deadline.
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await payments.CreateCharge(pay.CreateChargeRequest(amount=2500, currency="usd", source="tok_visa",
                                                            idempotency_key="during"),
                                    metadata=running.metadata, timeout=1.0)
    _assert_clean_unavailable(refused.value, "postgresql")
    _assert_clean_503(await running.http.post("/v1/charges", headers={**running.auth, "Idempotency-Key": "during"},
                                              data=_charge("during")))

    await running.outage.restart()
    seen: list[int] = []

    async def retried() -> httpx.Response | None:
        response = await running.http.post("/v1/charges", headers={**running.auth, "Idempotency-Key": "during"},
                                           data=_charge("during"))
        seen.append(response.status_code)
        return response if response.status_code == 200 else None

    succeeded = await eventually(retried, timeout=20, interval=0.2, message="the retry never succeeded")
    assert 409 not in seen and 500 not in seen, seen
    assert succeeded.json()["amount"] == 2500
    again = await running.http.post("/v1/charges", headers={**running.auth, "Idempotency-Key": "during"},
                                    data=_charge("during"))
    assert again.json()["id"] == succeeded.json()["id"]


@pytest.mark.parametrize("running", ["redis"], indirect=True)
async def test_with_redis_down_reads_fail_fast_and_clean_and_succeed_once_it_is_back(running: Running) -> None:
    created = await running.http.post("/v1/charges", headers=running.auth, data=_charge("r"))
    assert created.status_code == 200, created.text
    charge_id = created.json()["id"]

    await running.outage.stop()
    await eventually(lambda: _not_serving(running.query), message="query health never said NOT_SERVING")
    queries = query_service_pb2_grpc.QueryServiceStub(running.query)
    # The deadline only bounds the test: a refusal must be UNAVAILABLE, and a loaded CI machine can take
    # more than a second to answer it (once it did, and the test saw DEADLINE_EXCEEDED instead).
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await queries.GetCharge(q.GetChargeRequest(charge_id=charge_id), metadata=running.metadata, timeout=10.0)
    _assert_clean_unavailable(refused.value, "redis")
    _assert_clean_503(await running.http.get(f"/v1/charges/{charge_id}", headers=running.auth))

    # Redis keeps its data (append-only file) across the restart, as a deployment's would.
    await running.outage.restart()

    async def written_and_read() -> bool:
        made = await running.http.post("/v1/charges", headers=running.auth, data=_charge("r2"))
        if made.status_code != 200:
            return False
        read = await running.http.get(f"/v1/charges/{made.json()['id']}", headers=running.auth)
        return read.status_code == 200 and read.json()["amount"] == 2500

    await eventually(written_and_read, timeout=20, interval=0.2, message="reads never came back after Redis")


@pytest.mark.parametrize("running", ["nats"], indirect=True)
async def test_with_nats_down_charges_are_still_acknowledged_and_reach_the_read_side_when_it_returns(
        running: Running) -> None:
    await running.outage.stop()
    made = []
    for n in range(5):
        response = await running.http.post("/v1/charges", headers={**running.auth, "Idempotency-Key": f"bus-{n}"},
                                           data=_charge(f"bus-{n}"))
        assert response.status_code == 200, response.text
        made.append(response.json()["id"])

    await running.outage.restart()

    async def all_read() -> bool:
        for charge_id in made:
            read = await running.http.get(f"/v1/charges/{charge_id}", headers=running.auth)
            if read.status_code != 200:
                return False
        return True

    await eventually(all_read, timeout=30, interval=0.2, message="charges made while NATS was down never arrived")
