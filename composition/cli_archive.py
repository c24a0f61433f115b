"""`ledgermesh archive export|verify|restore`: the 7-year archive (eventlog.archive).

- `export [--before DATE] [--to DIR|s3://bucket/prefix]`: the checkpointed events created before
  DATE (default: all) that the archive lacks, as new content-addressed segments, with a manifest
  proving every segment against the latest checkpoint, and the checkpoints, leaves and key ring.
- `verify [--from ...] [SEGMENT ...]`: each segment (or those named) against the manifest's checkpoint.
- `restore [--from ...]`: into an empty event log, byte for byte.
Nothing here deletes from the log: see docs/audit.md for how archived events leave hot storage."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from composition.audit import (
    archive_target,
    checkpoint_dir,
    connect_log,
    key_ring_or_explain,
    print_report,
    signed_checkpoints,
)
from composition.cli_replay import parse_time
from composition.devstack import settings_from_stack_file
from composition.infrastructure import open_pool
from composition.subcommand import Subcommand
from eventlog.archive import ArchiveError, export_archive, restore_archive, verify_archive
from eventlog.merkle_log import MerkleLog
from support.progress import ProgressBar
from support.settings import Settings


def _configure(parser: argparse.ArgumentParser) -> None:

    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = actions.add_parser("export", help="write new segments and the manifest")
    export.add_argument("--before", type=parse_time, help="only events created before this (e.g. 2026-01-01, 400d)")
    export.add_argument("--to", dest="location", help="directory or s3://bucket/prefix (default: settings)")
    export.add_argument("--segment-events", type=int, default=10_000, help="events per segment")
    verify = actions.add_parser("verify", help="prove segments against the checkpoints")
    verify.add_argument("segments", nargs="*", help="segment files or hashes (default: all)")
    verify.add_argument("--from", dest="location")
    restore = actions.add_parser("restore", help="restore into an empty event log")
    restore.add_argument("--from", dest="location")
    for sub in (export, verify, restore):
        sub.add_argument("--public-key", type=Path, help="PEM or key ring (default: the data folder's)")


async def _export(settings: Settings, args: argparse.Namespace) -> int:

    ring = key_ring_or_explain(settings, args.public_key)
    if ring is None:
        return 2
    checkpoints = await signed_checkpoints(settings, ring)
    if not checkpoints:
        print("no signed checkpoint yet: run `ledgermesh checkpoint` first")
        return 2
    target = archive_target(settings, args.location)
    bar = ProgressBar(f"archive export to {target.name}")
    pool = await open_pool(settings, min_size=1, max_size=2)
    try:
        async with pool, pool.connection() as conn:
            manifest = await export_archive(conn, MerkleLog(pool), target, checkpoint=checkpoints[-1],
                                            checkpoints=checkpoints, ring=ring, before=args.before,
                                            segment_events=args.segment_events,
                                            min_hot_days=settings.archive_min_hot_days, progress=bar)
    except ArchiveError as exc:
        print(f"not exported: {exc}")
        return 1
    finally:
        bar.close()
    prunable = sum(s.count for s in manifest.segments if s.may_leave_hot_storage)
    print(f"archive {target.name}: {len(manifest.segments)} segments, {manifest.events:,} events (leaves 0.."
          f"{manifest.end_leaf}), proven against the checkpoint of {manifest.checkpoint.tree_size} leaves; "
          f"{prunable:,} events old enough to leave hot storage")
    return 0


def _verify(settings: Settings, args: argparse.Namespace) -> int:

    ring = key_ring_or_explain(settings, args.public_key)
    if ring is None:
        return 2
    target = archive_target(settings, args.location)
    bar = ProgressBar(f"archive verify {target.name}")
    report = verify_archive(target, ring, files=args.segments, progress=bar)
    bar.close()
    return print_report(report, f"archive {target.name}")


async def _restore(settings: Settings, args: argparse.Namespace) -> int:

    ring = key_ring_or_explain(settings, args.public_key)
    if ring is None:
        return 2
    target = archive_target(settings, args.location)
    bar = ProgressBar(f"archive restore from {target.name}")
    try:
        async with await connect_log(settings) as conn:
            restored = await restore_archive(conn, target, ring, progress=bar)
    except ArchiveError as exc:
        print(f"not restored: {exc}")
        return 1
    finally:
        bar.close()
    # The archive's signed checkpoints and leaves go beside the restored log, unless some are already
    # there: `ledgermesh verify` then checks the restored log against them.
    local = checkpoint_dir(settings)
    if not (local / "checkpoints.jsonl").exists():
        local.mkdir(parents=True, exist_ok=True)
        for name in ("checkpoints.jsonl", "leaves.bin"):
            (local / name).write_bytes(target.read(name) or b"")
    print(f"restored {restored:,} events into schema {settings.db_schema}")
    return 0


def run(args: argparse.Namespace) -> int:
    settings = settings_from_stack_file(Settings.from_env())
    if args.action == "export":
        return asyncio.run(_export(settings, args))
    if args.action == "verify":
        return _verify(settings, args)
    return asyncio.run(_restore(settings, args))


COMMAND = Subcommand(run=run, configure=_configure)
