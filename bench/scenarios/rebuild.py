"""Scenario 4: rebuild every projection from N events in PostgreSQL (full: 1,000,000): events/s and the
peak RSS of the rebuilding process.

The data set is made once per session: a few real charges go through the running system, and their
rows (4 charge events + 1 ledger event per charge, plus each merchant's account events) are cloned with
fresh ids by COPY into the `events` table of a bench schema (unlogged, without the secondary indexes a
rebuild does not read; the hash chain is not valid, which a rebuild does not check). Every run
rebuilds into its own Redis prefix, which is deleted afterwards."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc

from bench.harness import charge_request, create_merchants, delete_redis_prefix, drop_run_data, log
from bench.model import Row, RunContext, Scenario, Size, at_least, at_most

ROOT = Path(__file__).resolve().parents[2]
# A rebuild meeting the goal (30,000 ev/s) does 1M events in 33 s; one slower than that is stopped at
# max_seconds and its rate measured over the events done, so a slow engine cannot eat the time budget.
SIZES: dict[Size, dict[str, int]] = {
    Size.FULL: {"events": 1_000_000, "tenants": 1000, "max_seconds": 25},
    Size.QUICK: {"events": 20_000, "tenants": 50, "max_seconds": 30},
    Size.SMOKE: {"events": 500, "tenants": 5, "max_seconds": 30},
}
_COLS = ("event_id", "tenant_id", "aggregate_id", "aggregate_type", "event_type", "event_version",
         "aggregate_version", "event_data", "metadata", "created_at", "correlation_id", "causation_id",
         "event_hash", "previous_event_hash", "signature")
_COPY_COLS = (*_COLS, "tx_id")
# Fold processes of the measured rebuild (`ledgermesh rebuild all --workers N`): one per core of the
# 2-core bench machine.
WORKERS = 2
_STATE: dict[str, Any] = {}


async def _templates(ctx: RunContext) -> dict[str, Any]:
    """Rows LedgerMesh itself wrote for one merchant and one captured charge."""
    from composition.system import BACKEND, start_system

    settings = ctx.servers.settings()
    try:
        system = await start_system(settings, BACKEND)
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{system.command_port}")
        try:
            from ledgermesh.payments.v1 import payment_service_pb2_grpc

            merchant = (await create_merchants(channel, 1))[0]
            stub = payment_service_pb2_grpc.PaymentCommandServiceStub(channel)
            reply = await stub.CreateCharge(charge_request(1), metadata=merchant.metadata)
            async with system.infra.pool.connection() as conn:
                cur = await conn.execute(
                    f"SELECT {', '.join(_COLS)}, tx_id::text FROM events ORDER BY global_position")
                rows = await cur.fetchall()
        finally:
            await channel.close()
            await system.stop()
    finally:
        await drop_run_data(settings)
    charge_id = reply.charge.id
    charge_tx = next(r[-1] for r in rows if r[2] == charge_id)
    as_text = [tuple(json.dumps(v) if isinstance(v, dict) else v for v in r[:-1]) + (r[-1],) for r in rows]
    return {
        "tenant": merchant.account_id, "charge": charge_id,
        "charge_rows": [r[:-1] for r in as_text if r[-1] == charge_tx],
        "account_rows": [r[:-1] for r in as_text if r[-1] != charge_tx and r[1] == merchant.account_id],
    }


def _copy_escape(value: Any) -> str:
    """A value in COPY text format, with str.format braces doubled."""
    text = "\\N" if value is None else str(value)
    text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text.replace("{", "{{").replace("}", "}}")


def _line_template(row: tuple[Any, ...], tenant0: str, charge0: str, *, charge_row: bool) -> str:
    """One COPY line with {eid} {tenant} {charge} {ver} {created} {corr} {tx} where the clone differs."""
    parts = [_copy_escape(v) for v in row]
    for i in (1, 2, 7, 8):
        parts[i] = parts[i].replace(charge0, "{charge}").replace(tenant0, "{tenant}")
    if "{tenant}" not in parts[2] and "{charge}" not in parts[2]:
        parts[2] += "~{tenant}"  # a stream named without the account (e.g. an API key): one per clone
    parts[0], parts[9], parts[10], parts[11] = "{eid}", "{created}", "{corr}", "{corr}"
    if not charge_row or row[3] != "Charge":
        parts[6] = "{ver}"
    return "\t".join([*parts, "{tx}"]) + "\n"


def _lines(templates: dict[str, Any], total: int, tenants: int, max_xid: int):  # type: ignore[no-untyped-def]
    """Yield COPY text lines: each tenant's account events, then charges round-robin over the tenants.
    Ids are unique per session (a random prefix and a counter), timestamps spread over 30 days.

    tx_id is written, not defaulted: a COPY is one transaction, and 200,000 events sharing one tx_id
    are nothing like the log (a few events per transaction), which misleads the planner on every
    query by tx_id. Ids rise with the position, a few charges each, all below the current
    transaction id, so the gap-safe readers see them as committed."""
    tenant0, charge0 = templates["tenant"], templates["charge"]
    account = [_line_template(r, tenant0, charge0, charge_row=False) for r in templates["account_rows"]]
    account_versions = [r[6] for r in templates["account_rows"]]
    charge = [_line_template(r, tenant0, charge0, charge_row=True) for r in templates["charge_rows"]]
    ledger_rows = [i for i, r in enumerate(templates["charge_rows"]) if r[3] != "Charge"]
    base = datetime.now(UTC) - timedelta(days=30)
    step = timedelta(seconds=30 * 86400 / max(total, 1))
    uid = str(uuid.uuid4())[:24]
    run = uuid.uuid4().hex[:6]
    names = [f"acct_bench{run}{t:05d}" for t in range(tenants)]
    ledger_versions = [0] * tenants
    produced = 0
    per_tx = max(1, -(-total // max(1, max_xid - 10)))  # events per synthetic transaction
    created = base.isoformat()
    for tenant in names:
        for line, version in zip(account, account_versions, strict=True):
            if produced >= total:
                return
            yield line.format(eid=f"{uid}{produced:012x}", tenant=tenant, charge=charge0, ver=version,
                              created=created, corr=f"{uid}{produced:012x}", tx=3 + produced // per_tx)
            produced += 1
    n = 0
    while produced < total:
        t = n % tenants
        tenant, charge_id = names[t], f"ch_bench{run}{n:09d}"
        created = (base + step * produced).isoformat()
        corr = f"{uid}{produced:012x}"
        for i, line in enumerate(charge):
            if produced >= total:
                return
            version = 0
            if i in ledger_rows:
                ledger_versions[t] += 1
                version = ledger_versions[t]
            yield line.format(eid=f"{uid}{produced:012x}", tenant=tenant, charge=charge_id, ver=version,
                              created=created, corr=corr, tx=3 + produced // per_tx)
            produced += 1
        n += 1


async def prepare(ctx: RunContext) -> None:
    import psycopg

    from eventlog.migrations import migrate

    sizes = SIZES[ctx.size]
    t0 = time.monotonic()
    templates = await _templates(ctx)
    schema = f"bench_rebuild_{uuid.uuid4().hex[:8]}"
    _STATE["schema"] = schema
    url = ctx.servers.database_url
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await migrate(conn, schema)
        await conn.execute(f'SET search_path TO "{schema}"')
        await conn.execute("ALTER TABLE events SET UNLOGGED")
        for index in ("idx_events_data", "idx_events_type_created", "idx_events_correlation",
                      "idx_events_tenant_position"):
            await conn.execute(f"DROP INDEX IF EXISTS {index}")
    async with await psycopg.AsyncConnection.connect(url, options=f"-c search_path={schema}") as conn:
        cur = await conn.execute("SELECT pg_current_xact_id()::text::bigint")
        max_xid = int((await cur.fetchone())[0])  # type: ignore[index]
        await conn.commit()
        lines = _lines(templates, sizes["events"], sizes["tenants"], max_xid)
        written = 0
        done = False
        while not done:  # one transaction per 200,000 events
            async with conn.cursor() as cur:
                async with cur.copy(f"COPY events ({', '.join(_COPY_COLS)}) FROM STDIN") as copy:
                    for _ in range(20):
                        chunk = list(itertools.islice(lines, 10_000))
                        if not chunk:
                            done = True
                            break
                        await copy.write("".join(chunk))
                        written += len(chunk)
            await conn.commit()
            log(f"  rebuild data: {written:,} events written")
        await conn.execute("ANALYZE events")
        await conn.commit()
    _STATE["events"] = written
    log(f"  rebuild data: {written:,} events in {schema} in {time.monotonic() - t0:.1f}s")


async def cleanup(ctx: RunContext) -> None:
    import psycopg

    schema = _STATE.pop("schema", None)
    if schema:
        async with await psycopg.AsyncConnection.connect(ctx.servers.database_url, autocommit=True) as conn:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


async def _rebuild(ctx: RunContext, engine: str, max_seconds: float, workers: int = 1) -> dict[str, Any]:
    """One rebuild in a worker process (folding with `workers` processes) into a fresh Redis prefix,
    deleted afterwards."""
    prefix = f"benchrb{uuid.uuid4().hex[:8]}:"
    args = {"database_url": ctx.servers.database_url, "schema": _STATE["schema"], "redis_url": ctx.servers.redis_url,
            "prefix": prefix, "max_seconds": max_seconds, "engine": engine, "workers": workers}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "gen")])}
    try:
        proc = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "bench.rebuild_worker", json.dumps(args)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=max_seconds * 3 + 120)
        if proc.returncode != 0:
            raise RuntimeError(f"rebuild worker failed: {proc.stderr[-800:]}")
        out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        await delete_redis_prefix(ctx.servers.redis_url, prefix)
    # Every process of the rebuild together: the rebuilding one and its fold workers, sampled.
    out["total_rss_mb"] = out["peak_rss_mb"]
    log(f"  {out['engine']}: {out['events']:,} events in {out['seconds']:.1f}s, peak RSS {out['total_rss_mb']:.0f} MB")
    return out


async def run(ctx: RunContext) -> dict[str, float]:
    cap = SIZES[ctx.size]["max_seconds"]
    out = await _rebuild(ctx, "auto", cap, WORKERS)
    metrics: dict[str, Any] = {
        "events": float(out["events"]),
        "events_in_log": float(_STATE.get("events", 0)),
        "completed": float(out["events"] >= _STATE.get("events", 0)),
        "events_per_s": out["events"] / out["seconds"],
        "peak_rss_mb": out["total_rss_mb"],
    }
    notes = [f"engine: {out['engine']}; stopped after {cap} s if not done (events/s then over the events done; "
             "with a one-pass-per-projection engine, events = applications / projections); "
             f"{_STATE.get('events', 0):,} events generated once per session (cloned from real LedgerMesh "
             "rows), each run into a fresh Redis prefix; RSS is the largest resident size the rebuilding "
             "process and its fold workers held together (/proc sampled every 20 ms, and the process's own "
             "VmHWM; not ru_maxrss, which Linux carries across fork and exec from the bench process)."]
    if "projector.rebuild" in out["engine"] and WORKERS > 1:
        one = await _rebuild(ctx, "auto", cap, 1)
        metrics["one_process_events_per_s"] = one["events"] / one["seconds"]
        metrics["one_process_peak_rss_mb"] = one["total_rss_mb"]
        notes.append(f"headline: `rebuild all --workers {WORKERS}`; the same rebuild in one process is measured "
                     "next to it.")
    if "projector.rebuild" in out["engine"]:
        # Baseline: one read of the log feeding every projection, same RedisApplier, half the time cap.
        single = await _rebuild(ctx, "minimal", cap / 2.5)
        metrics["single_pass_events_per_s"] = single["events"] / single["seconds"]
        metrics["single_pass_peak_rss_mb"] = single["peak_rss_mb"]
        notes.append("baseline: a minimal single-pass loop (EventStore.iterate -> every projection -> "
                     "RedisApplier.apply_many), stopped at 40% of the cap.")
    metrics["_notes"] = notes
    return metrics


ROWS = (
    Row("events", "events rebuilt (of the log's; stopped at the time cap if fewer)", "events", "events_in_log",
        "events in log"),
    Row("events_per_s", f"rebuild events/s (all projections, {WORKERS} fold processes)", "/s",
        "single_pass_events_per_s", "single-pass loop", at_least(30_000, "ev/s"), baseline_optional=True),
    Row("one_process_events_per_s", "rebuild events/s, one fold process", "/s"),
    Row("peak_rss_mb", f"rebuild peak RSS ({WORKERS} fold processes, summed)", "MB", goal=at_most(300, "MB")),
    Row("one_process_peak_rss_mb", "rebuild peak RSS, one fold process", "MB"),
)

SCENARIO = Scenario("rebuild", "rebuild projections from the log", ROWS, run, prepare=prepare, cleanup=cleanup,
                    budget_s=240.0)
