"""`ledgermesh rebuild PROJECTION [--dry-run] [--workers N]`: blue/green rebuild from the event log (projector.rebuild).
`--as-of TIME|POSITION` builds the projection as the log stood then into a prefix of its own instead
(the live read model is not touched), e.g. the books at a quarter's close."""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from composition.cli_readside import cli_settings, fold_worker_side, open_read_side
from composition.cli_replay import parse_time
from composition.subcommand import Subcommand
from projector.projections import all_projections, projection_named
from projector.rebuild import EventFilter, rebuild_as_of, rebuild_many
from support.progress import ProgressBar


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("projection", help="projection name, or 'all'")
    parser.add_argument("--dry-run", action="store_true", help="build and show the diff; do not switch")
    parser.add_argument("--batch", type=int, default=1000, help="events per read and per Redis pipeline")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="fold the log in N processes, each a share of the tenants (one per core)")
    parser.add_argument("--as-of", type=as_of, metavar="TIME|POSITION",
                        help="the log up to this global position (a number) or time (ISO, e.g. 2026-04-01): events "
                             "created before it, into a new prefix")


@dataclass(frozen=True)
class AsOf:
    """A global position (inclusive) or a moment (events created before it)."""

    position: int | None = None
    moment: datetime | None = None

    def __str__(self) -> str:
        return f"position {self.position}" if self.position is not None else f"{self.moment}"

    def event_filter(self, tenant_id: str | None = None):  # type: ignore[no-untyped-def]

        return EventFilter(until_position=self.position, until=self.moment, tenant_id=tenant_id)


def as_of(text: str) -> AsOf:
    return AsOf(position=int(text)) if text.isdigit() else AsOf(moment=parse_time(text))


async def _rebuild_as_of(args: argparse.Namespace) -> int:

    projections = all_projections() if args.projection == "all" else [projection_named(args.projection)]
    async with open_read_side(cli_settings()) as side:
        bar = ProgressBar(f"rebuild {args.projection} as of")
        target, results = await rebuild_as_of(side.store, side.redis, side.prefix, projections,
                                              args.as_of.event_filter(), batch=args.batch, progress=bar)
        bar.close()
    for name, result in results.items():
        print(f"{name}: {result.events:,} events in {result.seconds:.1f}s, {result.failed} failed")
    print(f"read models as of {args.as_of} are under the prefix {target!r}")
    return 1 if any(r.failed for r in results.values()) else 0


async def _rebuild(args: argparse.Namespace) -> int:
    projections = all_projections() if args.projection == "all" else [projection_named(args.projection)]
    differences = 0
    settings = cli_settings()
    async with open_read_side(settings) as side:
        bar = ProgressBar(f"rebuild {args.projection}")
        results = await rebuild_many(side.store, side.redis, side.prefix, projections, dry_run=args.dry_run,
                                     batch=args.batch, progress=bar, workers=args.workers,
                                     open_worker=partial(fold_worker_side, settings))
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
    return asyncio.run(_rebuild_as_of(args) if args.as_of else _rebuild(args))


COMMAND = Subcommand(run=run, configure=_configure)
