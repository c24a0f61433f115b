"""The yardsticks LedgerMesh is measured against in the same run: an empty gRPC call, a raw psycopg
insert of the same rows, and the `eventsourcing` library on the same PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bench.harness import LoadResult, closed_loop, threaded_loop

# --- empty gRPC unary call ---


@asynccontextmanager
async def empty_grpc_server(settings: Any) -> AsyncIterator[int]:
    """A grpc.aio server with nothing but health checking, in its own process like the services:
    the floor of any gRPC call."""
    from bench.harness import services

    async with services(settings, "empty") as started:
        yield started["empty"].port


async def empty_grpc_load(port: int, *, clients: int, ops: int, max_seconds: float) -> LoadResult:
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    stub = health_pb2_grpc.HealthStub(channel)
    request = health_pb2.HealthCheckRequest()

    async def op(_n: int) -> None:
        await stub.Check(request)

    try:
        return await closed_loop(op, clients=clients, ops=ops, max_seconds=max_seconds, warmup=min(50, ops))
    finally:
        await channel.close()


# --- raw psycopg insert of the same rows ---


@dataclass(frozen=True)
class RowTemplate:
    aggregate_type: str
    event_type: str
    event_version: int
    aggregate_version: int
    stream: int  # index of the stream within one command (0 = charge, 1 = ledger)
    event_data: str
    metadata: str


# Used when no real command ran first: shaped like the events a captured tok_visa charge writes.
_FALLBACK_DATA = {"charge_id": "ch_x", "amount": 2500, "currency": "usd", "source": "tok_visa",
                  "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030,
                           "fingerprint": "f" * 16, "country": "US", "funding": "credit"},
                  "metadata": {"order_id": "o-1"}, "description": "bench order", "capture": True}
_FALLBACK_META = {"correlation_id": str(uuid.uuid4()), "causation_id": str(uuid.uuid4()),
                  "request_id": "req_x", "trace_id": "0" * 32, "user_id": "", "ip_address": "",
                  "jurisdiction": "US", "regulation": "PCI-DSS", "data_classification": "confidential",
                  "retention_period": "7y", "event_hash": "a" * 64, "previous_event_hash": "",
                  "signature": "s" * 88}
FALLBACK_ROWS = tuple(
    RowTemplate("Ledger" if i == 4 else "Charge", t, 1, 1 if i == 4 else i + 1, 1 if i == 4 else 0,
                json.dumps(_FALLBACK_DATA), json.dumps(_FALLBACK_META))
    for i, t in enumerate(("ChargeRequested", "FraudCheckCompleted", "PaymentAuthorized", "PaymentCaptured",
                           "LedgerEntryPosted"))
)


async def sample_command_rows(conn: Any) -> tuple[RowTemplate, ...]:
    """The rows of the latest charge LedgerMesh wrote (one command's events, by correlation id: a
    transaction holds a whole group commit): the raw baseline inserts exactly as many rows, with the
    same payload sizes."""
    cur = await conn.execute(
        "SELECT correlation_id FROM events WHERE event_type = 'PaymentCaptured' ORDER BY global_position DESC LIMIT 1")
    row = await cur.fetchone()
    if row is None:
        return FALLBACK_ROWS
    cur = await conn.execute(
        "SELECT aggregate_type, event_type, event_version, aggregate_version, aggregate_id,"
        " event_data::text, metadata::text FROM events WHERE correlation_id = %s ORDER BY global_position",
        (row[0],))
    rows = await cur.fetchall()
    streams: dict[str, int] = {}
    out = []
    for agg_type, ev_type, ev_ver, agg_ver, agg_id, data, meta in rows:
        streams.setdefault(agg_id, len(streams))
        out.append(RowTemplate(agg_type, ev_type, ev_ver, agg_ver, streams[agg_id], data, meta))
    return tuple(out)


RAW_TABLE = "bench_raw_events"
# composition.infrastructure.open_pool's max_size: the raw baseline gets no more connections than LedgerMesh has.
RAW_CONNECTIONS = 20
_RAW_COLUMNS = ("event_id, tenant_id, aggregate_id, aggregate_type, event_type, event_version, aggregate_version,"
                " event_data, metadata, created_at, correlation_id, causation_id, event_hash,"
                " previous_event_hash, signature")


async def create_raw_table(conn: Any) -> None:
    """A table shaped like `events` with the same indexes and defaults, minus the triggers."""
    await conn.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
    await conn.execute(f"CREATE TABLE {RAW_TABLE} (LIKE events INCLUDING DEFAULTS INCLUDING INDEXES"
                       " INCLUDING CONSTRAINTS)")


async def raw_insert_load(database_url: str, schema: str, rows: tuple[RowTemplate, ...], *, clients: int,
                          ops: int, max_seconds: float) -> LoadResult:
    """One transaction per command: a single multi-row INSERT of `rows`, durable commit. The clients
    share at most RAW_CONNECTIONS connections, as many as LedgerMesh's pool holds."""
    import psycopg

    conns: list[Any] = []
    free: asyncio.Queue[Any] = asyncio.Queue()
    try:
        for _ in range(min(clients, RAW_CONNECTIONS)):
            conns.append(await psycopg.AsyncConnection.connect(database_url, options=f"-c search_path={schema}"))
            free.put_nowait(conns[-1])
    except BaseException:
        for c in conns:
            await c.close()
        raise
    placeholders = ", ".join(["(" + ", ".join(["%s"] * 15) + ")"] * len(rows))
    statement = f"INSERT INTO {RAW_TABLE} ({_RAW_COLUMNS}) VALUES {placeholders}"
    tag = uuid.uuid4().hex[:8]

    async def op(n: int) -> None:
        conn = await free.get()
        try:
            ids = [f"raw_{tag}_{n}_{s}" for s in range(max(r.stream for r in rows) + 1)]
            corr = uuid.uuid4()
            params: list[Any] = []
            for r in rows:
                params += [uuid.uuid4(), "acct_bench", ids[r.stream], r.aggregate_type, r.event_type,
                           r.event_version, r.aggregate_version, r.event_data, r.metadata,
                           _now(), corr, corr, "a" * 64, "b" * 64, "sig"]
            async with conn.transaction():
                await conn.execute(statement, params)
        finally:
            free.put_nowait(conn)

    try:
        return await closed_loop(op, clients=clients, ops=ops, max_seconds=max_seconds, warmup=min(20, ops))
    finally:
        for c in conns:
            await c.close()


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


# --- the eventsourcing library (peer) ---


async def eventsourcing_load(database_url: str, schema: str, *, threads: int, ops: int,
                             max_seconds: float) -> LoadResult:
    import psycopg

    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')

    def run() -> LoadResult:
        from bench.peer import payments_app

        app = payments_app(database_url, schema, threads)
        try:
            return threaded_loop(app.charge, threads=threads, ops=ops, max_seconds=max_seconds, warmup=min(20, ops))
        finally:
            app.close()

    return await asyncio.to_thread(run)
