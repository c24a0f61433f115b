"""Hash chain and signatures: each event's hash covers the previous hash and the event's canonical
bytes, recomputable from the stored row alone; an Ed25519 signature over the hash can be checked
offline with the exported public key."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from eventcodec.codec import format_timestamp

# Metadata keys that are outputs of hashing, not inputs.
INTEGRITY_KEYS = frozenset({"event_hash", "previous_event_hash", "signature"})


def canonical_bytes(
    *,
    event_id: str,
    tenant_id: str,
    aggregate_id: str,
    aggregate_type: str,
    aggregate_version: int,
    event_type: str,
    event_version: int,
    created_at: datetime,
    data: dict[str, Any],
    metadata: dict[str, Any],
) -> bytes:
    document = {
        "event_id": event_id,
        "tenant_id": tenant_id,
        "aggregate_id": aggregate_id,
        "aggregate_type": aggregate_type,
        "aggregate_version": aggregate_version,
        "event_type": event_type,
        "event_version": event_version,
        "created_at": format_timestamp(created_at),
        "data": data,
        "metadata": {k: v for k, v in metadata.items() if k not in INTEGRITY_KEYS},
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(previous_hash: str | None, canonical: bytes) -> str:
    return hashlib.sha256((previous_hash or "").encode() + canonical).hexdigest()


class Signer:
    """Signs event hashes with the platform's Ed25519 key."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key

    @classmethod
    def from_seed_hex(cls, seed_hex: str) -> Signer:
        return cls(Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex)))

    @classmethod
    def generate(cls) -> Signer:
        return cls(Ed25519PrivateKey.generate())

    def sign(self, event_hash: str) -> str:
        return self._key.sign(bytes.fromhex(event_hash)).hex()

    def public_key_pem(self) -> str:
        return self._key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()

    def verifier(self) -> Verifier:
        return Verifier(self._key.public_key())


class Verifier:
    """Checks signatures offline from the public key alone."""

    def __init__(self, public_key: Ed25519PublicKey) -> None:
        self._key = public_key

    @classmethod
    def from_pem(cls, pem: str) -> Verifier:
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        key = load_pem_public_key(pem.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return cls(key)

    def verify(self, event_hash: str, signature_hex: str) -> bool:
        from cryptography.exceptions import InvalidSignature

        try:
            self._key.verify(bytes.fromhex(signature_hex), bytes.fromhex(event_hash))
        except (InvalidSignature, ValueError):
            return False
        return True
