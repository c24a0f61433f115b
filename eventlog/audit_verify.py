"""Verification beyond the hash chains: signed checkpoints, the Merkle tree under every checkpoint,
consistency between checkpoints, and the events against the leaves the checkpoints cover. Each problem
names the position where it is and why; the first bad position is the earliest one.

The leaves are taken from a record outside PostgreSQL (a checkpoint sink's leaf file) only after the
record's roots are checked against the signed checkpoints, so a leaf record is trusted because of the
signatures, never because of where it was found."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import psycopg

from eventlog.checkpoints import Checkpoint
from eventlog.keys import KeyRing
from eventlog.merkle import LEAF_DATA_SIZE, MerkleTree, split_leaf_data, verify_consistency
from eventlog.merkle_log import leaf_hashes
from eventlog.verify import Problem, verify_log


class FindingKind(Enum):
    CHECKPOINT_SIGNATURE = "checkpoint_signature"
    CHECKPOINT_FORK = "checkpoint_fork"
    CHECKPOINT_ROOT = "checkpoint_root"
    CHECKPOINT_CONSISTENCY = "checkpoint_consistency"
    MISSING_EVENT = "missing_event"
    CHANGED_EVENT = "changed_event"
    LEAF_ORDER = "leaf_order"
    SEGMENT = "segment"


@dataclass(frozen=True)
class Finding:
    kind: str
    detail: str
    position: int | None = None
    leaf_index: int | None = None

    def __str__(self) -> str:
        where = [f"position {self.position}"] if self.position is not None else []
        where += [f"leaf {self.leaf_index}"] if self.leaf_index is not None else []
        return f"{' '.join(where) or 'log'}: {self.kind}: {self.detail}"

    @classmethod
    def of_problem(cls, problem: Problem) -> Finding:
        return cls(problem.kind.value, f"{problem.aggregate_id}@{problem.aggregate_version} ({problem.event_id}): "
                   f"{problem.detail}", problem.global_position or None)


@dataclass
class AuditReport:
    events: int = 0
    leaves: int = 0
    checkpoints: int = 0
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def first_bad(self) -> Finding | None:
        """The finding at the earliest position; a finding about the checkpoints alone (no position)
        only when no event is found bad."""
        placed = [f for f in self.findings if f.position is not None]
        if placed:
            return min(placed, key=lambda f: f.position or 0)
        return self.findings[0] if self.findings else None


@dataclass(frozen=True)
class LeafRecord:
    """Leaf data (40 bytes a leaf) found somewhere, with the name of where."""

    source: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data) // LEAF_DATA_SIZE

    def entry(self, index: int) -> tuple[int, str]:
        return split_leaf_data(self.data[index * LEAF_DATA_SIZE:(index + 1) * LEAF_DATA_SIZE])


def check_checkpoints(found: Mapping[str, Sequence[Checkpoint]], ring: KeyRing,
                      report: AuditReport) -> list[Checkpoint]:
    """The checkpoints that verify, one per size, in size order; forks and bad signatures reported.
    `found` lists the sources from the nearest (the data folder) to the most remote (a witness): of
    two signed roots for one size, the one more sources hold stands, and on a tie the more remote's,
    since whoever controls the database host controls the nearest ones."""
    held: dict[int, dict[str, tuple[Checkpoint, list[int]]]] = {}
    origins: set[str] = set()
    for rank, (source, checkpoints) in enumerate(found.items()):
        for checkpoint in checkpoints:
            if not checkpoint.signature_verifies(ring):
                report.findings.append(Finding(FindingKind.CHECKPOINT_SIGNATURE.value,
                                               f"{source}: checkpoint of {checkpoint.tree_size} leaves does not "
                                               f"verify with key {checkpoint.key_id}"))
                continue
            origins.add(checkpoint.origin)
            roots = held.setdefault(checkpoint.tree_size, {})
            roots.setdefault(checkpoint.root_hash, (checkpoint, []))[1].append(rank)
    if len(origins) > 1:
        report.findings.append(Finding(FindingKind.CHECKPOINT_FORK.value, f"checkpoints of several logs: {sorted(origins)}"))
    names = list(found)
    chosen: list[Checkpoint] = []
    for size in sorted(held):
        ranked = sorted(held[size].values(), key=lambda entry: (len(set(entry[1])), max(entry[1])))
        if len(ranked) > 1:
            standing = ranked[-1]
            others = "; ".join(f"{c.root_hash[:12]}… in {', '.join(sorted({names[r] for r in ranks}))}"
                               for c, ranks in ranked[:-1])
            report.findings.append(Finding(FindingKind.CHECKPOINT_FORK.value,
                                           f"two signed roots for {size} leaves: {standing[0].root_hash[:12]}… in "
                                           f"{', '.join(sorted({names[r] for r in standing[1]}))} stands against {others}"))
        chosen.append(ranked[-1][0])
    report.checkpoints = len(chosen)
    return chosen


def trusted_record(records: Iterable[LeafRecord], checkpoints: Sequence[Checkpoint],
                   report: AuditReport) -> tuple[LeafRecord, MerkleTree] | None:
    """The longest leaf record whose tree matches every checkpoint it covers, cut at the last checkpoint
    it covers; every record that contradicts a checkpoint is reported. Consistency between each pair
    of consecutive checkpoints is proven on the trusted record (RFC 9162 consistency proofs)."""
    best: tuple[LeafRecord, MerkleTree] | None = None
    for record in records:
        covered = [c for c in checkpoints if c.tree_size <= record.size]
        if not covered:
            continue
        end = covered[-1].tree_size
        if best is not None and end <= best[1].size and record.data[: end * LEAF_DATA_SIZE] == best[0].data[: end * LEAF_DATA_SIZE]:
            continue  # the same leaves as a record already checked
        tree = MerkleTree(leaf_hashes(record.data[: end * LEAF_DATA_SIZE]))
        bad = next((c for c in covered if tree.root(c.tree_size).hex() != c.root_hash), None)
        if bad is not None:
            report.findings.append(Finding(FindingKind.CHECKPOINT_ROOT.value,
                                           f"the leaves in {record.source} do not have the signed root of the "
                                           f"checkpoint of {bad.tree_size} leaves"))
            continue
        if best is None or end > best[1].size:
            best = (LeafRecord(record.source, record.data[: end * LEAF_DATA_SIZE]), tree)
    if best is None:
        return None
    tree = best[1]
    covered = [c for c in checkpoints if c.tree_size <= tree.size]
    for older, newer in zip(covered, covered[1:], strict=False):
        proof = tree.consistency_proof(older.tree_size, newer.tree_size)
        if not verify_consistency(older.tree_size, newer.tree_size, bytes.fromhex(older.root_hash),
                                  bytes.fromhex(newer.root_hash), proof):
            report.findings.append(Finding(FindingKind.CHECKPOINT_CONSISTENCY.value,
                                           f"checkpoint of {newer.tree_size} leaves does not extend the one of "
                                           f"{older.tree_size}"))
    report.leaves = tree.size
    return best


def compare_sequence(sequence: LeafRecord, trusted: LeafRecord, report: AuditReport) -> None:
    """The leaf order PostgreSQL holds against the checkpointed one: the first leaf that differs."""
    for index in range(min(sequence.size, trusted.size)):
        if sequence.entry(index) != trusted.entry(index):
            position, event_hash = trusted.entry(index)
            seen = sequence.entry(index)
            report.findings.append(Finding(FindingKind.LEAF_ORDER.value,
                                           f"{sequence.source} has position {seen[0]} (hash {seen[1][:12]}…) where "
                                           f"the checkpoints have position {position} (hash {event_hash[:12]}…)",
                                           position, index))
            return
    if sequence.size < trusted.size:
        position, _ = trusted.entry(sequence.size)
        report.findings.append(Finding(FindingKind.LEAF_ORDER.value,
                                       f"{sequence.source} ends at {sequence.size} leaves; the checkpoints cover "
                                       f"{trusted.size}", position, sequence.size))


class EventMatcher:
    """Events, fed in ascending global position, against the checkpointed leaves: a checkpointed
    event that is gone, or whose hash changed, is reported at its position."""

    def __init__(self, trusted: LeafRecord, report: AuditReport) -> None:
        entries = [(*trusted.entry(i), i) for i in range(trusted.size)]
        entries.sort()
        self._entries = entries
        self._next = 0
        self._report = report
        self.unsequenced = 0

    def _missing(self, position: int, event_hash: str, index: int) -> None:
        self._report.findings.append(Finding(FindingKind.MISSING_EVENT.value,
                                             f"the checkpointed event with hash {event_hash[:12]}… is not in the log",
                                             position, index))

    def feed(self, position: int, event_hash: str, where: str) -> None:
        entries = self._entries
        while self._next < len(entries) and entries[self._next][0] < position:
            self._missing(*entries[self._next])
            self._next += 1
        if self._next < len(entries) and entries[self._next][0] == position:
            _, expected, index = entries[self._next]
            if expected != event_hash.strip():
                self._report.findings.append(Finding(
                    FindingKind.CHANGED_EVENT.value,
                    f"{where}: hash {event_hash.strip()[:12]}… is not the checkpointed {expected[:12]}…", position, index))
            self._next += 1
        else:
            self.unsequenced += 1

    def finish(self) -> None:
        while self._next < len(self._entries):
            self._missing(*self._entries[self._next])
            self._next += 1


async def _events_by_position(conn: psycopg.AsyncConnection[Any], batch: int = 20_000
                              ) -> AsyncIterator[tuple[int, str, str]]:
    after = 0
    while True:
        cur = await conn.execute(
            "SELECT global_position, event_hash, aggregate_id || '@' || aggregate_version FROM events"
            " WHERE global_position > %s ORDER BY global_position LIMIT %s", (after, batch))
        rows = await cur.fetchall()
        if not rows:
            return
        for row in rows:
            yield int(row[0]), str(row[1]), str(row[2])
        after = int(rows[-1][0])


async def _sequence_record(conn: psycopg.AsyncConnection[Any], batch: int = 50_000) -> LeafRecord:
    """merkle_leaves as leaf data, up to its first gap (what follows a gap cannot be placed)."""
    parts: list[bytes] = []
    expected = 0
    while True:
        cur = await conn.execute(
            "SELECT leaf_index, global_position, event_hash FROM merkle_leaves WHERE leaf_index >= %s"
            " ORDER BY leaf_index LIMIT %s", (expected, batch))
        rows = await cur.fetchall()
        contiguous = [row for i, row in enumerate(rows) if row[0] == expected + i]
        parts += [int(position).to_bytes(8, "big") + bytes.fromhex(event_hash) for _, position, event_hash in contiguous]
        expected += len(contiguous)
        if len(contiguous) < batch:
            return LeafRecord("merkle_leaves (PostgreSQL)", b"".join(parts))


async def verify_database(conn: psycopg.AsyncConnection[Any], ring: KeyRing,
                          checkpoints_found: Mapping[str, Sequence[Checkpoint]], records: Sequence[LeafRecord],
                          *, tenant_id: str | None = None) -> AuditReport:
    """Chains and signatures of every stream, then the Merkle log: checkpoints, the trusted leaves,
    the sequence table and every event against them."""
    report = AuditReport()
    report.events, problems = await verify_log(conn, ring, tenant_id=tenant_id)
    report.findings += [Finding.of_problem(p) for p in problems]
    if tenant_id:
        return report  # the Merkle log covers every tenant at once
    checkpoints = check_checkpoints(checkpoints_found, ring, report)
    sequence = await _sequence_record(conn)
    if not checkpoints:
        if report.events:
            report.warnings.append("no checkpoints found: the Merkle log was not checked")
        return report
    chosen = trusted_record([*records, sequence], checkpoints, report)
    if chosen is None:
        report.warnings.append("no leaf record covers a checkpoint: events were not checked against the tree")
        return report
    trusted = chosen[0]
    if checkpoints[-1].tree_size > trusted.size:
        report.warnings.append(f"leaves {trusted.size}..{checkpoints[-1].tree_size} of the latest checkpoint are "
                               "in no leaf record that was found")
    matcher = EventMatcher(trusted, report)
    async for position, event_hash, where in _events_by_position(conn):
        matcher.feed(position, event_hash, where)
    matcher.finish()
    if trusted is not sequence:
        compare_sequence(sequence, trusted, report)
    return report
