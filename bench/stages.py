"""Where one CreateCharge's time goes, stage by stage: `python -m bench.stages [--ops N] [--key]`
(`--py-spy FILE`: and samples it with py-spy) runs the command service in its own process with timing marks wrapped around its stages (this
module's `--serve`, the bench's service process with the marks installed; nothing in the service's
code knows of them), sends N charges from one client, one at a time, and prints per stage the median
and 90th percentile of its wall time and of the service's event-loop thread CPU time in it.

Stages, in the order a charge meets them: gRPC in (the client's send -> the auth interceptor: the
transport and the request's decoding), auth, idempotency claim (`--key` only), decide, queue (the
decision -> the group commit's writer has a connection), round trip 1 (locks, positions, heads),
seal (check, encrypt, chain, sign), responses built and the INSERT sent, round trip 2 (the COMMIT
and its fsync, the connection back to the pool), hand to the publisher, answer (resume, present, gRPC out -> the client's receive); and, in the background,
publish (the batch handed on -> every event sent) and the JetStream acknowledgements (-> the last
one back). Both processes read CLOCK_MONOTONIC (`perf_counter_ns`), so their marks compare.
Results of a run: bench/results/cmd4-stages.md."""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench.harness import ensure_import_paths

ensure_import_paths()

from bench import harness, profile  # noqa: E402

# One dict of marks per charge, in the order the service met them: name -> (monotonic ns, thread CPU ns).
_calls: list[dict[str, tuple[int, int]]] = []


def _mark(name: str, call: dict[str, tuple[int, int]] | None = None) -> None:
    target = call if call is not None else (_calls[-1] if _calls else None)
    if target is not None and name not in target:
        target[name] = (time.perf_counter_ns(), time.thread_time_ns())


def _around(owner: Any, attribute: str, before: str | None, after: str | None, *, starts_call: bool = False) -> None:
    """Wrap the coroutine method `owner.attribute` with marks at its start and its end."""
    original = getattr(owner, attribute)

    @functools.wraps(original)
    async def wrapped(*args: Any, **kwargs: Any) -> Any:
        if starts_call:
            _calls.append({})
        if before:
            _mark(before)
        try:
            return await original(*args, **kwargs)
        finally:
            if after:
                _mark(after)

    setattr(owner, attribute, wrapped)


def _install() -> None:
    from command_svc.api.payments import PaymentServicer
    from command_svc.application.payments import PaymentsApp
    from command_svc.application.pipeline import CommandRunner
    from eventlog import bus
    from eventlog.group_commit import GroupCommit
    from support.auth import AuthInterceptor

    _around(AuthInterceptor, "_decide", "in", "auth", starts_call=True)
    _around(CommandRunner, "_claim", "claim_start", "claimed")
    _around(PaymentsApp, "create_charge", "decide_start", "decided")
    _around(GroupCommit, "write_in", "connected", "written")
    _around(GroupCommit, "_write", None, "durable")
    _around(GroupCommit, "_check_and_seal", "round_trip_1", None)
    _around(PaymentServicer, "CreateCharge", None, "answered")

    with_positions = GroupCommit._with_positions

    def sealed(batch: Any) -> Any:
        _mark("sealed")
        return with_positions(batch)

    GroupCommit._with_positions = staticmethod(sealed)  # type: ignore[method-assign]

    enqueue = bus.BackgroundPublisher.enqueue

    def handed(self: Any, events: Any) -> None:
        _mark("handing")
        call = _calls[-1] if _calls else None
        enqueue(self, events)
        _mark("handed")
        sender = self._sender

        def sent(_: Any) -> None:
            _mark("published", call)

        sender.add_done_callback(sent)
        last = events[-1].event_id if events else None
        send = self._publisher.send

        async def send_marking(event: Any) -> Any:
            ack = await send(event)
            if event.event_id == last:
                ack.add_done_callback(lambda _: _mark("acked", call))
            return ack

        self._publisher.send = send_marking

    bus.BackgroundPublisher.enqueue = handed  # type: ignore[method-assign]


async def _serve(fields: dict[str, Any], options: dict[str, Any], out: str) -> None:
    from bench.service_process import serve

    _install()
    try:
        await serve("command", fields, options)
    finally:
        Path(out).write_text(json.dumps(_calls))


# (stage, from mark, to mark); the client's marks are "sent" and "received".
STAGES = (
    ("gRPC in", "sent", "in"),
    ("auth", "in", "auth"),
    ("idempotency claim", "claim_start", "claimed"),
    ("decide", "decide_start", "decided"),
    ("queue + connection", "decided", "connected"),
    ("round trip 1", "connected", "round_trip_1"),
    ("seal", "round_trip_1", "sealed"),
    ("responses, INSERT sent", "sealed", "written"),
    ("round trip 2: COMMIT (fsync), connection back", "written", "durable"),
    ("hand to publisher", "handing", "handed"),
    ("answer (resume, present, gRPC out)", "handed", "received"),
    ("whole call (client)", "sent", "received"),
    ("publish: handed -> all sent", "handed", "published"),
    ("JetStream: handed -> last ack", "handed", "acked"),
)


async def _load(settings: Any, ops: int, key: bool, out: str, spy_to: Path | None) -> list[tuple[int, int]]:
    import grpc
    from ledgermesh.payments.v1 import payment_service_pb2_grpc

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(root / "gen")])}
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.stages", "--serve", harness._settings_json(settings),
         json.dumps({"relay": True}), out], cwd=root, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), timeout=90)
        if not line.startswith("READY "):
            raise RuntimeError(f"the command service did not start: {line!r}")
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{int(line.split()[1])}")
        stub = payment_service_pb2_grpc.PaymentCommandServiceStub(channel)
        merchants = await harness.create_merchants(channel, harness.merchants_needed(1, ops))
        run = uuid.uuid4().hex
        client: list[tuple[int, int]] = []
        # py-spy (bench.profile) for the time the charges take, about 7 ms each on a quiet machine.
        spy = profile.record(process.pid, max(2.0, ops * 0.006), spy_to) if spy_to is not None else None
        # The merchants' sign-ups are calls the service marks too; the charges' marks are the last `ops`.
        for n in range(ops):
            request = harness.charge_request(n)
            if key:
                request.idempotency_key = f"stages-{run}-{n}"
            sent = time.perf_counter_ns()
            await stub.CreateCharge(request, metadata=merchants[n % len(merchants)].metadata)
            client.append((sent, time.perf_counter_ns()))
        await asyncio.sleep(0.5)  # the last acknowledgements
        if spy is not None:
            await asyncio.to_thread(spy.wait)
        await channel.close()
        return client
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.to_thread(process.wait, 30)


def _report(server: list[dict[str, list[int]]], client: list[tuple[int, int]], warmup: int) -> str:
    calls = []
    for marks, (sent, received) in zip(server[-len(client):], client, strict=True):
        calls.append({**marks, "sent": [sent, 0], "received": [received, 0]})
    calls = calls[warmup:]
    lines = ["| stage | wall p50 (us) | wall p90 (us) | wall p99 (us) | loop-thread CPU p50 (us) |",
             "| --- | --- | --- | --- | --- |"]
    for name, start, end in STAGES:
        spans = [(c[end][0] - c[start][0], c[end][1] - c[start][1]) for c in calls if start in c and end in c]
        if not spans:
            continue
        walls = sorted(s[0] / 1000 for s in spans)
        cpu = "" if "sent" in (start, end) or "received" in (start, end) else \
            f"{statistics.median(s[1] / 1000 for s in spans):.0f}"
        lines.append(f"| {name} | {statistics.median(walls):.0f} | {walls[int(0.9 * (len(walls) - 1))]:.0f} | "
                     f"{walls[int(0.99 * (len(walls) - 1))]:.0f} | {cpu} |")
    return "\n".join(lines)


async def main(ops: int, key: bool, spy_to: Path | None) -> None:
    servers = harness.Servers.start()
    out = f"/tmp/ledgermesh-stages-{os.getpid()}.json"
    try:
        async with harness.isolated(servers) as settings:
            client = await _load(settings, ops, key, out, spy_to)
    finally:
        servers.stop()
    server = json.loads(Path(out).read_text())
    os.unlink(out)
    print(f"CreateCharge, 1 client, {ops} charges{' with an idempotency key' if key else ''}, "
          f"load {os.getloadavg()[0]:.2f}:")
    print(_report(server, client, warmup=min(20, ops // 5)))
    if spy_to is not None:
        print(f"\npy-spy of the command service meanwhile ({spy_to}):\n" + profile.hot_spots(spy_to, top=25))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        from composition.subcommand import run_service

        run_service(_serve(json.loads(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4]))
    else:
        parser = argparse.ArgumentParser(prog="python -m bench.stages")
        parser.add_argument("--ops", type=int, default=300)
        parser.add_argument("--key", action="store_true", help="an idempotency key on every charge")
        parser.add_argument("--py-spy", type=Path, help="also sample the service with py-spy into this raw file")
        a = parser.parse_args()
        asyncio.run(main(a.ops, a.key, a.py_spy))
