"""`ledgermesh lag`: per projection, positions behind the log, lag p50/p99, dead letters, health.
Exit code 1 if a projection is unhealthy (events to apply, nothing applied for a while)."""

from __future__ import annotations

import argparse
import asyncio

from redis.exceptions import RedisError

from composition.cli_readside import cli_settings, open_read_side
from composition.subcommand import Subcommand
from projector.lag import lag_report


async def _lag(args: argparse.Namespace) -> int:
    async with open_read_side(cli_settings()) as side:
        try:
            rows = await lag_report(side.store, side.redis, side.prefix)
        except RedisError as exc:
            print(f"UNHEALTHY: the read models' Redis is unreachable ({type(exc).__name__}: {exc}); "
                  "the projector retries by itself and resumes once it is back")
            return 1
    print(f"{'projection':<12} {'position':>10} {'behind':>8} {'last ms':>8} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'idle s':>7} {'dlq':>5}  health")
    for r in rows:
        idle = f"{r.idle_seconds:.0f}" if r.idle_seconds is not None else "-"
        print(f"{r.name:<12} {r.position:>10} {r.behind:>8} {r.last_lag_ms:>8} {r.p50_ms:>7} {r.p99_ms:>7} "
              f"{idle:>7} {r.dead_letters:>5}  {r.health}")
    return 0 if all(r.healthy for r in rows) else 1


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_lag(args))


COMMAND = Subcommand(run=run)
