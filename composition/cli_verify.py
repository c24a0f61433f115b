"""`ledgermesh verify`: recompute the event log's hash chains from the rows and check every signature
with the public key. Exit code 1 if anything does not verify, 2 if the check could not run."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import psycopg

from composition.devstack import settings_from_stack_file
from composition.subcommand import Subcommand
from eventlog.integrity import Signer, Verifier
from eventlog.verify import verify_log
from support.settings import Settings


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--public-key", type=Path, help="PEM file of the Ed25519 public key "
                        "(default: derived from the signing key in settings or the data folder)")
    parser.add_argument("--tenant", help="verify only this account's streams")
    parser.add_argument("--max-problems", type=int, default=50, help="how many problems to print")


def _public_key_pem(settings: Settings, path: Path | None) -> str | None:
    if path is not None:
        return path.read_text()
    if settings.signing_key_hex:
        return Signer.from_seed_hex(settings.signing_key_hex).public_key_pem()
    data = Path(settings.data_dir)
    if (data / "signing_key.pub.pem").exists():
        return (data / "signing_key.pub.pem").read_text()
    if (data / "signing_key.hex").exists():
        return Signer.from_seed_hex((data / "signing_key.hex").read_text().strip()).public_key_pem()
    return None


async def _verify(settings: Settings, pem: str, tenant: str | None, max_problems: int) -> int:
    assert settings.database_url
    async with await psycopg.AsyncConnection.connect(
        settings.database_url, autocommit=True, options=f"-c search_path={settings.db_schema}"
    ) as conn:
        checked, problems = await verify_log(conn, Verifier.from_pem(pem), tenant_id=tenant)
    for problem in problems[:max_problems]:
        print(f"BROKEN  {problem}")
    if len(problems) > max_problems:
        print(f"... and {len(problems) - max_problems} more")
    verdict = "OK" if not problems else f"FAILED: {len(problems)} problem(s)"
    print(f"{verdict}: {checked} events checked in schema {settings.db_schema}")
    return 1 if problems else 0


def run(args: argparse.Namespace) -> int:
    settings = settings_from_stack_file(Settings.from_env())
    if not settings.database_url:
        print("DATABASE_URL is not set and no stack.json from `ledgermesh up` was found")
        return 2
    pem = _public_key_pem(settings, args.public_key)
    if pem is None:
        print("no public key: pass --public-key, or set LEDGERMESH_SIGNING_KEY / LEDGERMESH_DATA_DIR")
        return 2
    return asyncio.run(_verify(settings, pem, args.tenant, args.max_problems))


COMMAND = Subcommand(run=run, configure=_configure)
