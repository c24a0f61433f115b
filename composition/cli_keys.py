"""`ledgermesh keys create|list|revoke`: API keys on the `api_keys` table of the stack's PostgreSQL.

  keys create --account ACCT                      a secret key (sk_test_), full access to ACCT
  keys create --account ACCT --restricted PERMS   a restricted key (rk_test_), PERMS like charges:read,refunds:write
  keys create --account ACCT --publishable        a publishable key (pk_test_): tokens and payment methods only
  keys create --operator                          the platform's key (op_test_): Stripe-Account, platform actions
  keys list --account ACCT                        id, kind, prefix, permissions, created, revoked
  keys revoke KEY_ID                              refused on its next call by every service (within 1 s)

The secret is printed once; only its SHA-256 is stored. Needs the database (DATABASE_URL or the stack
file of `ledgermesh up`): whoever runs this is the platform's operator."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from composition.cli_readside import cli_settings
from composition.infrastructure import open_pool
from composition.keys import UnknownKeyOrAccount, issue_key, list_keys, revoke_key
from composition.subcommand import Subcommand
from support.api_keys import KeyKind
from support.permissions import parse_permissions


def _configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="issue a key and print it (once)")
    owner = create.add_mutually_exclusive_group(required=True)
    owner.add_argument("--account", help="the merchant account (acct_...) the key acts for")
    owner.add_argument("--operator", action="store_true", help="the platform operator's key")
    kind = create.add_mutually_exclusive_group()
    kind.add_argument("--restricted", metavar="PERMS", help="restricted key: comma list like charges:read,refunds:write")
    kind.add_argument("--publishable", action="store_true", help="publishable key: create tokens / payment methods only")
    create.add_argument("--json", action="store_true", help="print {key_id, account_id, kind, secret} as JSON")
    listing = actions.add_parser("list", help="an account's keys (never the secrets)")
    listing.add_argument("--account", required=True, help="the account (acct_...), or 'platform' for operator keys")
    listing.add_argument("--json", action="store_true", help="JSON lines")
    revoke = actions.add_parser("revoke", help="revoke a key by its id (key_...)")
    revoke.add_argument("key_id", metavar="KEY_ID")


async def _run(args: argparse.Namespace) -> int:
    settings = cli_settings()
    if args.action == "create" and args.operator and (args.restricted or args.publishable):
        print("ledgermesh keys create: --operator keys have no --restricted / --publishable form", file=sys.stderr)
        return 2
    permissions = None
    if args.action == "create" and args.restricted:
        try:
            permissions = parse_permissions(args.restricted)
        except ValueError as exc:
            print(f"ledgermesh keys create: --restricted: {exc}", file=sys.stderr)
            return 2
    pool = await open_pool(settings, min_size=1, max_size=2)
    try:
        if args.action == "create":
            kind = (KeyKind.OPERATOR if args.operator else KeyKind.RESTRICTED if permissions
                    else KeyKind.PUBLISHABLE if args.publishable else KeyKind.SECRET)
            issued = await issue_key(pool, kind, args.account or "", permissions)
            if args.json:
                print(json.dumps({"key_id": issued.key_id, "account_id": issued.account_id,
                                  "kind": issued.kind.value, "secret": issued.secret}))
            else:
                print(f"key {issued.key_id} ({issued.kind.value}) for {issued.account_id}", file=sys.stderr)
                print(issued.secret)
        elif args.action == "list":
            for key in await list_keys(pool, args.account):
                row = {"key_id": key.key_id, "kind": key.kind.value, "prefix": key.key_prefix,
                       "permissions": key.permissions, "created_at": key.created_at.isoformat(),
                       "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None}
                print(json.dumps(row) if args.json else
                      f"{key.key_id}  {key.kind.value:<11}  {key.key_prefix}****  {key.permissions or '-'}  "
                      f"created {row['created_at']}" + (f"  REVOKED {row['revoked_at']}" if key.revoked_at else ""))
        else:
            revoked_at = await revoke_key(pool, args.key_id)
            print(f"revoked {args.key_id} at {revoked_at.isoformat()}")
    except UnknownKeyOrAccount as exc:
        print(f"ledgermesh keys {args.action}: {exc}", file=sys.stderr)
        return 1
    finally:
        await pool.close()
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


COMMAND = Subcommand(run=run, configure=_configure)
