"""`ledgermesh reconcile`: balances recomputed from the log vs the balance read model. Exit 1 on a
difference, each printed with the ledger entries behind it."""

from __future__ import annotations

import argparse
import asyncio

from composition.cli_readside import cli_settings, open_read_side
from composition.subcommand import Subcommand
from projector.reconcile import reconcile


async def _reconcile(args: argparse.Namespace) -> int:
    async with open_read_side(cli_settings()) as side:
        result = await reconcile(side.store, side.redis, side.prefix)
    for difference in result.differences:
        print(difference)
    print(f"{result.balances} balances checked up to log position {result.upto_position}: "
          f"{len(result.differences)} differ")
    return 1 if result.differences else 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_reconcile(args))


COMMAND = Subcommand(run=run)
