"""`ledgermesh signing-keys list|export FILE|rotate`: the signing keys' public halves (the key ring) and key
rotation. A rotated key's public key stays in the ring, so what it signed keeps verifying; its
private key is deleted. Processes that are running sign with the old key until they restart."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from composition.audit import keyring_path
from composition.devstack import settings_from_stack_file
from composition.infrastructure import load_signer
from composition.subcommand import Subcommand
from eventlog.integrity import Signer
from eventlog.keys import record_signer
from support.settings import Settings


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("list", "export", "rotate"))
    parser.add_argument("file", nargs="?", type=Path, help="where `export` writes the key ring")


def run(args: argparse.Namespace) -> int:


    settings = settings_from_stack_file(Settings.from_env())
    ring = record_signer(keyring_path(settings), load_signer(settings))
    if args.action == "list":
        print(json.dumps(ring.describe(), indent=2))
        return 0
    if args.action == "export":
        if args.file is None:
            print("keys export needs a FILE")
            return 2
        ring.save(args.file)
        print(f"{len(ring.keys)} public key(s) written to {args.file}")
        return 0
    if settings.signing_key_hex:
        print("the signing key comes from LEDGERMESH_SIGNING_KEY: set it to a new key and restart; the old "
              "public key is already in the key ring")
        return 2
    old = load_signer(settings)
    key = Ed25519PrivateKey.generate()
    new = Signer(key)
    data = Path(settings.data_dir)
    ring = ring.retired(old.key_id).with_signer(new)
    ring.save(keyring_path(settings))
    seed = data / "signing_key.hex"
    seed.write_text(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()).hex())
    seed.chmod(0o600)
    (data / "signing_key.pub.pem").write_text(new.public_key_pem())
    print(f"rotated: {old.key_id} retired, {new.key_id} signs from the next start")
    return 0


COMMAND = Subcommand(run=run, configure=_configure)
