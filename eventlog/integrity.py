"""Hash chain and signatures: each event's hash covers the previous hash and the event's canonical
bytes, recomputable from the stored row alone; an Ed25519 signature over the hash can be checked
offline with the exported public key."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from functools import cached_property
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key

from eventcodec.codec import format_timestamp

# Metadata keys that are outputs of hashing, not inputs.
INTEGRITY_KEYS = frozenset({"event_hash", "previous_event_hash", "signature"})
# Metadata key naming the key that signed an event. It is an input of the hash, so it cannot be
# relabelled; events stored before key ids existed lack it and verify with the key ring's first key.
SIGNING_KEY_ID = "signing_key_id"


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """A public key's id: the first 16 hex digits of SHA-256 over its 32 raw bytes."""
    return hashlib.sha256(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:16]


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
    if _plain(data) and _plain(document["metadata"]):
        # orjson writes what json.dumps below writes for these values, several times faster: strings
        # (every code point, escapes alike), 64-bit integers, booleans, null, and dict keys sorted by
        # code point (tests/unit/test_integrity.py holds them equal). Floats (orjson writes 1e-05 as
        # 0.00001) and anything else take the standard library's path.
        return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1  # what orjson serializes


def _plain(value: Any) -> bool:
    """Whether a JSON value holds only dicts with string keys, lists, strings, 64-bit ints, bools and None."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(_INT_MIN <= value <= _INT_MAX)
    if kind is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    if kind is list or kind is tuple:
        return all(_plain(v) for v in value)
    return False


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

    @cached_property
    def key_id(self) -> str:
        # Read for every commit; hashing the public key each time showed in profiles.
        return key_id_of(self._key.public_key())

    def sign(self, event_hash: str) -> str:
        return self._key.sign(bytes.fromhex(event_hash)).hex()

    def sign_bytes(self, message: bytes) -> str:
        return self._key.sign(message).hex()

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
        key = load_pem_public_key(pem.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return cls(key)

    @cached_property
    def key_id(self) -> str:
        return key_id_of(self._key)

    def public_key_pem(self) -> str:
        return self._key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()

    def verify(self, event_hash: str, signature_hex: str, key_id: str | None = None) -> bool:
        """`key_id`, when the event names one, must be this key's."""
        if key_id and key_id != self.key_id:
            return False
        try:
            return self.verify_bytes(bytes.fromhex(event_hash), signature_hex)
        except ValueError:
            return False

    def verify_bytes(self, message: bytes, signature_hex: str) -> bool:
        try:
            self._key.verify(bytes.fromhex(signature_hex), message)
        except (InvalidSignature, ValueError):
            return False
        return True
