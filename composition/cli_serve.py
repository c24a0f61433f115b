"""`ledgermesh serve command|query|projector|gateway`: one service alone in this process, configured
from the environment (docker-compose runs one container per service this way). The infrastructure
must already be running at DATABASE_URL, NATS_URL and REDIS_URL."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from composition.heap import settle_heap
from composition.subcommand import Subcommand, configure_logging, run_service
from composition.system import SERVICES, start_system
from support.settings import Settings
from support.telemetry import setup_tracing

log = logging.getLogger("ledgermesh.serve")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("service", choices=list(SERVICES))


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    return run_service(_serve(args.service, settings))


async def _serve(service: str, settings: Settings) -> int:
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    setup_tracing(settings.with_(service_name=f"ledgermesh-{service}"))
    system = await start_system(settings, SERVICES[service])
    settle_heap()
    log.info("ledgermesh %s serving", service)
    try:
        await stop.wait()
    finally:
        await system.stop()
    return 0


COMMAND = Subcommand(run=run, configure=configure)
