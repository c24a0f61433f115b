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

import httpx
import pytest
import pytest_asyncio

from tests.chaos.deployment import Deployment, start_deployment
from tests.chaos.load import History, Load, check_log, read_models_match
from tests.conftest import eventually

pytestmark = pytest.mark.chaos

# Charges acknowledged before the fault, and after recovery, per scenario: a few seconds of load each.
BEFORE, AFTER = 40, 40


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
                            fault_at: float) -> History:
    """More load after recovery, then the whole check."""
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
    reconciled, out = await deployment.cli("reconcile")
    assert reconciled == 0, out
    rebuilt, out = await deployment.cli("rebuild", "all", "--dry-run")
    assert rebuilt == 0, f"the read models differ from a rebuild from the log:\n{out}"
    assert await deployment.all_serving(), deployment.logs()
    _report(scenario, history, fault_at)
    return history


def _report(scenario: str, history: History, fault_at: float) -> None:
    """Figures of the run for docs/reliability.md, when LEDGERMESH_CHAOS_REPORT names a file."""
    path = os.environ.get("LEDGERMESH_CHAOS_REPORT")
    after_fault = [i for i in history.acknowledged if i.started >= fault_at or
                   (i.acknowledged_at or 0) >= fault_at]
    first_ok = min((i.acknowledged_at for i in after_fault if i.acknowledged_at), default=fault_at)
    line = {"scenario": scenario, "acknowledged": len(history.acknowledged), "retries": history.retried(),
            "answers": {k.split(" ", 1)[0]: v for k, v in history.answers().items()},
            "longest_wait_s": round(history.longest_wait_s(), 2),
            "first_ack_after_fault_s": round(first_ok - fault_at, 2)}
    print(json.dumps(line))
    if path:
        with Path(path).open("a") as out:
            out.write(json.dumps(line) + "\n")


async def test_kill_9_of_the_command_service_loses_nothing_and_its_retries_succeed_without_409(
        deployment: Deployment) -> None:
    account, load = await _started_load(deployment)
    command = deployment.services["command"]
    fault_at = time.monotonic()
    await asyncio.to_thread(command.kill9)
    command.start()  # the supervisor's restart
    await deployment.wait_serving("command")
    history = await _finish_and_check(deployment, account, load, "kill -9 command", fault_at)
    assert not [a for a in history.answers() if a.startswith(("409", "500"))], history.answers()


async def test_sigstop_and_sigcont_of_the_command_service_loses_nothing(deployment: Deployment) -> None:
    account, load = await _started_load(deployment)
    command = deployment.services["command"]
    fault_at = time.monotonic()
    command.signal(signal.SIGSTOP)
    # Paused while the clients time out and retry against it: until some of them have.
    await eventually(lambda: _some_timed_out(load, fault_at), timeout=30, message="no client noticed the pause")
    command.signal(signal.SIGCONT)
    history = await _finish_and_check(deployment, account, load, "SIGSTOP/SIGCONT command", fault_at)
    assert not [a for a in history.answers() if a.startswith("500")], history.answers()


async def _some_timed_out(load: Load, since: float) -> bool:
    return any(a in ("timeout",) or a.startswith("504") for i in load.history.intents if i.started >= since - 10
               for a in i.answers)
