"""`ledgermesh balance --account ACCT --as-of TIME|POSITION`: an account's balances (available,
pending, reserved per currency) as the log stood then, from the balance projection rebuilt into a
prefix of its own and removed afterwards. The operator reads the same over REST and gRPC
(`GET /v1/balance?as_of=`, AccountCommandService.GetBalanceAsOf), folded from the ledger streams by the
command side; tests/e2e/test_balance_as_of.py holds the two to the same answer."""

from __future__ import annotations

import argparse
import asyncio
import json

from composition.cli_readside import cli_settings, open_read_side
from composition.cli_rebuild import as_of
from composition.subcommand import Subcommand
from projector import keyspace
from projector.projections.balance import BalanceProjection
from projector.rebuild import rebuild_as_of
from readmodel.keys import Keys
from readmodel.ledger import BUCKETS, balance_sums


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--account", required=True, help="the account (acct_...)")
    parser.add_argument("--as-of", type=as_of, required=True, metavar="TIME|POSITION",
                        help="a global position (inclusive) or a time: events created before it")


async def _balance(args: argparse.Namespace) -> int:

    projection = BalanceProjection()
    async with open_read_side(cli_settings()) as side:
        # The account's own events only: its ledger streams belong to it.
        target, results = await rebuild_as_of(side.store, side.redis, side.prefix, [projection],
                                              args.as_of.event_filter(tenant_id=args.account))
        try:
            fields = await side.redis.hgetall(Keys(target).balance(args.account))
        finally:
            await keyspace.delete_prefix(side.redis, target, projection)
    sums = balance_sums(fields)
    balances = {c: {bucket: sums.get((c, bucket), 0) for bucket in BUCKETS} for c in sorted({c for c, _ in sums})}
    print(json.dumps({"account": args.account, "as_of": str(args.as_of),
                      "events": results[projection.name].events, "balances": balances}, indent=2))
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_balance(args))


COMMAND = Subcommand(run=run, configure=_configure)
