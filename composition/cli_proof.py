"""`ledgermesh proof EVENT_ID`: the event's RFC 9162 inclusion proof against the latest signed
checkpoint; `ledgermesh proof --consistency OLD NEW`: the consistency proof between the checkpoints of
OLD and NEW leaves. Printed as JSON (hex hashes) that anyone can check with the public key alone."""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

from composition.audit import key_ring_or_explain, signed_checkpoints
from composition.devstack import settings_from_stack_file
from composition.infrastructure import open_pool
from composition.subcommand import Subcommand
from eventlog.merkle import MerkleTree, leaf_data, leaf_hash
from eventlog.merkle_log import MerkleLog, leaf_hashes
from support.settings import Settings


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("event_id", nargs="?", type=uuid.UUID, help="the event to prove")
    parser.add_argument("--consistency", nargs=2, type=int, metavar=("OLD", "NEW"),
                        help="tree sizes of two checkpoints: prove the older is a prefix of the newer")
    parser.add_argument("--public-key", type=Path, help="PEM or key ring that checkpoints must verify with")
    parser.add_argument("--checkpoints", type=Path, action="append", default=[], metavar="DIR")


async def _proof(settings: Settings, args: argparse.Namespace) -> int:

    ring = key_ring_or_explain(settings, args.public_key)
    if ring is None:
        return 2
    checkpoints = await signed_checkpoints(settings, ring, args.checkpoints)
    if not checkpoints:
        print("no signed checkpoint found yet (the checkpointer signs one every few seconds; "
              "`ledgermesh checkpoint` signs one now)")
        return 2
    by_size = {c.tree_size: c for c in checkpoints}
    pool = await open_pool(settings, min_size=1, max_size=2)
    async with pool:
        merkle = MerkleLog(pool)
        if args.consistency:
            old, new = args.consistency
            missing = [size for size in (old, new) if size not in by_size]
            if missing or old > new:
                print(f"OLD and NEW must be checkpoint sizes, OLD <= NEW; checkpoints: {sorted(by_size)}")
                return 2
            tree = MerkleTree(leaf_hashes(await merkle.leaf_data(0, new)))
            document: dict[str, Any] = {
                "old_size": old, "old_root": by_size[old].root_hash, "new_size": new, "new_root": by_size[new].root_hash,
                "consistency_proof": [h.hex() for h in tree.consistency_proof(old, new)],
                "old_checkpoint": json.loads(by_size[old].to_json()), "new_checkpoint": json.loads(by_size[new].to_json()),
            }
            target_root = tree.root(new).hex()
            checkpoint = by_size[new]
        else:
            if args.event_id is None:
                print("name an EVENT_ID, or --consistency OLD NEW")
                return 2
            checkpoint = checkpoints[-1]
            leaf = await merkle.leaf_of(args.event_id)
            if leaf is None or leaf[0] >= checkpoint.tree_size:
                print(f"event {args.event_id} is not under the latest checkpoint ({checkpoint.tree_size} leaves) yet")
                return 1
            index, position, event_hash = leaf
            tree = MerkleTree(leaf_hashes(await merkle.leaf_data(0, checkpoint.tree_size)))
            target_root = tree.root().hex()
            data = leaf_data(position, event_hash)
            document = {
                "event_id": str(args.event_id), "global_position": position, "event_hash": event_hash,
                "leaf_index": index, "leaf_data": data.hex(), "leaf_hash": leaf_hash(data).hex(),
                "tree_size": checkpoint.tree_size, "root_hash": checkpoint.root_hash,
                "inclusion_proof": [h.hex() for h in tree.inclusion_proof(index, checkpoint.tree_size)],
                "checkpoint": json.loads(checkpoint.to_json()),
            }
    if target_root != checkpoint.root_hash:
        print(f"the leaves in PostgreSQL do not have the signed root of the checkpoint of {checkpoint.tree_size} "
              "leaves: run `ledgermesh verify`")
        return 1
    print(json.dumps(document, indent=2))
    return 0


def run(args: argparse.Namespace) -> int:
    settings = settings_from_stack_file(Settings.from_env())
    return asyncio.run(_proof(settings, args))


COMMAND = Subcommand(run=run, configure=_configure)
