"""`ledgermesh dlq list|replay PROJECTION`: the events a projection gave up on, and re-applying them."""

from __future__ import annotations

import argparse
import asyncio
import json

from composition.cli_readside import cli_settings, open_read_side
from composition.subcommand import Subcommand
from projector.dead_letters import dead_letters, replay_dead_letters
from projector.projections import projection_named


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["list", "replay"])
    parser.add_argument("projection")
    parser.add_argument("--json", action="store_true", help="one JSON record per line")


async def _dlq(args: argparse.Namespace) -> int:
    projection = projection_named(args.projection)
    async with open_read_side(cli_settings()) as side:
        if args.action == "list":
            records = await dead_letters(side.redis, side.prefix, projection.name)
            for r in records:
                print(json.dumps(r) if args.json else
                      f"{r.get('at', '')}  {r.get('event_type') or '?':<22} {r.get('event_id') or '?'}  "
                      f"x{r.get('deliveries')}  {r.get('error')}")
            print(f"{len(records)} dead letters for {projection.name}")
            return 0
        result = await replay_dead_letters(side.store, side.redis, side.prefix, projection)
    print(f"replayed {len(result.replayed)}, still failing {len(result.failed)}, not in the log {len(result.missing)}")
    for line in result.failed:
        print(f"  failed: {line}")
    for event_id in result.missing:
        print(f"  not in the log: {event_id}")
    return 0 if not result.failed else 1


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_dlq(args))


COMMAND = Subcommand(run=run, configure=_configure)
