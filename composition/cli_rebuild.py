"""`ledgermesh rebuild PROJECTION [--dry-run]`: blue/green rebuild from the event log (projector.rebuild)."""

from __future__ import annotations

import argparse
import asyncio

from composition.cli_readside import cli_settings, open_read_side
from composition.subcommand import Subcommand
from projector.projections import all_projections, projection_named
from projector.rebuild import rebuild_many
from support.progress import ProgressBar


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("projection", help="projection name, or 'all'")
    parser.add_argument("--dry-run", action="store_true", help="build and show the diff; do not switch")
    parser.add_argument("--batch", type=int, default=1000, help="events per read and per Redis pipeline")


async def _rebuild(args: argparse.Namespace) -> int:
    projections = all_projections() if args.projection == "all" else [projection_named(args.projection)]
    differences = 0
    async with open_read_side(cli_settings()) as side:
        bar = ProgressBar(f"rebuild {args.projection}")
        results = await rebuild_many(side.store, side.redis, side.prefix, projections, dry_run=args.dry_run,
                                     batch=args.batch, progress=bar)
        bar.close()
    for result in results:
        b, d = result.build, result.diff
        print(f"{result.projection}: {b.events:,} events in {b.seconds:.1f}s ({b.rate:,.0f}/s), "
              f"{b.failed} failed, {b.out_of_order} out of order; diff against live: {d.compared:,} keys "
              f"compared, {d.changed} changed, {d.only_new} only rebuilt, {d.only_live} only live")
        for line in d.examples:
            print(f"  {line}")
        for line in b.errors:
            print(f"  error: {line}")
        if result.switched:
            caught = result.catch_up.applied if result.catch_up else 0
            print(f"  switched: {result.moved:,} keys now live; catch-up applied {caught} events")
        differences += d.differences
    # A dry run is a check: it fails when the live read model differs from the log.
    return 1 if args.dry_run and differences else 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_rebuild(args))


COMMAND = Subcommand(run=run, configure=_configure)
