"""`ledgermesh up`: the infrastructure (external or embedded), then every service, until Ctrl-C or SIGTERM.

By default each service is a supervised child process (composition.supervisor), so the stack uses every
core; `--one-process` runs them all in this process (docs/write-path.md, "The embedded default")."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import time

from composition import devstack
from composition.dev_account import ensure_dev_account
from composition.devstack import DataDirInUse, DevStack, InfrastructureUnavailable, client_host, redact, stack_file
from composition.heap import settle_heap
from composition.servers import ServerStartError
from composition.subcommand import Subcommand, configure_logging, run_service
from composition.supervisor import listening, ports_taken, start_supervised, until_listening, with_ports_picked
from composition.system import UP, start_system
from support.settings import Settings
from support.telemetry import setup_tracing

log = logging.getLogger("ledgermesh.up")

# How long to wait for the services' ports before announcing them anyway.
_LISTEN_TIMEOUT_S = 60.0
_REPEAT_SIGNAL_GRACE_S = 1.0


class PortsInUse(RuntimeError):
    """A service's port is taken by another program; the message names each port and its variable."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--one-process", action="store_true",
        help="run every service in this one process (one core) instead of one child process per service")


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if not os.environ.get("LEDGERMESH_ALLOW_SIGNUP"):
        # The development stack is a test-mode platform: self sign-up on unless set otherwise.
        settings = settings.with_(allow_signup=True)
    configure_logging(settings.log_level)
    try:
        return run_service(_up(settings, one_process=args.one_process))
    except (InfrastructureUnavailable, ServerStartError, DataDirInUse, PortsInUse) as exc:
        print(f"ledgermesh up: {exc}", file=sys.stderr)
        return 1
    except asyncio.CancelledError:
        print("LedgerMesh stopped by force.", file=sys.stderr)
        return 1


def _install_stop_signals(stop: asyncio.Event) -> None:
    """First Ctrl-C/SIGTERM asks for a clean stop; another one, later, cancels whatever is stuck."""
    loop = asyncio.get_running_loop()
    main_task = asyncio.current_task()
    first_at: list[float] = []

    def on_signal(signum: int) -> None:
        name = signal.Signals(signum).name
        if not first_at:
            first_at.append(time.monotonic())
            print(f"\n{name} received, stopping LedgerMesh...", file=sys.stderr, flush=True)
            stop.set()
        # One stop request often arrives twice at once (`timeout`, process managers and terminals
        # signal the whole process group): only a later one means "force".
        elif time.monotonic() - first_at[0] > _REPEAT_SIGNAL_GRACE_S and main_task is not None:
            print(f"{name} again: forcing the stop", file=sys.stderr, flush=True)
            main_task.cancel()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal, signum)


async def _up(settings: Settings, *, one_process: bool) -> int:
    taken = await asyncio.to_thread(ports_taken, settings)
    if taken:
        raise PortsInUse("something else already listens on " + "; ".join(taken))
    stop = asyncio.Event()
    _install_stop_signals(stop)
    settings, stack = await devstack.ensure_infrastructure(settings)
    try:
        if not stop.is_set():
            await (_serve_in_one_process if one_process else _serve_supervised)(settings, stack, stop)
    finally:
        await asyncio.to_thread(stack.stop)
        stack_file(settings).unlink(missing_ok=True)
    print("LedgerMesh stopped.", file=sys.stderr, flush=True)
    return 0


async def _serve_supervised(settings: Settings, stack: DevStack, stop: asyncio.Event) -> None:
    """The default: one child process per service, so the services share every core."""
    settings = with_ports_picked(settings)
    devstack.write_stack_file(settings, stack)
    announce = asyncio.create_task(_announce_when_listening(settings, stack, one_process=False))
    try:
        setup_tracing(settings)
        supervised = await start_supervised(settings)
        try:
            if await _command_listening(settings, stop):
                await ensure_dev_account(settings, supervised.system.infra.pool, settings.command_port)
            await stop.wait()
        finally:
            await supervised.stop()
    finally:
        announce.cancel()
    print("services stopped", file=sys.stderr, flush=True)


async def _command_listening(settings: Settings, stop: asyncio.Event) -> bool:
    """Wait until the command child takes calls (or the stop); False when it never did in time."""
    if await until_listening(settings, stop, _LISTEN_TIMEOUT_S, ("command_port",)):
        return True
    if not stop.is_set():
        log.error("the command service did not listen on %s within %.0f s: no test account printed",
                  settings.command_port, _LISTEN_TIMEOUT_S)
    return False


async def _serve_in_one_process(settings: Settings, stack: DevStack, stop: asyncio.Event) -> None:
    """`--one-process`: every service in this process, on one core."""
    devstack.write_stack_file(settings, stack)
    announce = asyncio.create_task(_announce_when_listening(settings, stack, one_process=True))
    try:
        setup_tracing(settings)
        system = await start_system(settings, UP)
        try:
            await ensure_dev_account(settings, system.infra.pool, system.command_port)
            settle_heap()
            await stop.wait()
        finally:
            await system.stop()
    finally:
        announce.cancel()
    print("services stopped", file=sys.stderr, flush=True)


async def _announce_when_listening(settings: Settings, stack: DevStack, *, one_process: bool) -> None:
    host = client_host(settings.host)
    ports = {settings.command_port, settings.query_port, settings.gateway_port}
    deadline = time.monotonic() + _LISTEN_TIMEOUT_S
    all_listening = False
    while not all_listening and time.monotonic() < deadline:
        all_listening = all([await asyncio.to_thread(listening, host, port) for port in ports])
        if not all_listening:
            await asyncio.sleep(0.2)
    metrics_up = await asyncio.to_thread(listening, host, settings.projector_metrics_port)
    print(_summary(settings, stack, all_listening, metrics_up, one_process), flush=True)


def _summary(settings: Settings, stack: DevStack, listening: bool, metrics_up: bool, one_process: bool) -> str:
    host = client_host(settings.host)
    embedded = {server.name: server for server in stack.started}
    lines = [
        "LedgerMesh is up:" if listening else "LedgerMesh started, but not every service listens yet:",
        f"  gateway      http://{host}:{settings.gateway_port}   (health: /healthz)",
        f"  command gRPC {host}:{settings.command_port}   (grpcurl -plaintext {host}:{settings.command_port} list)",
        f"  query gRPC   {host}:{settings.query_port}",
    ]
    if metrics_up and one_process:
        lines.append(f"  metrics      http://{host}:{settings.projector_metrics_port}/metrics   (every service)")
    elif metrics_up:
        lines.append(f"  metrics      http://{host}:{settings.projector_metrics_port}/metrics (projector), "
                     f":{settings.command_metrics_port}/metrics (command), :{settings.query_metrics_port}/metrics "
                     f"(query), the gateway's /metrics (operator key)")
    for name, url in (
        ("PostgreSQL", settings.database_url),
        ("NATS", settings.nats_url),
        ("Redis", settings.redis_url),
    ):
        where = f"embedded, data in {embedded[name].data_dir}" if name in embedded else "external"
        lines.append(f"  {name:<12} {redact(url or '?')}   ({where})")
    lines.append(f"  status       ledgermesh status   (reads {stack_file(settings)})")
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


COMMAND = Subcommand(run=run, configure=configure)
