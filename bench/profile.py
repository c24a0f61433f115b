"""Where the time goes, for a goal LedgerMesh misses: `python -m bench.profile {command,projector,query,rebuild,embedded}
[--seconds S]` samples the service process under load with py-spy (pinned in the dev extras)
and prints the functions with the largest share of samples, inclusive and self.
Writes bench/results/profile-<target>.txt (`query` also profile-gateway.txt: REST GETs)."""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.harness import ensure_import_paths

ensure_import_paths()

from bench.harness import (  # noqa: E402
    Servers,
    charge_request,
    closed_loop,
    create_merchants,
    isolated,
    log,
    merchants_needed,
    open_loop,
    services,
)
from bench.model import RunContext, Size  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def _py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(found).exists():
        raise SystemExit("py-spy is not installed: pip install py-spy")
    return found


def record(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([_py_spy(), "record", "-p", str(pid), "-d", str(int(seconds)), "-r", "200", "-f", "raw",
                             "-o", str(out), "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


_ROOT = str(Path(__file__).resolve().parents[1]) + "/"


def _frame(raw: str) -> str:
    """`func (path/to/file.py:123)` -> `func (file path without line, relative to the repo or site-packages)`."""
    match = re.match(r"(.*) \((.*?)(?::\d+)?\)$", raw)
    if not match:
        return raw
    func, path = match.groups()
    path = path.replace(_ROOT, "").split("/site-packages/")[-1]
    return f"{func} ({path})"


def hot_spots(collapsed: Path, top: int = 15) -> str:
    """Inclusive and self shares per function from py-spy's collapsed stacks."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        frames = [_frame(f) for f in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
    lines = [f"{total} samples", "", "inclusive share (time in the function and what it calls):"]
    lines += [f"  {100 * c / total:5.1f}%  {f}" for f, c in inclusive.most_common(top * 2)]
    lines += ["", "self share (time in the function's own code):"]
    lines += [f"  {100 * c / total:5.1f}%  {f}" for f, c in own.most_common(top)]
    return "\n".join(lines)


async def profile_command(ctx: RunContext, seconds: float, out: Path) -> None:
    import grpc
    from ledgermesh.payments.v1 import payment_service_pb2_grpc

    async with isolated(ctx.servers) as settings, services(settings, "command") as started:
        channel = grpc.aio.insecure_channel(started["command"].target)
        stub = payment_service_pb2_grpc.PaymentCommandServiceStub(channel)
        merchants = await create_merchants(channel, merchants_needed(8, 4000))

        async def op(n: int) -> None:
            await stub.CreateCharge(charge_request(n), metadata=merchants[n % len(merchants)].metadata)

        spy = record(started["command"].process.pid, seconds, out)
        result = await closed_loop(op, clients=8, ops=10**9, max_seconds=seconds)
        await asyncio.to_thread(spy.wait)
        await channel.close()
        log(f"CreateCharge at 8 clients: {result.throughput:.0f}/s while sampled")


async def profile_projector(ctx: RunContext, seconds: float, out: Path) -> None:
    import grpc
    from ledgermesh.payments.v1 import payment_service_pb2_grpc

    async with isolated(ctx.servers) as settings, services(settings, "command", "projector") as started:
        channel = grpc.aio.insecure_channel(started["command"].target)
        stub = payment_service_pb2_grpc.PaymentCommandServiceStub(channel)
        merchants = await create_merchants(channel, merchants_needed(8, 2000))

        async def op(n: int) -> None:
            await stub.CreateCharge(charge_request(n), metadata=merchants[n % len(merchants)].metadata)

        spy = record(started["projector"].process.pid, seconds, out)
        result = await open_loop(op, rate=40, seconds=seconds)
        await asyncio.to_thread(spy.wait)
        await channel.close()
        log(f"projector sampled while CreateCharge ran at {result.throughput:.0f}/s")


async def profile_query(ctx: RunContext, seconds: float, out: Path) -> None:
    """The query service (and, in a second file, the gateway) while 8 clients read charges: GetCharge
    over gRPC, then GET /v1/charges/{id} over REST."""
    import grpc
    import httpx
    from ledgermesh.payments.v1 import payment_service_pb2_grpc
    from ledgermesh.query.v1 import query_service_pb2 as q
    from ledgermesh.query.v1 import query_service_pb2_grpc

    async with isolated(ctx.servers) as settings, services(settings, "command", "projector", "query",
                                                           "gateway") as started:
        command = grpc.aio.insecure_channel(started["command"].target)
        query = grpc.aio.insecure_channel(started["query"].target)
        http = httpx.AsyncClient(base_url=f"http://{started['gateway'].target}", timeout=15)
        merchant = (await create_merchants(command, 1))[0]
        pay = payment_service_pb2_grpc.PaymentCommandServiceStub(command)
        ids = [(await pay.CreateCharge(charge_request(n), metadata=merchant.metadata)).charge.id for n in range(20)]
        stub = query_service_pb2_grpc.QueryServiceStub(query)
        await asyncio.sleep(1.0)

        async def get(n: int) -> None:
            await stub.GetCharge(q.GetChargeRequest(charge_id=ids[n % len(ids)]), metadata=merchant.metadata)

        async def rest(n: int) -> None:
            await http.get(f"/v1/charges/{ids[n % len(ids)]}", headers=merchant.headers)

        spy = record(started["query"].process.pid, seconds, out)
        result = await closed_loop(get, clients=8, ops=10**9, max_seconds=seconds)
        await asyncio.to_thread(spy.wait)
        log(f"GetCharge at 8 clients: {result.throughput:.0f}/s while sampled")
        spy = record(started["gateway"].process.pid, seconds, out.with_name("gateway.txt"))
        result = await closed_loop(rest, clients=8, ops=10**9, max_seconds=seconds)
        await asyncio.to_thread(spy.wait)
        log(f"REST GET at 8 clients: {result.throughput:.0f}/s while sampled")
        await http.aclose()
        await query.close()
        await command.close()


async def profile_embedded(ctx: RunContext, seconds: float, out: Path) -> None:
    """Everything in one process (`ledgermesh up --one-process`) while 16 clients over 16 merchants POST
    /v1/charges: what a REST charge costs the whole stack, and which of it no single service would pay."""
    import httpx

    from bench.scenarios.embedded_rest import rest_merchants

    async with isolated(ctx.servers) as isolated_settings:
        settings = isolated_settings.with_(gateway_rate_per_second=100_000.0, gateway_rate_burst=100_000,
                                           account_reads_per_second=0.0, account_writes_per_second=0.0)
        async with services(settings, "all-one-process") as started:
            stack = started["all-one-process"]
            async with httpx.AsyncClient(base_url=f"http://{stack.target}", timeout=30) as http:
                keys = await rest_merchants(http, 16)

                async def op(n: int) -> None:
                    reply = await http.post("/v1/charges", headers=keys[n % 16], data={
                        "amount": str(1_000 + n % 4_000), "currency": "usd", "source": "tok_visa",
                        "description": f"bench order {n}", "metadata[order_id]": f"o-{n}"})
                    reply.raise_for_status()

                await closed_loop(op, clients=16, ops=64, max_seconds=30)
                spy = record(stack.process.pid, seconds, out)
                result = await closed_loop(op, clients=16, ops=10**9, max_seconds=seconds)
                await asyncio.to_thread(spy.wait)
                log(f"REST CreateCharge on one process at 16 clients: {result.throughput:.0f}/s while sampled")


async def profile_rebuild(ctx: RunContext, seconds: float, out: Path) -> None:
    import os
    import uuid

    from bench.harness import delete_redis_prefix
    from bench.scenarios import rebuild

    ctx.size = Size.QUICK
    await rebuild.prepare(ctx)
    prefix = f"benchrb{uuid.uuid4().hex[:8]}:"
    args = {"database_url": ctx.servers.database_url, "schema": rebuild._STATE["schema"],
            "redis_url": ctx.servers.redis_url, "prefix": prefix, "max_seconds": seconds}
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(root / "gen")])}
    try:
        await asyncio.to_thread(subprocess.run, [
            _py_spy(), "record", "-r", "200", "-f", "raw", "-o", str(out), "--",
            sys.executable, "-m", "bench.rebuild_worker", json.dumps(args)], cwd=root, env=env, check=True,
            stdout=subprocess.DEVNULL)
    finally:
        await delete_redis_prefix(ctx.servers.redis_url, prefix)
        await rebuild.cleanup(ctx)


TARGETS = {"command": profile_command, "projector": profile_projector, "query": profile_query,
           "rebuild": profile_rebuild, "embedded": profile_embedded}


async def main(target: str, seconds: float) -> None:
    servers = Servers.start()
    out = Path(tempfile.mkdtemp(prefix="lm-profile-")) / f"{target}.txt"
    try:
        await TARGETS[target](RunContext(servers, Size.FULL), seconds, out)
    finally:
        servers.stop()
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name, collapsed in ((target, out), ("gateway", out.with_name("gateway.txt"))):
        if name != target and not collapsed.exists():
            continue
        report = f"# py-spy profile of {name} ({seconds:g} s)\n\n" + hot_spots(collapsed)
        (RESULTS / f"profile-{name}.txt").write_text(report + "\n")
        print(report)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("target", choices=sorted(TARGETS))
    parser.add_argument("--seconds", type=float, default=15.0)
    a = parser.parse_args()
    asyncio.run(main(a.target, a.seconds))
