"""Faults survived, one per scenario, on real processes under a load of retrying clients: afterwards the
history and the log agree (0 lost, 0 doubled, 0 cents off), the read models show every charge and
equal a rebuild from the log, balances reconcile, and every process serves again without a manual
restart (a killed process is started again, as its supervisor would). docs/reliability.md."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import httpx
import pytest
import pytest_asyncio
from ledgermesh.payments.v1 import payment_service_pb2 as pay
from ledgermesh.payments.v1 import payment_service_pb2_grpc
from redis.asyncio import Redis

from tests.chaos.deployment import Deployment, Service, start_deployment
from tests.chaos.load import History, Intent, Load, check_log, read_models_match
from tests.conftest import eventually

# A scenario is a few minutes of processes under load; the 60 s outages on a busy machine need more than
# the suite's 300 s per test.
pytestmark = [pytest.mark.chaos, pytest.mark.timeout(600)]

# Charges acknowledged before the fault, and after recovery, per scenario: a few seconds of load each.
BEFORE, AFTER = 30, 30


@pytest_asyncio.fixture
async def deployment() -> AsyncIterator[Deployment]:
    started = await start_deployment()
    try:
        yield started
    finally:
        await asyncio.to_thread(started.close)


async def _started_load(deployment: Deployment) -> tuple[str, Load]:
    account = await deployment.start_merchant()
    load = Load(deployment.gateway_url, deployment.secret_key)
    load.start()
    await load.acknowledged_at_least(BEFORE)
    return account, load


async def _finish_and_check(deployment: Deployment, account: str, load: Load, scenario: str,
                            figures: dict[str, float] | None = None) -> History:
    """More load after recovery, then the whole check; `figures` of the scenario's own go in its report."""
    await load.acknowledged_at_least(load.count + AFTER, timeout=120)
    history = await load.stop()
    verdict = await check_log(deployment.dependencies["postgresql"].url, account, history)
    verdict.assert_whole()

    async with httpx.AsyncClient(base_url=deployment.gateway_url, timeout=10,
                                 headers={"Authorization": f"Bearer {deployment.secret_key}"}) as http:
        async def read_side_whole() -> bool:
            return await read_models_match(http, history) == []

        await eventually(read_side_whole, timeout=60, interval=0.3,
                         message=f"the read side never showed every acknowledged charge{deployment.logs()}")

    async def caught_up() -> tuple[int, str] | None:
        lag = await deployment.cli("lag")
        return lag if lag[0] == 0 else None

    await eventually(caught_up, timeout=60, interval=0.5, message="projections never caught up")
    (reconciled, balances), (rebuilt, diff) = await asyncio.gather(
        deployment.cli("reconcile"), deployment.cli("rebuild", "all", "--dry-run"))
    assert reconciled == 0, balances
    assert rebuilt == 0, f"the read models differ from a rebuild from the log:\n{diff}"
    assert await deployment.all_serving(), deployment.logs()
    _report(scenario, history, figures or {})
    return history


def _report(scenario: str, history: History, figures: dict[str, float]) -> None:
    """Figures of the run for docs/reliability.md, when LEDGERMESH_CHAOS_REPORT names a file."""
    path = os.environ.get("LEDGERMESH_CHAOS_REPORT")
    answers: dict[str, int] = {}
    for answer, n in history.answers().items():
        answers[answer.split(" ", 1)[0]] = answers.get(answer.split(" ", 1)[0], 0) + n
    line = {"scenario": scenario, "acknowledged": len(history.acknowledged), "retries": history.retried(),
            "answers": answers, "slowest_refusal_s": round(history.slowest_refusal_s(), 2),
            "longest_wait_for_an_ack_s": round(history.longest_wait_s(), 2),
            **{name: round(value, 2) for name, value in figures.items()}}
    print(json.dumps(line))
    if path:
        with Path(path).open("a") as out:
            out.write(json.dumps(line) + "\n")


async def test_kill_9_of_the_command_service_loses_nothing_and_its_retries_succeed_without_409(
        deployment: Deployment) -> None:
    account, load = await _started_load(deployment)
    command = deployment.services["command"]
    await asyncio.to_thread(command.kill9)
    command.start()  # the supervisor's restart
    await deployment.wait_serving("command")
    history = await _finish_and_check(deployment, account, load, "kill -9 command")
    assert not [a for a in history.answers() if a.startswith(("409", "500"))], history.answers()


async def test_sigstop_and_sigcont_of_the_command_service_loses_nothing(deployment: Deployment) -> None:
    account, load = await _started_load(deployment)
    await _paused_while_clients_time_out(load, deployment.services["command"])
    history = await _finish_and_check(deployment, account, load, "SIGSTOP/SIGCONT command")
    assert not [a for a in history.answers() if a.startswith("500")], history.answers()


async def _paused_while_clients_time_out(load: Load, service: Service) -> None:
    """SIGSTOP while the clients time out and retry against the service, until some of them have; SIGCONT."""
    fault_at = time.monotonic()
    service.signal(signal.SIGSTOP)
    await eventually(lambda: _some_timed_out(load, fault_at), timeout=30, message="no client noticed the pause")
    service.signal(signal.SIGCONT)


async def _some_timed_out(load: Load, since: float) -> bool:
    return any(a in ("timeout",) or a.startswith("504") for i in load.history.intents if i.started >= since - 10
               for a in i.answers)


async def test_kill_9_and_restart_of_nats_server_on_its_data_loses_nothing_and_writes_go_on(
        deployment: Deployment) -> None:
    account, load = await _started_load(deployment)
    nats = deployment.dependencies["nats"]
    await asyncio.to_thread(nats.kill9)
    # Writes do not wait on the bus: charges are acknowledged while it is away.
    await load.acknowledged_at_least(load.count + 20)
    await asyncio.to_thread(nats.up)
    figures = await _projections_back(deployment)
    history = await _finish_and_check(deployment, account, load, "kill -9 nats-server", figures)
    assert not [a for a in history.answers() if a.startswith("500")], history.answers()


async def _outage(seconds: float) -> None:
    outage_until = time.monotonic() + seconds
    while time.monotonic() < outage_until:  # the outage's length is the scenario, not a wait for a condition
        await asyncio.sleep(0.1)


@pytest.mark.parametrize("seconds", [5, 60])
async def test_postgresql_down_gives_clean_503s_and_then_everything_resumes_without_409(
        deployment: Deployment, seconds: int) -> None:
    account, load = await _started_load(deployment)
    postgres = deployment.dependencies["postgresql"]
    await asyncio.to_thread(postgres.stop)
    await _outage(seconds)
    await asyncio.to_thread(postgres.up)
    history = await _finish_and_check(deployment, account, load, f"PostgreSQL down {seconds} s")
    answers = history.answers()
    # No 409 either: no key stays claimed by a request the outage ended.
    assert not [a for a in answers if a.startswith(("500", "409"))], answers
    assert any(a.startswith("503") for a in answers), answers
    leaks = [a for a in answers if any(word in a for word in ("psycopg", "Shutdown", "terminating", "127.0.0.1"))]
    assert leaks == []


async def test_kill_9_of_the_gateway_and_of_the_query_service_loses_nothing(deployment: Deployment) -> None:
    account, load = await _started_load(deployment)
    for name in ("gateway", "query"):
        service = deployment.services[name]
        await asyncio.to_thread(service.kill9)
        service.start()
        await deployment.wait_serving(name)
    history = await _finish_and_check(deployment, account, load, "kill -9 gateway and query")
    assert not [a for a in history.answers() if a.startswith("500")], history.answers()


async def test_sigstop_and_sigcont_of_the_gateway_and_of_the_query_service_loses_nothing(
        deployment: Deployment) -> None:
    account, load = await _started_load(deployment)
    await _paused_while_clients_time_out(load, deployment.services["gateway"])
    await load.acknowledged_at_least(load.count + 10)

    query = deployment.services["query"]
    query.signal(signal.SIGSTOP)
    read_back = next(iter(load.history.acknowledged[-1].charge_ids))
    await eventually(lambda: _read_gets_no_answer(deployment, read_back), timeout=30,
                     message="reads went on while the query service was paused")
    # Writes do not need the query service: charges are acknowledged while it sleeps.
    await load.acknowledged_at_least(load.count + 10)
    query.signal(signal.SIGCONT)
    history = await _finish_and_check(deployment, account, load, "SIGSTOP/SIGCONT gateway and query")
    assert not [a for a in history.answers() if a.startswith("500")], history.answers()


async def _read_gets_no_answer(deployment: Deployment, charge_id: str) -> bool:
    """A read of the charge through the gateway gets no answer within 2 s, or a 503/504; never a 500."""
    async with httpx.AsyncClient(base_url=deployment.gateway_url, timeout=2,
                                 headers={"Authorization": f"Bearer {deployment.secret_key}"}) as http:
        try:
            response = await http.get(f"/v1/charges/{charge_id}")
        except httpx.TimeoutException:
            return True
    assert response.status_code != 500, response.text
    return response.status_code in (503, 504)


@pytest_asyncio.fixture
async def two_commands() -> AsyncIterator[Deployment]:
    started = await start_deployment(command_processes=2)
    try:
        yield started
    finally:
        await asyncio.to_thread(started.close)


class FailoverClient:
    """A gRPC client of two command processes: an attempt that fails goes to the other one next."""

    def __init__(self, deployment: Deployment) -> None:
        self._channels = [grpc.aio.insecure_channel(f"127.0.0.1:{deployment.ports[name]}")
                          for name in ("command", "command2")]
        self._metadata = [("authorization", f"Bearer {deployment.secret_key}")]
        self._next: dict[str, int] = {}

    async def send(self, intent: Intent) -> str:
        target = self._next.get(intent.key, hash(intent.key) % 2)
        stub = payment_service_pb2_grpc.PaymentCommandServiceStub(self._channels[target])
        try:
            reply = await stub.CreateCharge(pay.CreateChargeRequest(
                amount=intent.amount, currency="usd", source="tok_visa", idempotency_key=intent.key),
                metadata=self._metadata, timeout=2.0)
        except grpc.aio.AioRpcError as exc:
            self._next[intent.key] = 1 - target
            return f"{GRPC_AS_HTTP.get(exc.code(), 400)} {exc.code().name} {exc.details()}"
        return f"200:{reply.charge.id}"

    async def close(self) -> None:
        for channel in self._channels:
            await channel.close()


GRPC_AS_HTTP = {grpc.StatusCode.ABORTED: 409, grpc.StatusCode.UNAVAILABLE: 503,
                grpc.StatusCode.DEADLINE_EXCEEDED: 504, grpc.StatusCode.INTERNAL: 500, grpc.StatusCode.UNKNOWN: 500}


async def test_two_command_processes_with_one_paused_lose_nothing_and_its_keys_are_taken_over(
        two_commands: Deployment) -> None:
    deployment = two_commands
    account = await deployment.start_merchant()
    client = FailoverClient(deployment)
    load = Load(deployment.gateway_url, deployment.secret_key, send=client.send)
    load.start()
    try:
        await load.acknowledged_at_least(BEFORE)
        paused = deployment.services["command2"]
        paused.signal(signal.SIGSTOP)
        # The other process carries the load, including the retries of what the paused one had claimed.
        await load.acknowledged_at_least(load.count + AFTER, timeout=120)
        paused.signal(signal.SIGCONT)
        history = await _finish_and_check(deployment, account, load, "two command processes, one paused")
    finally:
        await client.close()
    assert not [a for a in history.answers() if a.startswith("500")], history.answers()


@pytest.mark.parametrize("seconds", [5, 60])
async def test_redis_down_under_load_loses_nothing_and_projections_resume_by_themselves(
        deployment: Deployment, seconds: int) -> None:
    account, load = await _started_load(deployment)
    redis = deployment.dependencies["redis"]
    await asyncio.to_thread(redis.stop)
    await _outage(seconds)
    await asyncio.to_thread(redis.up)  # on its append-only file
    figures = await _projections_back(deployment)
    history = await _finish_and_check(deployment, account, load, f"Redis down {seconds} s", figures)
    assert not [a for a in history.answers() if a.startswith("500")], history.answers()


async def _projections_back(deployment: Deployment) -> dict[str, float]:
    """Seconds from now (a dependency of the projector is back) until every projection applies events
    again, and until every one has applied what was written before now: figures of the report, by
    themselves (no restart), not assertions on timing."""
    back_at = time.monotonic()
    written = await deployment.log_head()
    before = await deployment.projection_positions()
    figures: dict[str, float] = {}

    async def caught_up() -> bool:
        now = await deployment.projection_positions()
        if "projections_resumed_s" not in figures and now and all(
                now.get(name, 0) > position for name, position in before.items()):
            figures["projections_resumed_s"] = time.monotonic() - back_at
        return bool(now) and min(now.values()) >= written

    await eventually(caught_up, timeout=180, interval=0.1,
                     message=f"the projections never caught up by themselves{deployment.logs()}")
    figures["projections_caught_up_s"] = time.monotonic() - back_at
    figures.setdefault("projections_resumed_s", figures["projections_caught_up_s"])
    return figures


async def test_redis_flushed_then_rebuild_all_restores_the_read_side_and_lag_and_reconcile_say_so_at_once(
        deployment: Deployment) -> None:
    account, load = await _started_load(deployment)
    history = await load.stop()  # a quiet moment: nothing new arrives between the rebuild and the checks
    redis = Redis.from_url(deployment.dependencies["redis"].url)
    try:
        await redis.flushall()
    finally:
        await redis.aclose()
    rebuilt, out = await deployment.cli("rebuild", "all")
    assert rebuilt == 0, out
    # At once, before any new event moved a position.
    lag, out = await deployment.cli("lag")
    assert lag == 0, out
    reconciled, out = await deployment.cli("reconcile")
    assert reconciled == 0, out

    load = Load(deployment.gateway_url, deployment.secret_key)
    load.start()
    load.history.intents.extend(history.intents)
    await load.acknowledged_at_least(AFTER)
    history = await _finish_and_check(deployment, account, load, "Redis flushed, rebuild all")
    assert not [a for a in history.answers() if a.startswith("500")], history.answers()


@pytest_asyncio.fixture
async def proxied_projector() -> AsyncIterator[Deployment]:
    started = await start_deployment(proxied_projector=True)
    try:
        yield started
    finally:
        assert started.proxy is not None
        await started.proxy.close()
        await asyncio.to_thread(started.close)


async def test_a_network_cut_between_projector_and_nats_heals_by_itself(proxied_projector: Deployment) -> None:
    deployment = proxied_projector
    assert deployment.proxy is not None
    account, load = await _started_load(deployment)
    deployment.proxy.cut()
    # Writes go on while the projector is cut off; the read side catches up once the link is back.
    await load.acknowledged_at_least(load.count + AFTER)
    deployment.proxy.restore()
    figures = await _projections_back(deployment)
    history = await _finish_and_check(deployment, account, load, "network cut projector <-> NATS", figures)
    assert not [a for a in history.answers() if a.startswith("500")], history.answers()


async def test_kill_9_of_the_projector_loses_nothing_and_its_restart_catches_up(deployment: Deployment) -> None:
    account, load = await _started_load(deployment)
    projector = deployment.services["projector"]
    await asyncio.to_thread(projector.kill9)
    await load.acknowledged_at_least(load.count + 20)  # written while no projector runs
    projector.start()
    await deployment.wait_serving("projector")
    history = await _finish_and_check(deployment, account, load, "kill -9 projector")
    assert not [a for a in history.answers() if a.startswith("500")], history.answers()


async def test_sigstop_and_sigcont_of_the_projector_loses_nothing(deployment: Deployment) -> None:
    account, load = await _started_load(deployment)
    projector = deployment.services["projector"]
    projector.signal(signal.SIGSTOP)
    await load.acknowledged_at_least(load.count + AFTER)  # written while the projector is paused
    projector.signal(signal.SIGCONT)
    history = await _finish_and_check(deployment, account, load, "SIGSTOP/SIGCONT projector")
    assert not [a for a in history.answers() if a.startswith("500")], history.answers()
