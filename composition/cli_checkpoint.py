"""`ledgermesh checkpoint`: append every finished event to the Merkle log and sign a checkpoint now,
to every sink (the command service's checkpointer does this every N events or T seconds)."""

from __future__ import annotations

import argparse
import asyncio

import nats

from composition.audit import build_checkpointer
from composition.devstack import settings_from_stack_file
from composition.infrastructure import load_signer, open_pool
from composition.subcommand import Subcommand
from support.settings import Settings


async def _checkpoint(settings: Settings) -> int:


    pool = await open_pool(settings, min_size=1, max_size=2)
    nc = await nats.connect(settings.nats_url) if settings.nats_url else None
    try:
        checkpointer = build_checkpointer(settings, pool, load_signer(settings), nc.jetstream() if nc else None)
        checkpoint = await checkpointer.run_once(force=True) or checkpointer.latest
    finally:
        if nc is not None:
            await nc.close()
        await pool.close()
    if checkpoint is None:
        print("the log is empty: nothing to checkpoint")
        return 0
    print(f"checkpoint: {checkpoint.tree_size} leaves, root {checkpoint.root_hash}, {checkpoint.timestamp}, "
          f"key {checkpoint.key_id}")
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_checkpoint(settings_from_stack_file(Settings.from_env())))


COMMAND = Subcommand(run=run)
