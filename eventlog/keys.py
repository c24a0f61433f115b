"""The key ring: every public key that has ever signed events or checkpoints, by key id, so a rotated
key's events and checkpoints keep verifying. It holds public keys only and is meant to be published
(`ledgermesh signing-keys export`); the private key stays with the writer."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eventlog.integrity import Signer, Verifier

FORMAT = "ledgermesh-keyring/v1"


@dataclass(frozen=True)
class RingKey:
    key_id: str
    public_key_pem: str
    # RFC 3339; when the key was first recorded and, once rotated away, when it stopped signing.
    added_at: str
    retired_at: str = ""


class KeyRing:
    def __init__(self, keys: list[RingKey]) -> None:
        self.keys = list(keys)
        self._verifiers = {k.key_id: Verifier.from_pem(k.public_key_pem) for k in self.keys}
        for key in self.keys:
            if self._verifiers[key.key_id].key_id != key.key_id:
                raise ValueError(f"key ring entry {key.key_id} holds the public key of {self._verifiers[key.key_id].key_id}")

    @classmethod
    def from_text(cls, text: str) -> KeyRing:
        """A key ring file, or a single PEM public key (a ring of one)."""
        if text.lstrip().startswith("-----BEGIN"):
            verifier = Verifier.from_pem(text)
            return cls([RingKey(verifier.key_id, verifier.public_key_pem(), "")])
        document = json.loads(text)
        if document.get("format") != FORMAT:
            raise ValueError(f"not a LedgerMesh key ring (format {document.get('format')!r})")
        return cls([RingKey(**entry) for entry in document["keys"]])

    @classmethod
    def load(cls, path: Path) -> KeyRing:
        return cls.from_text(path.read_text())

    def to_text(self) -> str:
        return json.dumps({"format": FORMAT, "keys": [vars(k) for k in self.keys]}, indent=2) + "\n"

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(self.to_text())
        temporary.replace(path)

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._verifiers

    def verifier(self, key_id: str | None) -> Verifier | None:
        """The key named, or for an event signed before key ids existed, the ring's first key."""
        if not key_id:
            return self._verifiers[self.keys[0].key_id] if self.keys else None
        return self._verifiers.get(key_id)

    def verify(self, event_hash: str, signature_hex: str, key_id: str | None = None) -> bool:
        verifier = self.verifier(key_id)
        return verifier is not None and verifier.verify(event_hash, signature_hex)

    def verify_bytes(self, message: bytes, signature_hex: str, key_id: str) -> bool:
        verifier = self.verifier(key_id)
        return verifier is not None and verifier.verify_bytes(message, signature_hex)

    def with_signer(self, signer: Signer, at: datetime | None = None) -> KeyRing:
        """This ring with `signer`'s public key added (if missing)."""
        if signer.key_id in self:
            return self
        added = (at or datetime.now(UTC)).isoformat()
        return KeyRing([*self.keys, RingKey(signer.key_id, signer.public_key_pem(), added)])

    def retired(self, key_id: str, at: datetime | None = None) -> KeyRing:
        when = (at or datetime.now(UTC)).isoformat()
        return KeyRing([replace(k, retired_at=when) if k.key_id == key_id and not k.retired_at else k
                        for k in self.keys])

    def describe(self) -> list[dict[str, Any]]:
        return [{"key_id": k.key_id, "added_at": k.added_at, "retired_at": k.retired_at or None} for k in self.keys]


def record_signer(path: Path, signer: Signer) -> KeyRing:
    """Make sure the ring file at `path` holds `signer`'s public key; return the ring."""
    ring = KeyRing.load(path) if path.exists() else KeyRing([])
    updated = ring.with_signer(signer)
    if updated is not ring:
        updated.save(path)
    return updated
