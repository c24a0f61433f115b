"""`ledgermesh` command line: a registry of subcommands, one module each.

To add a subcommand, write `composition/cli_<name>.py` defining `COMMAND = Subcommand(...)` and add one
line to SUBCOMMANDS. Modules are imported only when `main()` runs, and should import their heavy
dependencies (grpc, psycopg, the services) inside `run`, so `ledgermesh --help` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Subcommand:
    """One `ledgermesh <name>`: its help line, its options, and what it does (returns the exit code)."""

    help: str
    run: Callable[[argparse.Namespace], int]
    configure: Callable[[argparse.ArgumentParser], None] = lambda parser: None


# name -> module that defines COMMAND; order is the order in --help.
SUBCOMMANDS: dict[str, str] = {
    "up": "composition.cli_up",
    "serve": "composition.cli_serve",
    "status": "composition.cli_status",
    "accounts": "composition.cli_accounts",
    "verify": "composition.cli_verify",
    "lag": "composition.cli_lag",
    "dlq": "composition.cli_dlq",
    "rebuild": "composition.cli_rebuild",
    "replay": "composition.cli_replay",
    "reconcile": "composition.cli_reconcile",
    "checkpoint": "composition.cli_checkpoint",
    "proof": "composition.cli_proof",
    "archive": "composition.cli_archive",
    "keys": "composition.cli_keys",
    "balance": "composition.cli_balance",
}


def load_subcommands() -> dict[str, Subcommand]:
    commands: dict[str, Subcommand] = {}
    for name, module_name in SUBCOMMANDS.items():
        command = getattr(importlib.import_module(module_name), "COMMAND", None)
        if not isinstance(command, Subcommand):
            raise TypeError(f"{module_name} must define COMMAND = Subcommand(...)")
        commands[name] = command
    return commands


def build_parser(commands: dict[str, Subcommand]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ledgermesh", description="LedgerMesh payment platform.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, command in commands.items():
        command.configure(sub.add_parser(name, help=command.help, description=command.help))
    return parser


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)-5s %(name)s: %(message)s", stream=sys.stderr
    )


def main(argv: Sequence[str] | None = None) -> int:
    commands = load_subcommands()
    args = build_parser(commands).parse_args(argv)
    return commands[args.command].run(args)


if __name__ == "__main__":
    # Under `python -m composition.cli` this file is `__main__`; the subcommand modules import
    # `composition.cli`, so run that module's main for them to share one Subcommand class.
    from composition.cli import main as _main

    sys.exit(_main())
