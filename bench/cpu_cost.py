"""CPU per command, the figure a busy machine does not blur: `python -m bench.cpu_cost [--clients C]
[--ops N] [--rounds R] [--key] [--rest [--one-process]]` runs CreateCharge (`--key`: each with an
idempotency key) against a command service in its own
process (`--rest`: POST /v1/charges against the stack as `ledgermesh up` runs it, a supervisor and one
child process per service; with `--one-process`, as `ledgermesh up --one-process`) and prints, per round,
the service processes' CPU seconds (user + system, every thread, child processes included) divided by the charges served,
with the throughput and the load average. Throughput moves with what else the machine runs; CPU per
charge much less, so A/B comparisons of the command path use it (docs/write-path.md)."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import uuid
from pathlib import Path
from typing import Any

from bench.harness import ensure_import_paths

ensure_import_paths()

from bench import harness  # noqa: E402
from bench.harness import _descendants, _stat_fields, charge_request, closed_loop, cpu_seconds, services  # noqa: E402
from bench.rest_client import RestClients  # noqa: E402
from bench.scenarios.embedded_rest import rest_merchants  # noqa: E402


async def _grpc_rounds(settings: Any, clients: int, ops: int, rounds: int,
                       keyed: bool = False) -> list[tuple[float, float, float]]:
    import grpc
    from ledgermesh.payments.v1 import payment_service_pb2_grpc

    async with services(settings, "command") as started:
        channel = grpc.aio.insecure_channel(started["command"].target)
        try:
            stub = payment_service_pb2_grpc.PaymentCommandServiceStub(channel)
            merchants = await harness.create_merchants(channel, harness.merchants_needed(clients, ops * (rounds + 1)))

            async def op(n: int) -> None:
                request = charge_request(n)
                if keyed:  # as every POST of Stripe's SDKs: a new key, claimed before the command decides
                    request.idempotency_key = uuid.uuid4().hex
                await stub.CreateCharge(request, metadata=merchants[n % len(merchants)].metadata)

            return await _measure(started["command"].process.pid, op, clients, ops, rounds)
        finally:
            await channel.close()


async def _rest_rounds(settings: Any, clients: int, ops: int, rounds: int,
                       role: str = "all", use_httpx: bool = False) -> list[tuple[float, float, float]]:
    import httpx

    settings = settings.with_(gateway_rate_per_second=100_000.0, gateway_rate_burst=100_000)
    async with services(settings, role) as started:
        target = started[role].target
        async with httpx.AsyncClient(base_url=f"http://{target}", timeout=30) as http:
            keys = await rest_merchants(http, clients)
            host, _, port = target.rpartition(":")
            async with RestClients(host, int(port), clients) as lean:
                poster = http if use_httpx else lean

                async def op(n: int) -> None:
                    reply = await poster.post("/v1/charges", headers=keys[n % clients], data={
                        "amount": str(1_000 + n % 4_000), "currency": "usd", "source": "tok_visa",
                        "description": f"bench order {n}", "metadata[order_id]": f"o-{n}"})
                    if reply.status_code != 200:
                        raise RuntimeError(f"HTTP {reply.status_code}: {reply.text[:200]}")

                return await _measure(started[role].process.pid, op, clients, ops, rounds, split=True)


def _role_of(pid: int, stack: int) -> str:
    """Which part of the stack a process is: the supervisor, `serve <role>`, or its program's name."""
    if pid == stack:
        return "supervisor"
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    if b"serve" in argv:
        return argv[argv.index(b"serve") + 1].decode()
    return Path(argv[0].decode()).name or "?"


def _cpu_by_part(stack: int) -> dict[str, float]:
    """CPU seconds so far of every process of the stack by part, and of the machine's PostgreSQL
    (every postgres process: shared with whoever else uses it) and nats-server, and this process
    (the bench's own clients)."""
    ticks: dict[str, int] = {}
    pids = {stack: "", **dict.fromkeys(_descendants(stack), "")}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) not in pids:
            try:
                comm = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if comm in ("postgres", "nats-server"):
                pids[int(entry.name)] = "postgres" if comm == "postgres" else "nats"
    pids[os.getpid()] = "bench clients"
    for pid, part in pids.items():
        try:
            fields = _stat_fields(pid)
        except OSError:
            continue
        part = part or _role_of(pid, stack)
        ticks[part] = ticks.get(part, 0) + int(fields[11]) + int(fields[12])
    return {part: t / os.sysconf("SC_CLK_TCK") for part, t in ticks.items()}


async def _measure(pid: int, op: Any, clients: int, ops: int, rounds: int,
                   split: bool = False) -> list[tuple[float, float, float]]:
    """(CPU ms per charge, charges/s, 1-minute load average) per round, after a warm-up round; with
    `split`, also prints each round's CPU ms per charge by part of the stack."""
    await closed_loop(op, clients=clients, ops=max(ops // 4, clients * 4), max_seconds=30)
    out = []
    for _ in range(rounds):
        before = cpu_seconds(pid)
        parts_before = _cpu_by_part(pid) if split else {}
        result = await closed_loop(op, clients=clients, ops=ops, max_seconds=120)
        if result.errors:
            raise RuntimeError(f"{result.errors} calls failed")
        out.append((1000 * (cpu_seconds(pid) - before) / result.completed, result.throughput, os.getloadavg()[0]))
        if split:
            after = _cpu_by_part(pid)
            print("  CPU-ms per charge by part: " + ", ".join(
                f"{part} {1000 * (after[part] - parts_before.get(part, 0.0)) / result.completed:.2f}"
                for part in sorted(after, key=lambda k: parts_before.get(k, 0.0) - after[k])), flush=True)
    return out


async def main(clients: int, ops: int, rounds: int, rest: bool, one_process: bool = False,
               use_httpx: bool = False, keyed: bool = False) -> None:
    servers = harness.Servers.start()
    try:
        async with harness.isolated(servers) as settings:
            if rest:
                results = await _rest_rounds(settings, clients, ops, rounds,
                                             "all-one-process" if one_process else "all", use_httpx)
            else:
                results = await _grpc_rounds(settings, clients, ops, rounds, keyed)
    finally:
        servers.stop()
    what = ("gRPC CreateCharge with an idempotency key, command service" if keyed and not rest else
            "gRPC CreateCharge, command service" if not rest else
            "REST POST /v1/charges, all in one process" if one_process else
            "REST POST /v1/charges, ledgermesh up (one process per service)")
    for cpu_ms, per_s, load in results:
        print(f"{what}, {clients} clients: {cpu_ms:.2f} CPU-ms/charge, {per_s:.0f}/s, load {load:.2f}")
    print(f"median: {statistics.median(r[0] for r in results):.2f} CPU-ms/charge, "
          f"{statistics.median(r[1] for r in results):.0f}/s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.cpu_cost")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--ops", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rest", action="store_true", help="REST on the stack as `ledgermesh up` (make run) runs it")
    parser.add_argument("--one-process", action="store_true", help="with --rest: as `ledgermesh up --one-process`")
    parser.add_argument("--httpx", action="store_true",
                        help="with --rest: the load on httpx's AsyncClient (before: bench/rest_client.py)")
    parser.add_argument("--key", action="store_true", help="gRPC: an idempotency key on every charge")
    a = parser.parse_args()
    asyncio.run(main(a.clients, a.ops, a.rounds, a.rest, a.one_process, a.httpx, a.key))
