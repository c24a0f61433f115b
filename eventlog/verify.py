"""Offline verification of the event log from its rows alone: every event's hash is recomputed from
the stored columns, each stream's chain links and versions are checked, and each signature is
checked with the platform's public key. Nothing here trusts the application that wrote the rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

import psycopg
from psycopg.rows import dict_row

from eventlog.integrity import SIGNING_KEY_ID, canonical_bytes, chain_hash

# The columns the hash covers, plus the stored integrity outputs to check against and the position.
ROW_COLUMNS = (
    "event_id, tenant_id, aggregate_id, aggregate_type, aggregate_version, event_type, event_version,"
    " event_data, metadata, created_at, event_hash, previous_event_hash, signature, global_position"
)


class SignatureCheck(Protocol):
    """One public key (eventlog.integrity.Verifier) or a key ring (eventlog.keys.KeyRing)."""

    def verify(self, event_hash: str, signature_hex: str, key_id: str | None = None) -> bool: ...


class ProblemKind(Enum):
    HASH_MISMATCH = "hash_mismatch"
    BROKEN_LINK = "broken_link"
    VERSION_GAP = "version_gap"
    BAD_SIGNATURE = "bad_signature"
    METADATA_MISMATCH = "metadata_mismatch"


@dataclass(frozen=True)
class Problem:
    aggregate_id: str
    aggregate_version: int
    event_id: str
    kind: ProblemKind
    detail: str
    global_position: int = 0

    def __str__(self) -> str:
        return (f"position {self.global_position} {self.aggregate_id}@{self.aggregate_version} ({self.event_id}): "
                f"{self.kind.value}: {self.detail}")


def recompute_hash(row: Mapping[str, Any], previous_hash: str | None) -> str:
    """The hash an event row must carry, from its stored columns and the previous hash."""
    canonical = canonical_bytes(
        event_id=str(row["event_id"]),
        tenant_id=row["tenant_id"],
        aggregate_id=row["aggregate_id"],
        aggregate_type=row["aggregate_type"],
        aggregate_version=row["aggregate_version"],
        event_type=row["event_type"],
        event_version=row["event_version"],
        created_at=row["created_at"],
        data=row["event_data"],
        metadata=row["metadata"],
    )
    return chain_hash(previous_hash, canonical)


# Per stream: (hash of the last event checked, version expected next).
StreamHeads = dict[str, tuple[str | None, int]]


def verify_rows(rows: Iterable[Mapping[str, Any]], verifier: SignatureCheck | None = None, *,
                heads: StreamHeads | None = None) -> list[Problem]:
    """Check rows of one or more streams, each stream's rows consecutive and in version order; with
    `heads`, rows of many streams may interleave (as in global order), each stream carrying on from
    its head there, which is updated."""
    problems: list[Problem] = []
    stream: str | None = None
    previous_hash: str | None = None
    expected_version = 1
    for row in rows:
        if row["aggregate_id"] != stream:
            if heads is not None and stream is not None:
                heads[stream] = (previous_hash, expected_version)
            stream = row["aggregate_id"]
            previous_hash, expected_version = (heads or {}).get(row["aggregate_id"], (None, 1))

        def problem(kind: ProblemKind, detail: str, row: Mapping[str, Any] = row) -> None:
            problems.append(Problem(row["aggregate_id"], row["aggregate_version"], str(row["event_id"]), kind, detail,
                                    row.get("global_position") or 0))

        stored_hash = (row["event_hash"] or "").strip()
        stored_previous = (row["previous_event_hash"] or "").strip() or None
        if row["aggregate_version"] != expected_version:
            problem(ProblemKind.VERSION_GAP, f"expected version {expected_version}")
        if stored_previous != previous_hash:
            problem(ProblemKind.BROKEN_LINK, "previous_event_hash is not the hash of the event before")
        recomputed = recompute_hash(row, stored_previous)
        if recomputed != stored_hash:
            problem(ProblemKind.HASH_MISMATCH, f"stored {stored_hash[:12]}…, recomputed {recomputed[:12]}…")
        metadata = row["metadata"] or {}
        if metadata.get("event_hash") != stored_hash or (metadata.get("previous_event_hash") or None) != stored_previous:
            problem(ProblemKind.METADATA_MISMATCH, "metadata integrity fields differ from the columns")
        if verifier is not None and not verifier.verify(stored_hash, row["signature"], metadata.get(SIGNING_KEY_ID)):
            problem(ProblemKind.BAD_SIGNATURE, f"signature does not verify with key {metadata.get(SIGNING_KEY_ID) or '(first)'}")
        previous_hash = stored_hash
        expected_version = row["aggregate_version"] + 1
    if heads is not None and stream is not None:
        heads[stream] = (previous_hash, expected_version)
    return problems


async def verify_stream(
    conn: psycopg.AsyncConnection[Any], aggregate_id: str, verifier: SignatureCheck | None = None
) -> list[Problem]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        f"SELECT {ROW_COLUMNS} FROM events WHERE aggregate_id = %s ORDER BY aggregate_version", (aggregate_id,)
    )
    return verify_rows(await cur.fetchall(), verifier)


async def verify_log(
    conn: psycopg.AsyncConnection[Any], verifier: SignatureCheck | None = None, *, tenant_id: str | None = None,
    batch_size: int = 5000,
) -> tuple[int, list[Problem]]:
    """Verify every stream (of one tenant, if given); return (events checked, problems). Rows are read in
    keyset batches by (stream, version), so memory stays bounded however long the log is."""
    problems: list[Problem] = []
    checked = 0
    after: tuple[str, int] = ("", 0)
    pending: list[dict[str, Any]] = []
    tenant_clause = "AND tenant_id = %(tenant)s" if tenant_id else ""
    while True:
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(
            f"SELECT {ROW_COLUMNS} FROM events WHERE (aggregate_id, aggregate_version) > (%(id)s, %(v)s)"
            f" {tenant_clause} ORDER BY aggregate_id, aggregate_version LIMIT %(limit)s",
            {"id": after[0], "v": after[1], "tenant": tenant_id, "limit": batch_size},
        )
        rows = await cur.fetchall()
        if not rows:
            break
        checked += len(rows)
        after = (rows[-1]["aggregate_id"], rows[-1]["aggregate_version"])
        # A stream may straddle two batches: hold back its rows until the stream is complete.
        complete = [r for r in pending + rows if r["aggregate_id"] != after[0]]
        pending = [r for r in pending + rows if r["aggregate_id"] == after[0]]
        problems += verify_rows(complete, verifier)
    problems += verify_rows(pending, verifier)
    return checked, problems
