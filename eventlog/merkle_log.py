"""The Merkle log over the global order, and the checkpointer that signs it.

Leaves are appended in the gap-safe order the relay reads (eventlog.store.read_after): by (writing
transaction id, global position), only from transactions older than the oldest one still running. A
transaction that commits late can therefore never land behind a leaf already in the tree, so the tree
only ever grows at its end. `merkle_leaves` fixes that order once; a restore keeps it.

The checkpointer appends the new leaves, and every `every_events` leaves or `every_seconds` (when
anything is new) signs a checkpoint and hands it, with the leaves it adds, to every sink outside
PostgreSQL. A sink that failed or was added later is filled in from where it stopped."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from psycopg_pool import AsyncConnectionPool

from eventcodec.codec import format_timestamp
from eventlog.checkpoints import Checkpoint, CheckpointSink
from eventlog.integrity import Signer
from eventlog.keys import KeyRing
from eventlog.merkle import LEAF_DATA_SIZE, Frontier, leaf_data, leaf_hash

log = logging.getLogger(__name__)

CURSOR = "merkle"


@dataclass(frozen=True)
class Sequenced:
    """Leaves one `sequence` appended: the index of the first (-1 when none) and their leaf data."""

    start: int
    data: bytes

    @property
    def count(self) -> int:
        return len(self.data) // LEAF_DATA_SIZE


class MerkleLog:
    """The leaves in PostgreSQL: appended by `sequence`, read in leaf order."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    async def sequence(self, batch: int = 5000) -> Sequenced:
        """Append up to `batch` finished events as leaves; return them (their data, as `leaf_data`
        reads it back) and where they start."""
        async with self._pool.connection() as conn, conn.transaction():
            # One sequencer at a time per log, whatever the number of command processes.
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext('ledgermesh-merkle:' || current_schema()))")
            cur = await conn.execute(
                "SELECT tx_id::text::bigint, position FROM relay_checkpoints WHERE name = %s", (CURSOR,))
            row = await cur.fetchone()
            tx, position = (row[0], row[1]) if row else (0, 0)
            cur = await conn.execute(
                "SELECT tx_id::text::bigint, global_position, event_hash FROM events"
                " WHERE (tx_id, global_position) > (%(tx)s::text::xid8, %(pos)s)"
                "   AND tx_id < pg_snapshot_xmin(pg_current_snapshot())"
                " ORDER BY tx_id, global_position LIMIT %(limit)s",
                {"tx": tx, "pos": position, "limit": batch},
            )
            rows = await cur.fetchall()
            if not rows:
                return Sequenced(-1, b"")
            cur = await conn.execute("SELECT coalesce(max(leaf_index) + 1, 0) FROM merkle_leaves")
            size_row = await cur.fetchone()
            size = int(size_row[0]) if size_row else 0
            await conn.execute(
                "INSERT INTO merkle_leaves (leaf_index, global_position, event_hash)"
                " SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::text[])",
                (list(range(size, size + len(rows))), [r[1] for r in rows], [r[2] for r in rows]),
            )
            await conn.execute(
                "INSERT INTO relay_checkpoints (name, tx_id, position) VALUES (%s, %s::text::xid8, %s)"
                " ON CONFLICT (name) DO UPDATE SET tx_id = excluded.tx_id, position = excluded.position,"
                " updated_at = now()",
                (CURSOR, rows[-1][0], rows[-1][1]),
            )
            return Sequenced(size, b"".join(leaf_data(r[1], r[2]) for r in rows))

    async def size(self) -> int:
        async with self._pool.connection() as conn:
            cur = await conn.execute("SELECT coalesce(max(leaf_index) + 1, 0) FROM merkle_leaves")
            row = await cur.fetchone()
            return int(row[0]) if row else 0

    async def leaf_data(self, start: int, end: int, batch: int = 50_000) -> bytes:
        """The leaf data of leaves [start, end), concatenated (40 bytes a leaf)."""
        parts: list[bytes] = []
        async with self._pool.connection() as conn:
            for first in range(start, end, batch):
                cur = await conn.execute(
                    "SELECT global_position, event_hash FROM merkle_leaves"
                    " WHERE leaf_index >= %s AND leaf_index < %s ORDER BY leaf_index",
                    (first, min(end, first + batch)),
                )
                parts += [leaf_data(position, event_hash) for position, event_hash in await cur.fetchall()]
        data = b"".join(parts)
        if len(data) != (end - start) * LEAF_DATA_SIZE:
            raise ValueError(f"merkle_leaves has {len(data) // LEAF_DATA_SIZE} of leaves {start}..{end}: rows are missing")
        return data

    async def leaf_of(self, event_id: uuid.UUID) -> tuple[int, int, str] | None:
        """(leaf index, global position, event hash) of an event, if it is in the tree yet."""
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT l.leaf_index, l.global_position, l.event_hash FROM events e"
                " JOIN merkle_leaves l ON l.global_position = e.global_position WHERE e.event_id = %s",
                (event_id,),
            )
            row = await cur.fetchone()
        return (int(row[0]), int(row[1]), str(row[2])) if row else None


def leaf_hashes(data: bytes) -> list[bytes]:
    return [leaf_hash(data[i:i + LEAF_DATA_SIZE]) for i in range(0, len(data), LEAF_DATA_SIZE)]


class Checkpointer:
    def __init__(self, merkle: MerkleLog, signer: Signer, ring: KeyRing, sinks: Sequence[CheckpointSink], *,
                 origin: str, every_events: int = 1000, every_seconds: float = 10.0,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._merkle = merkle
        self._signer = signer
        self._ring = ring
        self._sinks = list(sinks)
        self._origin = origin
        self._every_events = every_events
        self._every_seconds = every_seconds
        self._clock = clock
        self._batch = 5000
        self._frontier: Frontier | None = None
        # Leaf data from the frontier on, as this process sequenced it: a due checkpoint need not
        # read it back. Only while it runs on from the frontier without a hole (another process's
        # checkpointer may have sequenced some leaves); else leaf_data reads them.
        self._pending = bytearray()
        self._last_checkpoint_at = time.monotonic()
        self.latest: Checkpoint | None = None

    async def _start(self) -> Frontier:
        """The frontier of the latest checkpoint any sink holds (checked against its signed root), or
        of every leaf in PostgreSQL when no sink has a usable one."""
        found: list[Checkpoint] = []
        for sink in self._sinks:
            try:
                found += await sink.checkpoints()
            except Exception:  # noqa: BLE001 - one unreachable sink must not stop checkpointing
                log.exception("cannot read checkpoints from %s", sink.name)
        size = await self._merkle.size()
        usable = [c for c in found if c.origin == self._origin and c.tree_size <= size
                  and c.signature_verifies(self._ring) and c.restored_frontier() is not None]
        if usable:
            self.latest = max(usable, key=lambda c: c.tree_size)
            frontier = self.latest.restored_frontier()
            assert frontier is not None
            return frontier
        frontier = Frontier()
        for first in range(0, size, 20_000):
            frontier.extend(leaf_hashes(await self._merkle.leaf_data(first, min(size, first + 20_000))))
            await asyncio.sleep(0)  # a long log must not hold up the command service's event loop
        return frontier

    async def run_once(self, *, force: bool = False) -> Checkpoint | None:
        """Append every finished event as a leaf; sign and publish a checkpoint when one is due (or
        `force`d and anything is new). Returns the new checkpoint, if any."""
        if self._frontier is None:
            self._frontier = await self._start()
            self._pending.clear()
        start = self._frontier.size
        size = -1
        while True:
            # A short batch is the end: another round trip would only find nothing.
            sequenced = await self._merkle.sequence(self._batch)
            if sequenced.count:
                size = sequenced.start + sequenced.count
                if sequenced.start == start + len(self._pending) // LEAF_DATA_SIZE:
                    self._pending += sequenced.data
                else:
                    self._pending.clear()
            if sequenced.count < self._batch:
                break
        if size < 0:
            # Nothing sequenced here this round; another process's checkpointer may have.
            size = await self._merkle.size()
        new = size - start
        elapsed = time.monotonic() - self._last_checkpoint_at
        if new <= 0 or not (force or new >= self._every_events or elapsed >= self._every_seconds):
            return None
        if len(self._pending) == new * LEAF_DATA_SIZE:
            added = bytes(self._pending)
        else:
            added = await self._merkle.leaf_data(start, size)
        frontier = self._frontier.copy()
        frontier.extend(leaf_hashes(added))
        checkpoint = Checkpoint(self._origin, size, frontier.root().hex(), format_timestamp(self._clock()),
                                self._signer.key_id, frontier=tuple(h.hex() for h in frontier.hashes)
                                ).signed(self._signer)
        for sink in self._sinks:
            try:
                held = await sink.leaves_held()
                missing = added[(held - start) * LEAF_DATA_SIZE:] if held >= start else \
                    await self._merkle.leaf_data(held, size)
                await sink.publish(checkpoint, min(held, size), missing if held < size else b"")
            except Exception:  # noqa: BLE001 - the others still get it; this one is filled in next time
                log.exception("checkpoint %d not written to %s", size, sink.name)
        self._frontier, self.latest = frontier, checkpoint
        self._pending.clear()
        self._last_checkpoint_at = time.monotonic()
        return checkpoint

    async def run(self, stop: asyncio.Event) -> None:
        interval = max(0.05, min(1.0, self._every_seconds / 4))
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:  # noqa: BLE001 - keep checkpointing; the next round retries
                log.exception("checkpoint round failed; retrying")
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
            except TimeoutError:
                pass
