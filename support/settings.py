"""The one reader of the environment: every process builds its Settings with Settings.from_env()."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _float(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {raw!r}") from exc


# The environment variable of every setting: what from_env reads, and what to_env writes for a child
# process (tests/unit/test_settings_env.py holds the two to each other, field by field).
_ENV_NAMES: dict[str, str] = {
    "database_url": "DATABASE_URL",
    "nats_url": "NATS_URL",
    "redis_url": "REDIS_URL",
    "db_schema": "LEDGERMESH_DB_SCHEMA",
    "redis_prefix": "LEDGERMESH_REDIS_PREFIX",
    "stream_name": "LEDGERMESH_STREAM",
    "subject_prefix": "LEDGERMESH_SUBJECT_PREFIX",
    "data_dir": "LEDGERMESH_DATA_DIR",
    "embedded_postgres_port": "LEDGERMESH_EMBEDDED_POSTGRES_PORT",
    "embedded_nats_port": "LEDGERMESH_EMBEDDED_NATS_PORT",
    "embedded_redis_port": "LEDGERMESH_EMBEDDED_REDIS_PORT",
    "host": "LEDGERMESH_HOST",
    "command_port": "LEDGERMESH_COMMAND_PORT",
    "query_port": "LEDGERMESH_QUERY_PORT",
    "gateway_port": "LEDGERMESH_GATEWAY_PORT",
    "projector_metrics_port": "LEDGERMESH_PROJECTOR_METRICS_PORT",
    "command_metrics_port": "LEDGERMESH_COMMAND_METRICS_PORT",
    "query_metrics_port": "LEDGERMESH_QUERY_METRICS_PORT",
    "command_target": "LEDGERMESH_COMMAND_TARGET",
    "query_target": "LEDGERMESH_QUERY_TARGET",
    "gateway_rate_per_second": "LEDGERMESH_GATEWAY_RATE_PER_SECOND",
    "gateway_rate_burst": "LEDGERMESH_GATEWAY_RATE_BURST",
    "gateway_max_in_flight_per_key": "LEDGERMESH_GATEWAY_MAX_IN_FLIGHT_PER_KEY",
    "gateway_max_waiting_per_key": "LEDGERMESH_GATEWAY_MAX_WAITING_PER_KEY",
    "gateway_max_body_bytes": "LEDGERMESH_GATEWAY_MAX_BODY_BYTES",
    "signing_key_hex": "LEDGERMESH_SIGNING_KEY",
    "subject_master_key_hex": "LEDGERMESH_SUBJECT_MASTER_KEY",
    "fee_percent_bps": "LEDGERMESH_FEE_PERCENT_BPS",
    "fee_fixed": "LEDGERMESH_FEE_FIXED",
    "settlement_delay_days": "LEDGERMESH_SETTLEMENT_DELAY_DAYS",
    "dispute_fee": "LEDGERMESH_DISPUTE_FEE",
    "idempotency_ttl_hours": "LEDGERMESH_IDEMPOTENCY_TTL_HOURS",
    "read_your_writes_timeout_ms": "LEDGERMESH_RYW_TIMEOUT_MS",
    "db_pool_timeout_ms": "LEDGERMESH_DB_POOL_TIMEOUT_MS",
    "dependency_unresponsive_ms": "LEDGERMESH_DEPENDENCY_UNRESPONSIVE_MS",
    "db_connect_timeout_s": "LEDGERMESH_DB_CONNECT_TIMEOUT_S",
    "db_idle_in_transaction_timeout_ms": "LEDGERMESH_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS",
    "idempotency_lease_stale_ms": "LEDGERMESH_IDEMPOTENCY_LEASE_STALE_MS",
    "allow_signup": "LEDGERMESH_ALLOW_SIGNUP",
    "auth_cache_seconds": "LEDGERMESH_AUTH_CACHE_SECONDS",
    "account_reads_per_second": "LEDGERMESH_ACCOUNT_READS_PER_SECOND",
    "account_writes_per_second": "LEDGERMESH_ACCOUNT_WRITES_PER_SECOND",
    "account_burst_seconds": "LEDGERMESH_ACCOUNT_BURST_SECONDS",
    "grpc_failed_auth_per_second": "LEDGERMESH_GRPC_FAILED_AUTH_PER_SECOND",
    "grpc_failed_auth_burst": "LEDGERMESH_GRPC_FAILED_AUTH_BURST",
    "webhooks_allow_private": "LEDGERMESH_WEBHOOKS_ALLOW_PRIVATE",
    "webhook_retry_schedule": "LEDGERMESH_WEBHOOK_RETRY_SCHEDULE",
    "otlp_endpoint": "OTEL_EXPORTER_OTLP_ENDPOINT",
    "otlp_schedule_delay_ms": "OTEL_BSP_SCHEDULE_DELAY",
    "otel_console": "LEDGERMESH_OTEL_CONSOLE",
    "trace_sample_ratio": "LEDGERMESH_TRACE_SAMPLE_RATIO",
    "service_name": "OTEL_SERVICE_NAME",
    "log_level": "LEDGERMESH_LOG_LEVEL",
    "max_deliver": "LEDGERMESH_MAX_DELIVER",
    "projector_workers": "LEDGERMESH_PROJECTOR_WORKERS",
    "projector_worker_ids": "LEDGERMESH_PROJECTOR_WORKER_IDS",
    "projector_ack_wait_seconds": "LEDGERMESH_PROJECTOR_ACK_WAIT_SECONDS",
    "dedup_window_seconds": "LEDGERMESH_DEDUP_WINDOW_SECONDS",
    "stream_replicas": "LEDGERMESH_STREAM_REPLICAS",
    "log_origin": "LEDGERMESH_LOG_ORIGIN",
    "checkpoint_every_events": "LEDGERMESH_CHECKPOINT_EVERY_EVENTS",
    "checkpoint_every_seconds": "LEDGERMESH_CHECKPOINT_EVERY_SECONDS",
    "checkpoint_dir": "LEDGERMESH_CHECKPOINT_DIR",
    "checkpoint_bucket": "LEDGERMESH_CHECKPOINT_BUCKET",
    "checkpoint_witness_dir": "LEDGERMESH_CHECKPOINT_WITNESS_DIR",
    "checkpoint_witness_s3": "LEDGERMESH_CHECKPOINT_WITNESS_S3",
    "archive_s3": "LEDGERMESH_ARCHIVE_S3",
    "archive_dir": "LEDGERMESH_ARCHIVE_DIR",
    "s3_endpoint_url": "LEDGERMESH_S3_ENDPOINT_URL",
    "s3_region": "LEDGERMESH_S3_REGION",
    "archive_min_hot_days": "LEDGERMESH_ARCHIVE_MIN_HOT_DAYS",
}


def env_name(setting: str) -> str:
    """The environment variable that sets `setting` (a field of Settings)."""
    return _ENV_NAMES[setting]


@dataclass(frozen=True)
class Settings:
    """Everything a LedgerMesh process needs to know about its surroundings."""

    database_url: str | None = None
    nats_url: str | None = None
    redis_url: str | None = None
    # Database schema holding the event log; tests use one schema each.
    db_schema: str = "ledgermesh"
    # Prefix of every Redis key; tests use one prefix each.
    redis_prefix: str = "lm:"
    # JetStream stream and subject root; tests use their own.
    stream_name: str = "EVENTS"
    subject_prefix: str = "ledgermesh.events"
    # Where `ledgermesh up` keeps embedded servers' data.
    data_dir: Path = field(default_factory=lambda: Path(".ledgermesh"))
    # Ports of the servers `ledgermesh up` embeds when a URL is unset; 0 picks any free port.
    embedded_postgres_port: int = 54329
    embedded_nats_port: int = 4223
    embedded_redis_port: int = 6380
    host: str = "127.0.0.1"
    command_port: int = 50051
    query_port: int = 50052
    gateway_port: int = 8080
    projector_metrics_port: int = 9464
    # Prometheus /metrics of `ledgermesh serve command|query` (the gateway serves /metrics on its own port;
    # `ledgermesh up` serves one registry for everything on projector_metrics_port).
    command_metrics_port: int = 9461
    query_metrics_port: int = 9462
    # Where `ledgermesh serve gateway` finds the gRPC services (docker-compose: "command:50051").
    command_target: str = "127.0.0.1:50051"
    query_target: str = "127.0.0.1:50052"
    # Gateway limit of unauthenticated attempts (no key, unknown or revoked key) per client address
    # (token bucket): sustained attempts per second and burst size.
    gateway_rate_per_second: float = 10.0
    gateway_rate_burst: int = 50
    # Gateway limit of one key's requests in progress at once (Stripe's concurrency limiter), so one
    # caller's flood cannot crowd out everyone else's calls; 0: no limit. Beyond it a request waits for
    # one of its own key's slots; with gateway_max_waiting_per_key already waiting, it gets 429.
    gateway_max_in_flight_per_key: int = 2
    gateway_max_waiting_per_key: int = 32
    # Largest accepted request body; bigger ones get 413.
    gateway_max_body_bytes: int = 256 * 1024
    # Ed25519 private key seed (64 hex chars) that signs event hashes; generated into data_dir if unset.
    signing_key_hex: str | None = None
    # AES-256 master key (64 hex chars) wrapping the data subjects' keys (crypto-shredding,
    # docs/audit.md section 9); generated into data_dir if unset. Keep it off the database host.
    subject_master_key_hex: str | None = None
    # Default fee schedule: 2.9% + 30 minor units.
    fee_percent_bps: int = 290
    fee_fixed: int = 30
    settlement_delay_days: int = 2
    dispute_fee: int = 1500
    idempotency_ttl_hours: int = 24
    # Bounded waits on PostgreSQL, so a call never hangs to its deadline while the database is away:
    # for a pooled connection, to connect (libpq connect_timeout, whole seconds), and for a
    # transaction left idle by a paused or partitioned process (it holds stream locks).
    db_pool_timeout_ms: int = 3000
    db_connect_timeout_s: int = 2
    db_idle_in_transaction_timeout_ms: int = 10000
    # An idempotency key in flight is taken over once its owning process has not shown signs of life
    # (a heartbeat in PostgreSQL) for this long: a crashed or paused process does not lock it for long.
    idempotency_lease_stale_ms: int = 3000
    # The query service refuses calls at once (UNAVAILABLE) once Redis has answered nothing for this long,
    # though no probe of it failed (paused, cut off); before that a slow Redis is waited for.
    dependency_unresponsive_ms: int = 5000
    # Bounded wait of a read-your-writes query.
    read_your_writes_timeout_ms: int = 1000
    # Allow self sign-up (CreateAccount without a key), as a test-mode platform does; off unless set
    # (`make run`'s development stack turns it on). Otherwise the operator creates accounts.
    allow_signup: bool = False
    # How long a process trusts its cached answer about an API key; revocation empties it at once.
    auth_cache_seconds: float = 1.0
    # Per-account limits after authentication (Stripe: 100 read + 100 write per second); 0: none.
    account_reads_per_second: float = 100.0
    account_writes_per_second: float = 100.0
    # Burst allowed above the sustained rate, in seconds of it.
    account_burst_seconds: float = 1.0
    # gRPC servers: failed authentication per peer address before unknown keys are refused unlooked-up
    # (generous: the gateway is one peer for all REST callers, whose failures it limits per client itself).
    grpc_failed_auth_per_second: float = 50.0
    grpc_failed_auth_burst: int = 200
    # Webhooks may target loopback/private addresses (development and tests only).
    webhooks_allow_private: bool = False
    # Comma-separated retry delays in seconds; the default spans about 3 days.
    webhook_retry_schedule: str = "60,300,1800,7200,21600,43200,86400,86400"
    otlp_endpoint: str | None = None
    # How long the OTLP exporter batches spans before sending (OTEL_BSP_SCHEDULE_DELAY).
    otlp_schedule_delay_ms: int = 5000
    otel_console: bool = False
    # Share of the traces starting in this process that are recorded (later hops follow the caller's
    # decision); None: all of them when spans are exported, none otherwise.
    trace_sample_ratio: float | None = None
    service_name: str = "ledgermesh"
    log_level: str = "INFO"
    max_deliver: int = 5
    # Projector workers sharing the stream by subject partition (0: one worker for everything), which
    # of them this process runs ("" = all; e.g. "1" in the second of two projector containers), and
    # how long JetStream waits before redelivering what a dead worker had not acknowledged.
    projector_workers: int = 0
    projector_worker_ids: str = ""
    projector_ack_wait_seconds: float = 30.0
    dedup_window_seconds: int = 600
    # JetStream replicas of the EVENTS stream (3 on the compose cluster).
    stream_replicas: int = 1
    # Signed Merkle checkpoints (docs/audit.md): one every this many new events, or this many seconds
    # when anything is new, kept in `checkpoint_dir` (default data_dir/audit), the JetStream key-value
    # bucket `checkpoint_bucket` (default "<stream_name>_CHECKPOINTS"), and the optional witnesses.
    # The log's name in its checkpoints; a restored log keeps the name of the one it came from.
    log_origin: str = "ledgermesh"
    checkpoint_every_events: int = 1000
    checkpoint_every_seconds: float = 10.0
    checkpoint_dir: Path | None = None
    checkpoint_bucket: str = ""
    checkpoint_witness_dir: Path | None = None
    # "s3://bucket/prefix/" of an S3-compatible bucket under someone else's control.
    checkpoint_witness_s3: str = ""
    # Where `ledgermesh archive export` writes: an S3 URL when set, else archive_dir (default data_dir/archive).
    archive_s3: str = ""
    archive_dir: Path | None = None
    # Endpoint of an S3-compatible service (MinIO, Ceph, a local test server); unset means AWS.
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    # Events stay in hot storage at least this long, whatever their retention (archive eligibility).
    archive_min_hot_days: int = 90

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        e = dict(os.environ if env is None else env)
        return cls(
            database_url=e.get("DATABASE_URL") or None,
            nats_url=e.get("NATS_URL") or None,
            redis_url=e.get("REDIS_URL") or None,
            db_schema=e.get("LEDGERMESH_DB_SCHEMA", "ledgermesh"),
            redis_prefix=e.get("LEDGERMESH_REDIS_PREFIX", "lm:"),
            stream_name=e.get("LEDGERMESH_STREAM", "EVENTS"),
            subject_prefix=e.get("LEDGERMESH_SUBJECT_PREFIX", "ledgermesh.events"),
            data_dir=Path(e.get("LEDGERMESH_DATA_DIR", ".ledgermesh")),
            embedded_postgres_port=_int(e, "LEDGERMESH_EMBEDDED_POSTGRES_PORT", 54329),
            embedded_nats_port=_int(e, "LEDGERMESH_EMBEDDED_NATS_PORT", 4223),
            embedded_redis_port=_int(e, "LEDGERMESH_EMBEDDED_REDIS_PORT", 6380),
            host=e.get("LEDGERMESH_HOST", "127.0.0.1"),
            command_port=_int(e, "LEDGERMESH_COMMAND_PORT", 50051),
            query_port=_int(e, "LEDGERMESH_QUERY_PORT", 50052),
            gateway_port=_int(e, "LEDGERMESH_GATEWAY_PORT", 8080),
            projector_metrics_port=_int(e, "LEDGERMESH_PROJECTOR_METRICS_PORT", 9464),
            command_metrics_port=_int(e, "LEDGERMESH_COMMAND_METRICS_PORT", 9461),
            query_metrics_port=_int(e, "LEDGERMESH_QUERY_METRICS_PORT", 9462),
            command_target=e.get("LEDGERMESH_COMMAND_TARGET", "127.0.0.1:50051"),
            query_target=e.get("LEDGERMESH_QUERY_TARGET", "127.0.0.1:50052"),
            gateway_rate_per_second=_float(e, "LEDGERMESH_GATEWAY_RATE_PER_SECOND", 10.0),
            gateway_rate_burst=_int(e, "LEDGERMESH_GATEWAY_RATE_BURST", 50),
            gateway_max_in_flight_per_key=_int(e, "LEDGERMESH_GATEWAY_MAX_IN_FLIGHT_PER_KEY", 2),
            gateway_max_waiting_per_key=_int(e, "LEDGERMESH_GATEWAY_MAX_WAITING_PER_KEY", 32),
            gateway_max_body_bytes=_int(e, "LEDGERMESH_GATEWAY_MAX_BODY_BYTES", 256 * 1024),
            signing_key_hex=e.get("LEDGERMESH_SIGNING_KEY") or None,
            subject_master_key_hex=e.get("LEDGERMESH_SUBJECT_MASTER_KEY") or None,
            fee_percent_bps=_int(e, "LEDGERMESH_FEE_PERCENT_BPS", 290),
            fee_fixed=_int(e, "LEDGERMESH_FEE_FIXED", 30),
            settlement_delay_days=_int(e, "LEDGERMESH_SETTLEMENT_DELAY_DAYS", 2),
            dispute_fee=_int(e, "LEDGERMESH_DISPUTE_FEE", 1500),
            idempotency_ttl_hours=_int(e, "LEDGERMESH_IDEMPOTENCY_TTL_HOURS", 24),
            read_your_writes_timeout_ms=_int(e, "LEDGERMESH_RYW_TIMEOUT_MS", 1000),
            db_pool_timeout_ms=_int(e, "LEDGERMESH_DB_POOL_TIMEOUT_MS", 3000),
            dependency_unresponsive_ms=_int(e, "LEDGERMESH_DEPENDENCY_UNRESPONSIVE_MS", 5000),
            db_connect_timeout_s=_int(e, "LEDGERMESH_DB_CONNECT_TIMEOUT_S", 2),
            db_idle_in_transaction_timeout_ms=_int(e, "LEDGERMESH_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", 10000),
            idempotency_lease_stale_ms=_int(e, "LEDGERMESH_IDEMPOTENCY_LEASE_STALE_MS", 3000),
            allow_signup=_bool(e, "LEDGERMESH_ALLOW_SIGNUP", False),
            auth_cache_seconds=_float(e, "LEDGERMESH_AUTH_CACHE_SECONDS", 1.0),
            account_reads_per_second=_float(e, "LEDGERMESH_ACCOUNT_READS_PER_SECOND", 100.0),
            account_writes_per_second=_float(e, "LEDGERMESH_ACCOUNT_WRITES_PER_SECOND", 100.0),
            account_burst_seconds=_float(e, "LEDGERMESH_ACCOUNT_BURST_SECONDS", 1.0),
            grpc_failed_auth_per_second=_float(e, "LEDGERMESH_GRPC_FAILED_AUTH_PER_SECOND", 50.0),
            grpc_failed_auth_burst=_int(e, "LEDGERMESH_GRPC_FAILED_AUTH_BURST", 200),
            webhooks_allow_private=_bool(e, "LEDGERMESH_WEBHOOKS_ALLOW_PRIVATE", False),
            webhook_retry_schedule=e.get(
                "LEDGERMESH_WEBHOOK_RETRY_SCHEDULE", "60,300,1800,7200,21600,43200,86400,86400"
            ),
            otlp_endpoint=e.get("OTEL_EXPORTER_OTLP_ENDPOINT") or None,
            otlp_schedule_delay_ms=_int(e, "OTEL_BSP_SCHEDULE_DELAY", 5000),
            otel_console=_bool(e, "LEDGERMESH_OTEL_CONSOLE", False),
            trace_sample_ratio=_float(e, "LEDGERMESH_TRACE_SAMPLE_RATIO", 0.0)
            if e.get("LEDGERMESH_TRACE_SAMPLE_RATIO") else None,
            service_name=e.get("OTEL_SERVICE_NAME", "ledgermesh"),
            log_level=e.get("LEDGERMESH_LOG_LEVEL", "INFO"),
            max_deliver=_int(e, "LEDGERMESH_MAX_DELIVER", 5),
            projector_workers=_int(e, "LEDGERMESH_PROJECTOR_WORKERS", 0),
            projector_worker_ids=e.get("LEDGERMESH_PROJECTOR_WORKER_IDS", ""),
            projector_ack_wait_seconds=_float(e, "LEDGERMESH_PROJECTOR_ACK_WAIT_SECONDS", 30.0),
            dedup_window_seconds=_int(e, "LEDGERMESH_DEDUP_WINDOW_SECONDS", 600),
            stream_replicas=_int(e, "LEDGERMESH_STREAM_REPLICAS", 1),
            log_origin=e.get("LEDGERMESH_LOG_ORIGIN", "ledgermesh"),
            checkpoint_every_events=_int(e, "LEDGERMESH_CHECKPOINT_EVERY_EVENTS", 1000),
            checkpoint_every_seconds=_float(e, "LEDGERMESH_CHECKPOINT_EVERY_SECONDS", 10.0),
            checkpoint_dir=Path(e["LEDGERMESH_CHECKPOINT_DIR"]) if e.get("LEDGERMESH_CHECKPOINT_DIR") else None,
            checkpoint_bucket=e.get("LEDGERMESH_CHECKPOINT_BUCKET", ""),
            checkpoint_witness_dir=Path(e["LEDGERMESH_CHECKPOINT_WITNESS_DIR"])
            if e.get("LEDGERMESH_CHECKPOINT_WITNESS_DIR") else None,
            checkpoint_witness_s3=e.get("LEDGERMESH_CHECKPOINT_WITNESS_S3", ""),
            archive_s3=e.get("LEDGERMESH_ARCHIVE_S3", ""),
            archive_dir=Path(e["LEDGERMESH_ARCHIVE_DIR"]) if e.get("LEDGERMESH_ARCHIVE_DIR") else None,
            s3_endpoint_url=e.get("LEDGERMESH_S3_ENDPOINT_URL") or None,
            s3_region=e.get("LEDGERMESH_S3_REGION", "us-east-1"),
            archive_min_hot_days=_int(e, "LEDGERMESH_ARCHIVE_MIN_HOT_DAYS", 90),
        )

    def to_env(self) -> dict[str, str]:
        """The environment from which from_env builds these settings again: how `ledgermesh up` hands its
        settings to the services it runs as child processes. An unset value is written empty, which
        from_env reads as unset, so the parent's own environment cannot leak through."""
        env: dict[str, str] = {}
        for name, variable in _ENV_NAMES.items():
            value = getattr(self, name)
            if value is None:
                env[variable] = ""
            elif isinstance(value, bool):
                env[variable] = "1" if value else "0"
            else:
                env[variable] = str(value)
        return env

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def projector_worker_indexes(self) -> list[int]:
        """The workers this process runs (all of them unless LEDGERMESH_PROJECTOR_WORKER_IDS says)."""
        if not self.projector_workers:
            return []
        if not self.projector_worker_ids.strip():
            return list(range(self.projector_workers))
        chosen = [int(x) for x in self.projector_worker_ids.split(",") if x.strip()]
        if any(not 0 <= i < self.projector_workers for i in chosen):
            raise ValueError(f"LEDGERMESH_PROJECTOR_WORKER_IDS {self.projector_worker_ids!r} must name workers "
                             f"0..{self.projector_workers - 1}")
        return chosen

    @property
    def webhook_retry_delays(self) -> tuple[float, ...]:
        return tuple(float(x) for x in self.webhook_retry_schedule.split(",") if x.strip())

    @property
    def api_base(self) -> str:
        """The gateway's address, for links in objects built away from a request (webhooks, events):
        intents' 3-D Secure page."""
        return f"http://{self.host}:{self.gateway_port}/"
