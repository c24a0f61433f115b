"""A/B of the idempotent-response write: CreateCharge with an idempotency key (its response is saved in
the events' transaction, with the streams it wrote) at 8 clients through the bench's command service
process; prints throughput and the command process's CPU milliseconds per command. The command
scenario sends no key, so it never saves a response. Run it from each checkout, interleaved:
`cd CHECKOUT && .venv/bin/python -m bench.idempotent_ab` (for the A/B against main, copy this file into
the main checkout's bench/; `--py-spy FILE` also records a raw py-spy profile of the command process).
Results: bench/results/idempotent-responses.md."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import grpc

from bench.harness import (
    Servers,
    charge_request,
    closed_loop,
    create_merchants,
    ensure_import_paths,
    isolated,
    services,
)

CLIENTS = 8
MERCHANTS = 64


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _run(ops: int, py_spy: str | None) -> dict[str, float]:
    from ledgermesh.payments.v1 import payment_service_pb2_grpc

    servers = Servers.start()
    try:
        async with isolated(servers) as settings, services(settings, "command") as started:
            command = started["command"]
            channel = grpc.aio.insecure_channel(command.target)
            stub = payment_service_pb2_grpc.PaymentCommandServiceStub(channel)
            merchants = await create_merchants(channel, MERCHANTS)
            run = os.urandom(4).hex()

            async def op(n: int) -> None:
                request = charge_request(n)
                request.idempotency_key = f"{run}-{n}"
                await stub.CreateCharge(request, metadata=merchants[n % MERCHANTS].metadata)

            await closed_loop(op, clients=CLIENTS, ops=100, max_seconds=30)
            spy = None if py_spy is None else subprocess.Popen(
                [str(Path(sys.executable).parent / "py-spy"), "record", "-p", str(command.process.pid), "-d", "12",
                 "-r", "50", "--nonblocking", "-f", "raw", "-o", py_spy],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            before = _cpu_seconds(command.process.pid)
            result = await closed_loop(lambda n: op(n + 1000), clients=CLIENTS, ops=ops, max_seconds=60)
            cpu = _cpu_seconds(command.process.pid) - before
            if spy is not None:
                spy.wait()
            await channel.close()
    finally:
        servers.stop()
    return {"per_s": round(result.throughput, 1), "cpu_ms_per_op": round(cpu * 1000 / ops, 3),
            "load": round(os.getloadavg()[0], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ops", type=int, default=600)
    parser.add_argument("--py-spy", metavar="FILE")
    args = parser.parse_args()
    ensure_import_paths()
    print(json.dumps({"checkout": Path.cwd().name, **asyncio.run(_run(args.ops, args.py_spy))}))


if __name__ == "__main__":
    main()
