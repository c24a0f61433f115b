"""What every `ledgermesh <name>` module defines, apart from the registry that lists them (composition.cli)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import uvloop

T = TypeVar("T")


@dataclass(frozen=True)
class Subcommand:
    """One `ledgermesh <name>`: its options, and what it does (returns the exit code)."""

    run: Callable[[argparse.Namespace], int]
    configure: Callable[[argparse.ArgumentParser], None] = lambda parser: None


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)-5s %(name)s: %(message)s", stream=sys.stderr
    )


def run_service(main: Coroutine[Any, Any, T]) -> T:
    """Run a long-lived service's event loop: uvloop, whose loop costs each request less than asyncio's
    own (grpc.aio, psycopg, nats-py and uvicorn all run on it)."""
    return uvloop.run(main)
