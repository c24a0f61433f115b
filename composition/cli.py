"""`ledgermesh` command line: a registry of subcommands, one module each.

To add a subcommand, write `composition/cli_<name>.py` defining `COMMAND = Subcommand(...)`
(composition.subcommand) and add one line to SUBCOMMANDS. Only the module of the subcommand being run
is imported: each imports what it runs (the services, grpc, psycopg) at its top, and `ledgermesh --help`
needs none of that.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from composition.subcommand import Subcommand

# name -> (module that defines COMMAND, help line); order is the order in --help.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "up": ("composition.cli_up",
           "start PostgreSQL, NATS and Redis (embedded unless their URLs are set) and every service"),
    "serve": ("composition.cli_serve", "run one service (command, query, projector or gateway) in this process"),
    "status": ("composition.cli_status", "show the health of every part of the running stack"),
    "accounts": ("composition.cli_accounts",
                 "manage merchant accounts (create prints a new sk_test_ key; verify records a manual verification)"),
    "keys": ("composition.cli_keys", "create, list and revoke API keys (secret, restricted, publishable, operator)"),
    "verify": ("composition.cli_verify", "verify the event log: hash chains, signatures, Merkle checkpoints"),
    "lag": ("composition.cli_lag", "show how far each projection is behind the event log"),
    "dlq": ("composition.cli_dlq", "list or replay a projection's dead letters"),
    "rebuild": ("composition.cli_rebuild", "rebuild a projection from the event log (blue/green)"),
    "replay": ("composition.cli_replay", "replay filtered events from the log into a projection"),
    "reconcile": ("composition.cli_reconcile", "recompute balances from the event log and compare with Redis"),
    "checkpoint": ("composition.cli_checkpoint", "sign a Merkle checkpoint of the log now"),
    "proof": ("composition.cli_proof",
              "print an inclusion proof of an event, or a consistency proof between checkpoints"),
    "archive": ("composition.cli_archive", "export, verify or restore the archive"),
    "signing-keys": ("composition.cli_signing_keys", "list, export or rotate the signing keys"),
    "balance": ("composition.cli_balance", "an account's balance as of a time or log position"),
    "forget": ("composition.cli_forget",
               "erase a data subject's personal data: destroy its keys, record SubjectForgotten"),
}


def load_subcommand(module_name: str) -> Subcommand:
    # Imported by name, and only the one being run: start-up cost (see the module docstring).
    command = getattr(importlib.import_module(module_name), "COMMAND", None)
    if not isinstance(command, Subcommand):
        raise TypeError(f"{module_name} must define COMMAND = Subcommand(...)")
    return command


def main(argv: Sequence[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    # The top-level parser has no option but --help, so the first other word names the subcommand.
    chosen = next((arg for arg in args_in if not arg.startswith("-")), None)
    parser = argparse.ArgumentParser(prog="ledgermesh", description="LedgerMesh payment platform.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    command: Subcommand | None = None
    for name, (module_name, help_line) in SUBCOMMANDS.items():
        subparser = sub.add_parser(name, help=help_line, description=help_line)
        if name == chosen:
            command = load_subcommand(module_name)
            command.configure(subparser)
    args = parser.parse_args(args_in)
    assert command is not None  # parse_args exits on a missing or unknown subcommand
    return command.run(args)


if __name__ == "__main__":
    sys.exit(main())
