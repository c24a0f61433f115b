"""The archive: the log's checkpointed leaves, in leaf order, as compressed content-addressed segments
with a manifest, in a directory or an S3-compatible bucket.

A segment is the gzip of JSON lines, one per event with every stored column (JSON payloads as
PostgreSQL's own text, so a restore writes back exactly what was read), named by the SHA-256 of its
bytes. The manifest lists the segments with their leaf range, positions, counts, Merkle roots and
retention, plus the signed checkpoint they are proven against: for segment [a, b), the frontier of
the first a leaves and an RFC 9162 consistency proof from the tree of b leaves to the checkpoint's.
The export also carries every checkpoint, the leaf record and the key ring, which is all that
`ledgermesh verify --offline` needs."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import psycopg

from eventcodec.codec import format_timestamp
from eventlog.audit_verify import AuditReport, Finding, FindingKind, LeafRecord, check_checkpoints, trusted_record
from eventlog.checkpoints import Checkpoint
from eventlog.keys import KeyRing
from eventlog.merkle import Frontier, MerkleTree, leaf_data, leaf_hash, verify_consistency
from eventlog.merkle_log import MerkleLog, leaf_hashes
from eventlog.retention import may_leave_hot_storage, retain_until
from eventlog.s3 import s3_get
from eventlog.verify import ProblemKind, StreamHeads, recompute_hash, verify_rows

FORMAT = "ledgermesh-archive/v1"
MANIFEST = "manifest.json"

# Called as (events done, leaf reached, last leaf) as work goes on.
Progress = Callable[[int, int, int], None]

# Stored columns in the order a segment line and a restore's COPY carry them.
FIELDS = ("leaf_index", "global_position", "event_id", "tenant_id", "aggregate_id", "aggregate_type", "event_type",
          "event_version", "aggregate_version", "event_data", "metadata", "created_at", "correlation_id",
          "causation_id", "user_id", "ip_address", "event_hash", "previous_event_hash", "signature")
_SELECT = (
    "SELECT l.leaf_index, l.global_position, e.event_id::text, e.tenant_id, e.aggregate_id, e.aggregate_type,"
    " e.event_type, e.event_version, e.aggregate_version, e.event_data::text, e.metadata::text, e.created_at,"
    " e.correlation_id::text, e.causation_id::text, e.user_id, e.ip_address::text, e.event_hash,"
    " e.previous_event_hash, e.signature"
    " FROM merkle_leaves l LEFT JOIN events e ON e.global_position = l.global_position"
    " WHERE l.leaf_index >= %s AND l.leaf_index < %s ORDER BY l.leaf_index"
)


class ArchiveError(Exception):
    """The archive cannot be written, proven or restored; the message says why."""


class ArchiveTarget(Protocol):
    name: str

    def read(self, key: str) -> bytes | None: ...

    def write(self, key: str, data: bytes, *, retain_until: datetime | None = None) -> None: ...

    def exists(self, key: str) -> bool: ...


@dataclass
class DirectoryTarget:
    path: Path
    name: str = ""

    def __post_init__(self) -> None:
        self.name = self.name or str(self.path)

    def read(self, key: str) -> bytes | None:
        file = self.path / key
        return file.read_bytes() if file.exists() else None

    def write(self, key: str, data: bytes, *, retain_until: datetime | None = None) -> None:
        file = self.path / key
        file.parent.mkdir(parents=True, exist_ok=True)
        temporary = file.with_name(file.name + ".tmp")
        with open(temporary, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        temporary.replace(file)

    def exists(self, key: str) -> bool:
        return (self.path / key).exists()


@dataclass
class S3Target:
    """An S3-compatible bucket. Segments carry their retain-until date as object metadata, and as an
    Object Lock retention (COMPLIANCE) when `object_lock` is set on a bucket created with it."""

    client: Any
    bucket: str
    prefix: str = ""
    object_lock: bool = False
    name: str = ""

    def __post_init__(self) -> None:
        self.name = self.name or f"s3://{self.bucket}/{self.prefix}"

    def read(self, key: str) -> bytes | None:
        return s3_get(self.client, self.bucket, self.prefix + key)

    def write(self, key: str, data: bytes, *, retain_until: datetime | None = None) -> None:
        extra: dict[str, Any] = {}
        if retain_until is not None:
            extra["Metadata"] = {"retain-until": retain_until.isoformat()}
            if self.object_lock:
                extra.update(ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=retain_until)
        self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data, **extra)

    def exists(self, key: str) -> bool:
        return self.read(key) is not None


@dataclass(frozen=True)
class SegmentEntry:
    file: str
    sha256: str
    first_leaf: int
    end_leaf: int
    count: int
    first_position: int
    last_position: int
    created_from: str
    created_to: str
    segment_root: str
    bytes: int
    retain_until: str
    may_leave_hot_storage: bool
    classifications: dict[str, int]
    # Proof against the manifest's checkpoint: the first `first_leaf` leaves' frontier, then the
    # consistency proof from the tree of `end_leaf` leaves to the checkpoint's tree.
    prefix_frontier: tuple[str, ...] = ()
    consistency_proof: tuple[str, ...] = ()


@dataclass
class Manifest:
    origin: str
    checkpoint: Checkpoint
    segments: list[SegmentEntry] = field(default_factory=list)
    exported_at: str = ""
    before: str = ""

    @property
    def end_leaf(self) -> int:
        return self.segments[-1].end_leaf if self.segments else 0

    @property
    def events(self) -> int:
        return sum(s.count for s in self.segments)

    def to_json(self) -> str:
        return json.dumps({
            "format": FORMAT, "origin": self.origin, "exported_at": self.exported_at, "before": self.before,
            "tree_size": self.end_leaf, "events": self.events, "checkpoint": json.loads(self.checkpoint.to_json()),
            "segments": [asdict(s) for s in self.segments]}, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> Manifest:
        d = json.loads(text)
        if d.get("format") != FORMAT:
            raise ArchiveError(f"not a LedgerMesh archive manifest (format {d.get('format')!r})")
        segments = [SegmentEntry(**{**s, "prefix_frontier": tuple(s["prefix_frontier"]),
                                    "consistency_proof": tuple(s["consistency_proof"])}) for s in d["segments"]]
        return cls(d["origin"], Checkpoint.from_json(json.dumps(d["checkpoint"])), segments, d["exported_at"], d["before"])


def read_manifest(target: ArchiveTarget) -> Manifest | None:
    data = target.read(MANIFEST)
    return Manifest.from_json(data) if data else None


def segment_rows(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in gzip.decompress(data).splitlines() if line.strip()]


def row_for_verify(row: dict[str, Any]) -> dict[str, Any]:
    """An exported row in the shape eventlog.verify reads from PostgreSQL."""
    return {**row, "event_data": json.loads(row["event_data"]), "metadata": json.loads(row["metadata"]),
            "created_at": datetime.fromisoformat(row["created_at"])}


def _segment(rows: Sequence[dict[str, Any]], now: datetime, min_hot_days: int) -> tuple[bytes, SegmentEntry]:
    body = "".join(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n" for row in rows).encode()
    # mtime=0: the same events always compress to the same bytes, so to the same name.
    data = gzip.compress(body, compresslevel=6, mtime=0)
    digest = hashlib.sha256(data).hexdigest()
    created = [datetime.fromisoformat(row["created_at"]) for row in rows]
    metadata = [json.loads(row["metadata"]) for row in rows]
    classifications: dict[str, int] = {}
    for m in metadata:
        name = str(m.get("data_classification") or "DATA_CLASSIFICATION_UNSPECIFIED")
        classifications[name] = classifications.get(name, 0) + 1
    positions = [row["global_position"] for row in rows]
    entry = SegmentEntry(
        file=f"segments/{digest}.jsonl.gz", sha256=digest, first_leaf=rows[0]["leaf_index"],
        end_leaf=rows[-1]["leaf_index"] + 1, count=len(rows), first_position=min(positions),
        last_position=max(positions), created_from=format_timestamp(min(created)),
        created_to=format_timestamp(max(created)),
        segment_root=MerkleTree([leaf_hash(leaf_data(r["global_position"], r["event_hash"])) for r in rows]).root().hex(),
        bytes=len(data),
        retain_until=max(retain_until(c, m) for c, m in zip(created, metadata, strict=True)).isoformat(),
        may_leave_hot_storage=all(may_leave_hot_storage(c, now, min_hot_days) for c in created),
        classifications=classifications)
    return data, entry


def _proven(entry: SegmentEntry, tree: MerkleTree, checkpoint: Checkpoint) -> SegmentEntry:
    frontier = tree.frontier(entry.first_leaf)
    proof = tree.consistency_proof(entry.end_leaf, checkpoint.tree_size)
    return SegmentEntry(**{**asdict(entry), "prefix_frontier": tuple(h.hex() for h in frontier.hashes),
                           "consistency_proof": tuple(h.hex() for h in proof)})


async def _rows(conn: psycopg.AsyncConnection[Any], start: int, end: int) -> list[dict[str, Any]]:
    cur = await conn.execute(_SELECT, (start, end))
    rows = []
    for values in await cur.fetchall():
        row = dict(zip(FIELDS, values, strict=True))
        if row["event_id"] is None:
            raise ArchiveError(f"leaf {row['leaf_index']}: the event at position {row['global_position']} is not in "
                               "the log; run `ledgermesh verify`")
        row["created_at"] = format_timestamp(row["created_at"])
        row["event_hash"] = row["event_hash"].strip()
        row["previous_event_hash"] = (row["previous_event_hash"] or "").strip() or None
        rows.append(row)
    return rows


async def export_archive(conn: psycopg.AsyncConnection[Any], merkle: MerkleLog, target: ArchiveTarget, *,
                         checkpoint: Checkpoint, checkpoints: Sequence[Checkpoint], ring: KeyRing,
                         before: datetime | None = None, segment_events: int = 10_000, min_hot_days: int = 90,
                         progress: Progress | None = None, now: datetime | None = None) -> Manifest:
    """Write the checkpointed leaves created before `before` (all of them if None) that the target does
    not hold yet, as new segments, and a manifest proving every segment against `checkpoint`."""
    now = now or datetime.now(UTC)
    if not checkpoint.signature_verifies(ring):
        raise ArchiveError(f"checkpoint of {checkpoint.tree_size} leaves does not verify with the key ring")
    leaves = await merkle.leaf_data(0, checkpoint.tree_size)
    tree = MerkleTree(await asyncio.to_thread(leaf_hashes, leaves))
    if tree.root().hex() != checkpoint.root_hash:
        raise ArchiveError(f"the leaves in PostgreSQL do not have the signed root of the checkpoint of "
                           f"{checkpoint.tree_size} leaves; run `ledgermesh verify`")
    end = checkpoint.tree_size
    if before is not None:
        cur = await conn.execute(
            "SELECT min(l.leaf_index) FROM merkle_leaves l JOIN events e ON e.global_position = l.global_position"
            " WHERE e.created_at >= %s AND l.leaf_index < %s", (before, end))
        row = await cur.fetchone()
        end = int(row[0]) if row and row[0] is not None else end
    manifest = read_manifest(target) or Manifest(checkpoint.origin, checkpoint)
    if manifest.origin != checkpoint.origin:
        raise ArchiveError(f"{target.name} archives the log {manifest.origin!r}, not {checkpoint.origin!r}")
    start = manifest.end_leaf
    for first in range(start, end, segment_events):
        rows = await _rows(conn, first, min(end, first + segment_events))
        data, entry = _segment(rows, now, min_hot_days)
        if not await asyncio.to_thread(target.exists, entry.file):
            await asyncio.to_thread(target.write, entry.file, data, retain_until=datetime.fromisoformat(entry.retain_until))
        manifest.segments.append(entry)
        if progress:
            progress(entry.end_leaf - start, entry.end_leaf, end)
    manifest.checkpoint = checkpoint
    manifest.segments = [_proven(s, tree, checkpoint) for s in manifest.segments]
    manifest.exported_at = format_timestamp(now)
    manifest.before = format_timestamp(before) if before else ""
    known = sorted({c.tree_size: c for c in checkpoints if c.tree_size <= checkpoint.tree_size}.values(),
                   key=lambda c: c.tree_size)
    await asyncio.to_thread(target.write, "checkpoints.jsonl", "".join(c.to_json() + "\n" for c in known).encode())
    await asyncio.to_thread(target.write, "leaves.bin", leaves)
    await asyncio.to_thread(target.write, "keyring.json", ring.to_text().encode())
    await asyncio.to_thread(target.write, MANIFEST, manifest.to_json().encode())
    return manifest


def _check_segment(entry: SegmentEntry, data: bytes | None, checkpoint: Checkpoint, report: AuditReport) -> list[dict[str, Any]]:
    """The segment's rows, after checking its content address, its leaves' place in the checkpointed
    tree, and each event's own hash. (Each event's signature adds nothing here: the event hashes are
    under a signed root. The full verifiers check them too.)"""
    def bad(detail: str, position: int | None = None) -> list[dict[str, Any]]:
        report.findings.append(Finding(FindingKind.SEGMENT.value, f"{entry.file}: {detail}",
                                       position if position is not None else entry.first_position, entry.first_leaf))
        return []

    if data is None:
        return bad("missing from the archive")
    if hashlib.sha256(data).hexdigest() != entry.sha256 or not entry.file.endswith(f"{entry.sha256}.jsonl.gz"):
        return bad("its bytes do not have the SHA-256 it is named by")
    rows = segment_rows(data)
    if [r["leaf_index"] for r in rows] != list(range(entry.first_leaf, entry.end_leaf)):
        return bad(f"does not hold exactly leaves {entry.first_leaf}..{entry.end_leaf}")
    frontier = Frontier(entry.first_leaf, [bytes.fromhex(h) for h in entry.prefix_frontier])
    frontier.extend(leaf_hash(leaf_data(r["global_position"], r["event_hash"])) for r in rows)
    if not verify_consistency(entry.end_leaf, checkpoint.tree_size, frontier.root(), bytes.fromhex(checkpoint.root_hash),
                              [bytes.fromhex(h) for h in entry.consistency_proof]):
        return bad(f"its leaves are not leaves {entry.first_leaf}..{entry.end_leaf} of the checkpointed tree of "
                   f"{checkpoint.tree_size}")
    for row in rows:
        shaped = row_for_verify(row)
        if recompute_hash(shaped, row["previous_event_hash"]) != row["event_hash"]:
            report.findings.append(Finding(ProblemKind.HASH_MISMATCH.value,
                                           f"{row['aggregate_id']}@{row['aggregate_version']} in {entry.file}: "
                                           "the event's hash does not recompute from its columns",
                                           row["global_position"], row["leaf_index"]))
    return rows


def verified_segments(target: ArchiveTarget, ring: KeyRing, report: AuditReport, *,
                      files: Sequence[str] = (), progress: Progress | None = None
                      ) -> Iterator[tuple[SegmentEntry, list[dict[str, Any]]]]:
    """Each segment (or those named in `files`) with its rows, once checked; problems go to `report`."""
    manifest = read_manifest(target)
    if manifest is None:
        report.findings.append(Finding(FindingKind.SEGMENT.value, f"{target.name} has no {MANIFEST}"))
        return
    checkpoint = manifest.checkpoint
    if not checkpoint.signature_verifies(ring):
        report.findings.append(Finding(FindingKind.CHECKPOINT_SIGNATURE.value,
                                       f"the manifest's checkpoint of {checkpoint.tree_size} leaves does not verify "
                                       f"with key {checkpoint.key_id}"))
        return
    report.checkpoints = max(report.checkpoints, 1)
    wanted = [s for s in manifest.segments if not files or s.file in files or s.sha256 in files]
    unknown = set(files) - {s.file for s in wanted} - {s.sha256 for s in wanted}
    for name in sorted(unknown):
        report.findings.append(Finding(FindingKind.SEGMENT.value, f"{name} is not in the manifest"))
    done, expected_leaf = 0, 0
    for entry in wanted:
        if not files and entry.first_leaf != expected_leaf:
            report.findings.append(Finding(FindingKind.SEGMENT.value, f"the manifest has no segment for leaves "
                                           f"{expected_leaf}..{entry.first_leaf}", None, expected_leaf))
        expected_leaf = entry.end_leaf
        rows = _check_segment(entry, target.read(entry.file), checkpoint, report)
        done += entry.count
        report.leaves = max(report.leaves, entry.end_leaf)
        if progress:
            progress(done, entry.end_leaf, manifest.end_leaf)
        yield entry, rows


def verify_archive(target: ArchiveTarget, ring: KeyRing, *, files: Sequence[str] = (),
                   progress: Progress | None = None) -> AuditReport:
    report = AuditReport()
    for _, rows in verified_segments(target, ring, report, files=files, progress=progress):
        report.events += len(rows)
    return report


def verify_export(path: Path, ring: KeyRing, progress: Progress | None = None) -> AuditReport:
    """Everything `ledgermesh verify` checks, from an export directory and the public keys alone: the
    checkpoints' signatures, the leaf record under every checkpoint and consistency between them, each
    segment's proof, every event against its checkpointed leaf, and every stream's chain."""
    target = DirectoryTarget(path)
    report = AuditReport()
    manifest = read_manifest(target)
    lines = (target.read("checkpoints.jsonl") or b"").decode().splitlines()
    found = [Checkpoint.from_json(line) for line in lines if line.strip()]
    checkpoints = check_checkpoints({"checkpoints.jsonl": found + ([manifest.checkpoint] if manifest else [])},
                                    ring, report)
    chosen = trusted_record([LeafRecord("leaves.bin", target.read("leaves.bin") or b"")], checkpoints, report)
    heads: StreamHeads = {}
    events = 0
    for _, rows in verified_segments(target, ring, report, progress=progress):
        events += len(rows)
        for row in rows:
            if chosen is not None and row["leaf_index"] < chosen[0].size and \
                    chosen[0].entry(row["leaf_index"]) != (row["global_position"], row["event_hash"]):
                report.findings.append(Finding(FindingKind.CHANGED_EVENT.value,
                                               f"{row['aggregate_id']}@{row['aggregate_version']} is not the "
                                               "checkpointed leaf", row["global_position"], row["leaf_index"]))
        # Each event's own hash was checked with its segment; here, the signatures and the links.
        problems = verify_rows([row_for_verify(r) for r in rows], ring, heads=heads)
        report.findings += [Finding.of_problem(p) for p in problems if p.kind is not ProblemKind.HASH_MISMATCH]
    report.events = events
    if chosen is None:
        report.warnings.append("no leaf record matches the checkpoints: only the segments' own proofs were checked")
    else:
        report.leaves = chosen[0].size
        if manifest and chosen[0].size > manifest.end_leaf:
            report.warnings.append(f"leaves {manifest.end_leaf}..{chosen[0].size} are under the checkpoints but their "
                                   "events are not in this export")
    return report


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


_RESTORED = FIELDS[1:]


async def restore_archive(conn: psycopg.AsyncConnection[Any], target: ArchiveTarget, ring: KeyRing, *,
                          progress: Progress | None = None) -> int:
    """Write the archive's events back, byte for byte, into an empty log: each segment is checked
    before it is written, all in one transaction (a bad segment leaves the log empty)."""
    cur = await conn.execute("SELECT count(*) FROM events")
    row = await cur.fetchone()
    if row and row[0]:
        raise ArchiveError(f"restore needs an empty event log; this one holds {row[0]:,} events")
    report = AuditReport()
    restored, last_position = 0, 0
    async with conn.transaction():
        for entry, rows in verified_segments(target, ring, report, progress=progress):
            if report.findings:
                break
            async with conn.cursor().copy(f"COPY events ({', '.join(_RESTORED)}) FROM STDIN") as copy:
                await copy.write("".join("\t".join(_copy_text(r[f]) for f in _RESTORED) + "\n" for r in rows))
            async with conn.cursor().copy("COPY merkle_leaves (leaf_index, global_position, event_hash) FROM STDIN") as copy:
                await copy.write("".join(f"{r['leaf_index']}\t{r['global_position']}\t{r['event_hash']}\n" for r in rows))
            restored += len(rows)
            last_position = max(last_position, entry.last_position)
        if report.findings:
            raise ArchiveError(f"not restored: {report.first_bad}")
        # The restored leaves are sequenced; new events follow them, in this database's commit order.
        await conn.execute(
            "INSERT INTO relay_checkpoints (name, tx_id, position) VALUES ('merkle', pg_current_xact_id(), %s)"
            " ON CONFLICT (name) DO UPDATE SET tx_id = excluded.tx_id, position = excluded.position", (last_position,))
        if last_position:
            await conn.execute("SELECT setval(pg_get_serial_sequence('events', 'global_position'), %s)", (last_position,))
    return restored
