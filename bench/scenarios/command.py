"""Scenario 1: durable CreateCharge (tok_visa, captured: 4 charge events + 1 ledger event in one
transaction) through gRPC at 1, 8 and 64 clients, next to an empty gRPC call, a raw psycopg insert of
the same rows and the `eventsourcing` library saving a 4-event aggregate; and at 1 client with an
idempotency key on every charge, as every POST of Stripe's SDKs carries one (the key's claim is a
transaction of its own before the command decides)."""

from __future__ import annotations

import uuid
from typing import Any

import grpc

from bench import baselines
from bench.harness import (
    charge_request,
    closed_loop,
    create_merchants,
    isolated,
    log,
    merchants_needed,
    services,
)
from bench.model import Row, RunContext, Scenario, Size, ratio_at_least, ratio_at_most

CLIENTS = (1, 8, 64)
ES_THREADS = (1, 8)
# Ops per measured point, and a time cap per point so a slow machine cannot blow the 20-minute budget.
SIZES: dict[Size, dict[str, Any]] = {
    Size.FULL: {"ops": {1: 300, 8: 1000, 64: 1600}, "es": {1: 300, 8: 1000}, "max_s": 6.0},
    Size.QUICK: {"ops": {1: 40, 8: 120, 64: 192}, "es": {1: 40, 8: 120}, "max_s": 5.0},
    Size.SMOKE: {"ops": {1: 8, 8: 16, 64: 64}, "es": {1: 8, 8: 16}, "max_s": 5.0},
}


async def _ledgermesh(settings: Any, sizes: dict[str, Any], metrics: dict[str, float]) -> tuple[Any, ...]:
    import psycopg
    from ledgermesh.payments.v1 import payment_service_pb2_grpc

    async with services(settings, "command") as started:
        channel = grpc.aio.insecure_channel(started["command"].target)
        try:
            stub = payment_service_pb2_grpc.PaymentCommandServiceStub(channel)
            total = sum(sizes["ops"].values()) + sizes["ops"][1] + 100
            merchants = await create_merchants(channel, merchants_needed(max(CLIENTS), total))
            for clients in CLIENTS:
                async def op(n: int) -> None:
                    m = merchants[n % len(merchants)]
                    await stub.CreateCharge(charge_request(n), metadata=m.metadata)

                ops = sizes["ops"][clients]
                result = await closed_loop(op, clients=clients, ops=ops, max_seconds=sizes["max_s"],
                                           warmup=min(clients * 2, ops))
                metrics.update(result.metrics(f"lm_c{clients}"))
                log(f"  LedgerMesh CreateCharge, {clients} clients: {result.throughput:.0f}/s")
            run_id = uuid.uuid4().hex

            async def keyed(n: int) -> None:
                request = charge_request(n)
                request.idempotency_key = f"bench-{run_id}-{n}"
                await stub.CreateCharge(request, metadata=merchants[n % len(merchants)].metadata)

            ops = sizes["ops"][1]
            result = await closed_loop(keyed, clients=1, ops=ops, max_seconds=sizes["max_s"], warmup=2)
            metrics.update(result.metrics("lm_key_c1"))
            log(f"  LedgerMesh CreateCharge with an idempotency key, 1 client: {result.throughput:.0f}/s")
        finally:
            await channel.close()
    async with await psycopg.AsyncConnection.connect(
            settings.database_url, autocommit=True, options=f"-c search_path={settings.db_schema}") as conn:
        rows = await baselines.sample_command_rows(conn)
    metrics["events_per_command"] = float(len(rows))
    return rows


async def run(ctx: RunContext) -> dict[str, float]:
    sizes = SIZES[ctx.size]
    metrics: dict[str, float] = {}
    async with isolated(ctx.servers) as settings:
        async with baselines.empty_grpc_server(settings) as port:
            for clients in CLIENTS:
                ops = sizes["ops"][clients] * 2
                result = await baselines.empty_grpc_load(port, clients=clients, ops=ops, max_seconds=sizes["max_s"])
                metrics.update(result.metrics(f"grpc_c{clients}"))
        rows = await _ledgermesh(settings, sizes, metrics)

        import psycopg

        async with await psycopg.AsyncConnection.connect(
                settings.database_url, autocommit=True, options=f"-c search_path={settings.db_schema}") as conn:
            await baselines.create_raw_table(conn)
            cur = await conn.execute("SELECT current_setting('synchronous_commit'), current_setting('fsync')")
            sync, fsync = await cur.fetchone()  # type: ignore[misc]
        for clients in CLIENTS:
            result = await baselines.raw_insert_load(settings.database_url or "", settings.db_schema, rows,
                                                     clients=clients, ops=sizes["ops"][clients],
                                                     max_seconds=sizes["max_s"])
            metrics.update(result.metrics(f"raw_c{clients}"))
            log(f"  raw insert of {len(rows)} rows, {clients} clients: {result.throughput:.0f}/s")
        es_schema = settings.db_schema + "_es"
        try:
            for threads in ES_THREADS:
                result = await baselines.eventsourcing_load(settings.database_url or "", es_schema, threads=threads,
                                                            ops=sizes["es"][threads], max_seconds=sizes["max_s"])
                metrics.update(result.metrics(f"es_t{threads}"))
                log(f"  eventsourcing, {threads} threads: {result.throughput:.0f}/s")
        finally:
            async with await psycopg.AsyncConnection.connect(settings.database_url, autocommit=True) as conn:
                await conn.execute(f'DROP SCHEMA IF EXISTS "{es_schema}" CASCADE')
    best = max(CLIENTS, key=lambda c: metrics[f"lm_c{c}_per_s"])
    metrics["lm_best_per_s"] = metrics[f"lm_c{best}_per_s"]
    metrics["lm_best_p99_ms"] = metrics[f"lm_c{best}_p99_ms"]
    metrics["lm_best_clients"] = float(best)
    metrics["raw_best_per_s"] = max(metrics[f"raw_c{c}_per_s"] for c in CLIENTS)
    metrics["_notes"] = [  # type: ignore[assignment]
        f"PostgreSQL synchronous_commit={sync}, fsync={fsync}; raw insert = one multi-row INSERT of the same "
        f"{len(rows)} rows (payloads copied from a LedgerMesh charge) into a table like `events` with its indexes, "
        f"over at most {baselines.RAW_CONNECTIONS} connections (LedgerMesh's pool size).",
        "The command service (with the relay) and the empty gRPC server each run in their own process, the "
        "clients in the bench process; no projector runs meanwhile (the lag scenario runs the whole pipeline). "
        "Merchants rotate (one busy merchant is the hot_merchant scenario).",
    ]
    return metrics


def _rows() -> tuple[Row, ...]:
    rows: list[Row] = [
        Row("events_per_command", "events written per CreateCharge", "events"),
        Row("lm_c8_per_s", "CreateCharge/s, 8 clients vs eventsourcing 8 threads", "/s", "es_t8_per_s",
            "eventsourcing 8t", ratio_at_least(1.5)),
        Row("lm_best_per_s", "CreateCharge/s, best of 1/8/64 vs raw one-transaction-per-command insert", "/s",
            "raw_best_per_s", "raw insert best", ratio_at_least(1.0)),
        Row("lm_best_p99_ms", "CreateCharge p99 at that best load", "ms"),
        Row("lm_best_clients", "clients of the best load", "clients"),
        Row("lm_c1_per_s", "CreateCharge/s, 1 client vs eventsourcing 1 thread", "/s", "es_t1_per_s",
            "eventsourcing 1t"),
    ]
    for c in CLIENTS:
        rows.append(Row(f"lm_c{c}_per_s", f"CreateCharge/s, {c} clients vs raw insert", "/s", f"raw_c{c}_per_s",
                        f"raw insert {c}c"))
        rows.append(Row(f"lm_c{c}_p50_ms", f"CreateCharge p50, {c} clients vs empty gRPC", "ms", f"grpc_c{c}_p50_ms",
                        f"empty gRPC {c}c", ratio_at_most(4.0) if c == 1 else None))
        rows.append(Row(f"lm_c{c}_p99_ms", f"CreateCharge p99, {c} clients vs empty gRPC", "ms", f"grpc_c{c}_p99_ms",
                        f"empty gRPC {c}c"))
    rows.append(Row("lm_key_c1_p50_ms", "CreateCharge p50, 1 client, with an idempotency key vs empty gRPC", "ms",
                    "grpc_c1_p50_ms", "empty gRPC 1c"))
    rows.append(Row("lm_key_c1_p99_ms", "CreateCharge p99, 1 client, with an idempotency key vs without", "ms",
                    "lm_c1_p99_ms", "no key 1c"))
    rows.append(Row("lm_key_c1_p50_ms", "CreateCharge p50, 1 client, with an idempotency key vs without", "ms",
                    "lm_c1_p50_ms", "no key 1c"))
    rows.append(Row("lm_c64_per_s", "CreateCharge/s, 64 clients vs empty gRPC calls/s", "/s", "grpc_c64_per_s",
                    "empty gRPC 64c"))
    return tuple(rows)


SCENARIO = Scenario("command", "command throughput and latency", _rows(), run, budget_s=210.0)
