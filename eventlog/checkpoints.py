"""Signed checkpoints of the Merkle log (tree size, root hash, time, key id), and the places outside
PostgreSQL that keep them with the leaves they cover: a directory (an append-only checkpoint file and
leaf file), a JetStream key-value bucket that keeps every checkpoint under its own key, and an
S3-compatible bucket. Whoever controls the database host can rewrite the database, not a witness
under someone else's control."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from eventlog.integrity import Signer
from eventlog.keys import KeyRing
from eventlog.merkle import LEAF_DATA_SIZE, Frontier
from eventlog.s3 import s3_get

log = logging.getLogger(__name__)

FORMAT = "ledgermesh-checkpoint/v1"


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head. The signature covers `body()`: format, origin, size, root, time and key id.
    `frontier` (the perfect subtree roots of the tree, derivable from the leaves and checked against
    the root before use) lets a restarted checkpointer carry on without rereading every leaf."""

    origin: str
    tree_size: int
    root_hash: str
    timestamp: str
    key_id: str
    signature: str = ""
    frontier: tuple[str, ...] = ()

    def body(self) -> bytes:
        return (f"{FORMAT}\n{self.origin}\n{self.tree_size}\n{self.root_hash}\n{self.timestamp}\n"
                f"{self.key_id}\n").encode()

    def signed(self, signer: Signer) -> Checkpoint:
        return replace(self, key_id=signer.key_id, signature=signer.sign_bytes(replace(self, key_id=signer.key_id).body()))

    def signature_verifies(self, ring: KeyRing) -> bool:
        return ring.verify_bytes(self.body(), self.signature, self.key_id)

    def restored_frontier(self) -> Frontier | None:
        """The frontier, if it is present and folds to the signed root."""
        try:
            frontier = Frontier(self.tree_size, [bytes.fromhex(h) for h in self.frontier])
        except ValueError:
            return None
        return frontier if frontier.root().hex() == self.root_hash else None

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "origin": self.origin, "tree_size": self.tree_size,
                           "root_hash": self.root_hash, "timestamp": self.timestamp, "key_id": self.key_id,
                           "signature": self.signature, "frontier": list(self.frontier)}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> Checkpoint:
        d = json.loads(text)
        if d.get("format") != FORMAT:
            raise ValueError(f"not a LedgerMesh checkpoint (format {d.get('format')!r})")
        return cls(d["origin"], int(d["tree_size"]), d["root_hash"], d["timestamp"], d["key_id"], d["signature"],
                   tuple(d.get("frontier", ())))


class CheckpointSink(Protocol):
    """Somewhere outside PostgreSQL that keeps checkpoints and the leaf data they cover."""

    name: str

    async def leaves_held(self) -> int:
        """How many leaves (from the first) this sink holds."""
        ...

    async def publish(self, checkpoint: Checkpoint, start: int, leaves: bytes) -> None:
        """Keep `leaves` (leaf data from leaf `start` to checkpoint.tree_size) and then `checkpoint`."""
        ...

    async def checkpoints(self) -> list[Checkpoint]:
        ...

    async def leaves(self) -> bytes:
        """Every leaf's data this sink holds, from the first."""
        ...


@dataclass
class DirectorySink:
    """`checkpoints.jsonl` (one checkpoint a line) and `leaves.bin` (40 bytes a leaf: position and
    event hash), both only ever appended to and fsynced before the next step."""

    path: Path
    name: str = ""

    def __post_init__(self) -> None:
        self.name = self.name or f"dir:{self.path}"

    @property
    def checkpoint_file(self) -> Path:
        return self.path / "checkpoints.jsonl"

    @property
    def leaf_file(self) -> Path:
        return self.path / "leaves.bin"

    async def leaves_held(self) -> int:
        return self.leaf_file.stat().st_size // LEAF_DATA_SIZE if self.leaf_file.exists() else 0

    async def publish(self, checkpoint: Checkpoint, start: int, leaves: bytes) -> None:
        await asyncio.to_thread(self._publish, checkpoint, start, leaves)

    def _publish(self, checkpoint: Checkpoint, start: int, leaves: bytes) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.leaf_file, "ab") as out:
            # A record cut short by a crash is completed from `leaves`, never rewritten.
            held = out.tell()
            if held < start * LEAF_DATA_SIZE:
                raise ValueError(f"{self.leaf_file} holds {held // LEAF_DATA_SIZE} leaves; cannot append from {start}")
            out.write(leaves[held - start * LEAF_DATA_SIZE:])
            out.flush()
            os.fsync(out.fileno())
        with open(self.checkpoint_file, "a") as out:
            out.write(checkpoint.to_json() + "\n")
            out.flush()
            os.fsync(out.fileno())

    async def checkpoints(self) -> list[Checkpoint]:
        if not self.checkpoint_file.exists():
            return []
        lines = (await asyncio.to_thread(self.checkpoint_file.read_text)).splitlines()
        return [Checkpoint.from_json(line) for line in lines if line.strip()]

    async def leaves(self) -> bytes:
        if not self.leaf_file.exists():
            return b""
        data = await asyncio.to_thread(self.leaf_file.read_bytes)
        return data[: len(data) // LEAF_DATA_SIZE * LEAF_DATA_SIZE]


# Leaves per value in the key-value bucket: 16,384 x 40 bytes stays well below NATS's 1 MB payload.
KV_LEAF_CHUNK = 16_384


@dataclass
class KeyValueSink:
    """A JetStream key-value bucket: `checkpoint.<size>` per checkpoint (created once, never
    overwritten), `leaves.<first>` per chunk of leaf data, and `head` (the latest, with history)."""

    js: Any
    bucket: str
    replicas: int = 1
    name: str = ""
    _kv: Any = field(default=None, repr=False)
    # The last chunk this sink wrote (its first leaf, its bytes): the next checkpoint extends it
    # without reading it back from the bucket (up to 640 KB, base64 in JetStream's reply, once a second).
    _last_chunk: tuple[int, bytes] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.name = self.name or f"kv:{self.bucket}"

    async def _store(self) -> Any:
        if self._kv is None:
            from nats.js.api import KeyValueConfig, StorageType

            self._kv = await self.js.create_key_value(KeyValueConfig(
                bucket=self.bucket, history=64, storage=StorageType.FILE, replicas=self.replicas,
                description="LedgerMesh signed Merkle checkpoints"))
        return self._kv

    async def _head(self) -> Checkpoint | None:
        from nats.js.errors import KeyNotFoundError

        kv = await self._store()
        try:
            entry = await kv.get("head")
        except KeyNotFoundError:
            return None
        return Checkpoint.from_json(entry.value) if entry.value else None

    async def leaves_held(self) -> int:
        head = await self._head()
        return head.tree_size if head else 0

    async def publish(self, checkpoint: Checkpoint, start: int, leaves: bytes) -> None:
        from nats.js.errors import KeyWrongLastSequenceError

        kv = await self._store()
        # Chunks start at multiples of KV_LEAF_CHUNK; a chunk is rewritten only to extend it.
        first_chunk = start - start % KV_LEAF_CHUNK
        if first_chunk < start:
            leaves = await self._chunk(first_chunk, start) + leaves
        for offset in range(0, len(leaves), KV_LEAF_CHUNK * LEAF_DATA_SIZE):
            chunk = leaves[offset:offset + KV_LEAF_CHUNK * LEAF_DATA_SIZE]
            first = first_chunk + offset // LEAF_DATA_SIZE
            self._last_chunk = None  # unknown until the put succeeds
            await kv.put(f"leaves.{first:016d}", chunk)
            self._last_chunk = (first, chunk)
        try:
            await kv.create(f"checkpoint.{checkpoint.tree_size:016d}", checkpoint.to_json().encode())
        except KeyWrongLastSequenceError:
            return  # another checkpointer signed this size first; its checkpoint stands
        await kv.put("head", checkpoint.to_json().encode())

    async def _chunk(self, first: int, end: int) -> bytes:
        wanted = (end - first) * LEAF_DATA_SIZE
        if self._last_chunk is not None and self._last_chunk[0] == first and len(self._last_chunk[1]) >= wanted:
            # Leaf i is the same whoever wrote it (the log's one gap-safe order): what this sink
            # wrote last is what the bucket holds up to `end`, even if another checkpointer extended it.
            return self._last_chunk[1][:wanted]
        kv = await self._store()
        entry = await kv.get(f"leaves.{first:016d}")
        return bytes(entry.value or b"")[: (end - first) * LEAF_DATA_SIZE]

    async def _keys(self, prefix: str) -> list[str]:
        from nats.js.errors import NoKeysError

        kv = await self._store()
        try:
            keys: list[str] = await kv.keys()
        except NoKeysError:
            return []
        return sorted(key for key in keys if key.startswith(f"{prefix}."))

    async def checkpoints(self) -> list[Checkpoint]:
        kv = await self._store()
        return [Checkpoint.from_json((await kv.get(key)).value) for key in await self._keys("checkpoint")]

    async def leaves(self) -> bytes:
        kv = await self._store()
        held = await self.leaves_held()
        data = b"".join([bytes((await kv.get(key)).value or b"") for key in await self._keys("leaves")])
        return data[: held * LEAF_DATA_SIZE]


@dataclass
class S3Sink:
    """An S3-compatible bucket: `<prefix>checkpoints/<size>.json`, `<prefix>leaves/<first>.bin` and
    `<prefix>head.json`. With S3 Object Lock on the bucket, even the bucket's owner cannot rewrite them."""

    client: Any
    bucket: str
    prefix: str = ""
    name: str = ""

    def __post_init__(self) -> None:
        self.name = self.name or f"s3://{self.bucket}/{self.prefix}"

    def _get(self, key: str) -> bytes | None:
        return s3_get(self.client, self.bucket, self.prefix + key)

    def _keys(self, folder: str) -> list[str]:
        keys: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix + folder):
            keys += [item["Key"][len(self.prefix):] for item in page.get("Contents", [])]
        return sorted(keys)

    async def leaves_held(self) -> int:
        head = await asyncio.to_thread(self._get, "head.json")
        return Checkpoint.from_json(head).tree_size if head else 0

    async def publish(self, checkpoint: Checkpoint, start: int, leaves: bytes) -> None:
        def put() -> None:
            if leaves:
                self.client.put_object(Bucket=self.bucket, Key=f"{self.prefix}leaves/{start:016d}.bin", Body=leaves)
            body = checkpoint.to_json().encode()
            self.client.put_object(Bucket=self.bucket, Key=f"{self.prefix}checkpoints/{checkpoint.tree_size:016d}.json",
                                   Body=body)
            self.client.put_object(Bucket=self.bucket, Key=f"{self.prefix}head.json", Body=body)

        await asyncio.to_thread(put)

    async def checkpoints(self) -> list[Checkpoint]:
        def read() -> list[Checkpoint]:
            return [Checkpoint.from_json(self._get(key) or b"") for key in self._keys("checkpoints/")]

        return await asyncio.to_thread(read)

    async def leaves(self) -> bytes:
        def read() -> bytes:
            data = b""
            for key in self._keys("leaves/"):
                first = int(key.removeprefix("leaves/").removesuffix(".bin"))
                if first * LEAF_DATA_SIZE > len(data):
                    break  # a gap: what follows cannot be placed
                data = data[: first * LEAF_DATA_SIZE] + (self._get(key) or b"")
            return data

        return await asyncio.to_thread(read)


def latest(checkpoints: Sequence[Checkpoint], ring: KeyRing) -> Checkpoint | None:
    """The largest checkpoint whose signature verifies."""
    good = [c for c in checkpoints if c.signature_verifies(ring)]
    return max(good, key=lambda c: c.tree_size) if good else None
