"""`ledgermesh replay --types T --since 30d --where 'amount>100000' [--tenant A] --projection NAME`:
feed the matching events of the log (filtered in SQL, read in batches) to a projection."""

from __future__ import annotations

import argparse
import asyncio
import re
from datetime import UTC, datetime, timedelta

from composition.cli_readside import cli_settings, open_read_side
from composition.subcommand import Subcommand
from projector.projections import projection_named
from projector.rebuild import EventFilter, parse_where, replay
from support.progress import ProgressBar

_AGO = re.compile(r"^(\d+)([smhd])$")


def parse_time(text: str) -> datetime:
    """`30d`, `12h`, `15m`, `90s` ago, or an ISO date/time (UTC unless it says otherwise)."""
    match = _AGO.match(text)
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        return datetime.now(UTC) - timedelta(**{{"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[unit]: amount})
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--projection", required=True)
    parser.add_argument("--types", default="", help="comma-separated event types")
    parser.add_argument("--since", type=parse_time, help="e.g. 30d, 12h, 2026-01-01")
    parser.add_argument("--until", type=parse_time)
    parser.add_argument("--tenant", help="only this account's events")
    parser.add_argument("--where", default="", help="payload predicates, e.g. 'amount>100000 and currency=usd'")
    parser.add_argument("--live", action="store_true",
                        help="apply to the live read model (already applied events change nothing); "
                             "default: a fresh key prefix")
    parser.add_argument("--batch", type=int, default=1000)


async def _replay(args: argparse.Namespace) -> int:
    projection = projection_named(args.projection)
    sql, params = parse_where(args.where)
    events_filter = EventFilter(
        event_types=tuple(t.strip() for t in args.types.split(",") if t.strip()), tenant_id=args.tenant,
        since=args.since, until=args.until, data_sql=sql, data_params=params)
    async with open_read_side(cli_settings()) as side:
        bar = ProgressBar(f"replay {projection.name}")
        target, result = await replay(side.store, side.redis, side.prefix, projection, events_filter,
                                      into_live=args.live, batch=args.batch, progress=bar)
        bar.close()
    print(f"{result.events:,} matching events in {result.seconds:.1f}s ({result.rate:,.0f}/s) into {target!r}: "
          f"{result.applied} applied, {result.duplicates} already there, {result.out_of_order} out of order, "
          f"{result.failed} failed")
    for line in result.errors:
        print(f"  error: {line}")
    return 0 if not result.failed else 1


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_replay(args))


COMMAND = Subcommand(run=run, configure=_configure)
