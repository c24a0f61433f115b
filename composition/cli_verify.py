"""`ledgermesh verify`: recompute the event log's hash chains from the rows and check every signature
with the key ring; check every signed checkpoint, the Merkle tree under each, consistency between
them, and every checkpointed event against its leaf. `--offline EXPORT_DIR --public-key FILE` does
the same from an export alone, without a database. Exit code 1 if anything does not verify (the
first bad position is named), 2 if the check could not run."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from composition.audit import connect_log, gather_checkpoints, key_ring_or_explain, print_report, reading_sinks
from composition.devstack import settings_from_stack_file
from composition.subcommand import Subcommand
from eventlog.archive import verify_export
from eventlog.audit_verify import verify_database
from eventlog.keys import KeyRing
from support.progress import ProgressBar
from support.settings import Settings


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--public-key", type=Path, help="PEM file of the Ed25519 public key, or a key ring file "
                        "from `ledgermesh signing-keys export` (default: the data folder's key ring and signing key)")
    parser.add_argument("--tenant", help="verify only this account's streams (no Merkle checks)")
    parser.add_argument("--max-problems", type=int, default=50, help="how many problems to print")
    parser.add_argument("--offline", type=Path, metavar="EXPORT_DIR",
                        help="verify an export (`ledgermesh archive export`) with no database")
    parser.add_argument("--checkpoints", type=Path, action="append", default=[], metavar="DIR",
                        help="another directory holding checkpoints.jsonl and leaves.bin (e.g. an export)")


async def _verify(settings: Settings, args: argparse.Namespace) -> int:

    ring = key_ring_or_explain(settings, args.public_key)
    if ring is None:
        return 2
    async with reading_sinks(settings, args.checkpoints) as (sinks, warnings):
        found, records, more = await gather_checkpoints(sinks)
    conn = await connect_log(settings)
    async with conn:
        report = await verify_database(conn, ring, found, records, tenant_id=args.tenant)
    report.warnings[:0] = warnings + more
    return print_report(report, f"schema {settings.db_schema}", args.max_problems)


def _verify_offline(args: argparse.Namespace) -> int:

    if args.public_key is None:
        print("--offline needs --public-key: the key (or key ring) you obtained from the operator")
        return 2
    bar = ProgressBar("verify export")
    report = verify_export(args.offline, KeyRing.from_text(args.public_key.read_text()), progress=bar)
    bar.close()
    return print_report(report, f"export {args.offline}", args.max_problems)


def run(args: argparse.Namespace) -> int:
    if args.offline is not None:
        return _verify_offline(args)
    settings = settings_from_stack_file(Settings.from_env())
    if not settings.database_url:
        print("DATABASE_URL is not set and no stack.json from `ledgermesh up` was found")
        return 2
    return asyncio.run(_verify(settings, args))


COMMAND = Subcommand(run=run,                      configure=_configure)
