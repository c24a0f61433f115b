"""Versioned, idempotent schema migrations of the event log, applied on start-up."""

from __future__ import annotations

import psycopg
from psycopg import sql

# Each entry is (version, name, SQL). Never edit an applied migration; add a new one.
MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (
        1,
        "event log",
        """
        CREATE TABLE events (
            global_position     bigserial PRIMARY KEY,
            event_id            uuid NOT NULL UNIQUE,
            tenant_id           text NOT NULL,
            aggregate_id        text NOT NULL,
            aggregate_type      varchar(50) NOT NULL,
            event_type          varchar(100) NOT NULL,
            event_version       integer NOT NULL,
            aggregate_version   integer NOT NULL,
            event_data          jsonb NOT NULL,
            metadata            jsonb NOT NULL,
            created_at          timestamptz NOT NULL,
            correlation_id      uuid NOT NULL,
            causation_id        uuid,
            user_id             text,
            ip_address          inet,
            event_hash          char(64) NOT NULL,
            previous_event_hash char(64),
            signature           text NOT NULL,
            -- Writing transaction id: the gap-safe readers only read below the oldest running one.
            tx_id               xid8 NOT NULL DEFAULT pg_current_xact_id(),
            CONSTRAINT events_aggregate_version_unique UNIQUE (aggregate_id, aggregate_version)
        );
        CREATE INDEX idx_events_type_created ON events (event_type, created_at);
        CREATE INDEX idx_events_correlation ON events (correlation_id);
        CREATE INDEX idx_events_tenant_position ON events (tenant_id, global_position);
        CREATE INDEX idx_events_tx_position ON events (tx_id, global_position);
        CREATE INDEX idx_events_data ON events USING gin (event_data jsonb_path_ops);

        CREATE FUNCTION refuse_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'events are immutable: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$;
        CREATE TRIGGER events_immutable BEFORE UPDATE OR DELETE ON events
            FOR EACH ROW EXECUTE FUNCTION refuse_event_change();
        CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
            FOR EACH STATEMENT EXECUTE FUNCTION refuse_event_change();

        CREATE TABLE idempotency_keys (
            tenant_id     text NOT NULL,
            key           text NOT NULL,
            operation     text NOT NULL,
            request_hash  char(64) NOT NULL,
            state         text NOT NULL CHECK (state IN ('in_flight', 'done')),
            response      bytea,
            error_code    integer,
            error_reason  text,
            error_message text,
            created_at    timestamptz NOT NULL DEFAULT now(),
            locked_until  timestamptz,
            PRIMARY KEY (tenant_id, key)
        );
        CREATE INDEX idx_idempotency_created ON idempotency_keys (created_at);

        CREATE TABLE relay_checkpoints (
            name        text PRIMARY KEY,
            tx_id       xid8 NOT NULL,
            position    bigint NOT NULL,
            updated_at  timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE api_keys (
            key_hash    char(64) PRIMARY KEY,
            account_id  text NOT NULL,
            key_prefix  text NOT NULL,
            created_at  timestamptz NOT NULL DEFAULT now(),
            revoked_at  timestamptz
        );
        """,
    ),
    (
        2,
        "webhook endpoints and deliveries",
        """
        -- Configuration with a secret, not history: a deleted endpoint and its secret must really go,
        -- which an immutable event stream cannot do.
        CREATE TABLE webhook_endpoints (
            id               text PRIMARY KEY,
            account_id       text NOT NULL,
            url              text NOT NULL,
            enabled_events   text[] NOT NULL,
            status           text NOT NULL CHECK (status IN ('enabled', 'disabled')),
            secret           text NOT NULL,
            description      text NOT NULL DEFAULT '',
            metadata         jsonb NOT NULL DEFAULT '{}',
            created_at       timestamptz NOT NULL DEFAULT now(),
            seq              bigserial NOT NULL,
            idempotency_key  text,
            disabled_reason  text
        );
        CREATE INDEX idx_webhook_endpoints_account ON webhook_endpoints (account_id, seq DESC);
        CREATE UNIQUE INDEX idx_webhook_endpoints_idempotency
            ON webhook_endpoints (account_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

        -- The delivery outbox: one row per (endpoint, event), kept until delivered or given up, so
        -- retries spanning days survive a projector restart. Delivered in id order per endpoint.
        CREATE TABLE webhook_deliveries (
            id               bigserial PRIMARY KEY,
            endpoint_id      text NOT NULL,
            event_id         text NOT NULL,
            payload          text NOT NULL,
            status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
            attempts         integer NOT NULL DEFAULT 0,
            next_attempt_at  timestamptz NOT NULL DEFAULT now(),
            last_error       text,
            created_at       timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT webhook_deliveries_once UNIQUE (endpoint_id, event_id)
        );
        CREATE INDEX idx_webhook_deliveries_pending ON webhook_deliveries (endpoint_id, id) WHERE status = 'pending';
        """,
    ),
    (
        3,
        "velocity index",
        # The fraud rules count an account's and a card's recent charges on every CreateCharge.
        """
        CREATE INDEX idx_events_tenant_type_created ON events (tenant_id, event_type, created_at);
        CREATE INDEX idx_events_card_velocity ON events
            (tenant_id, (event_data->'card'->>'fingerprint'), created_at)
            WHERE event_type = 'ChargeRequested';
        """,
    ),
    (
        4,
        "refusals saved as domain outcomes",
        # Refusals were saved as gRPC status codes; they are now saved as what the application
        # decided (kind, reason, message, field, metadata) and mapped to a transport at the edge.
        # Rows written by the old code are translated: the kinds below are the application's names
        # for NOT_FOUND, ALREADY_EXISTS and FAILED_PRECONDITION refusals. Any other code (ABORTED after
        # lost races, INTERNAL) wrote nothing, so forgetting the row is safe: a retry runs the command
        # again, as it would have after the key's 24 hours.
        """
        ALTER TABLE idempotency_keys
            ADD COLUMN refusal_kind text, ADD COLUMN refusal_field text, ADD COLUMN refusal_metadata jsonb;
        ALTER TABLE idempotency_keys RENAME COLUMN error_reason TO refusal_reason;
        ALTER TABLE idempotency_keys RENAME COLUMN error_message TO refusal_message;
        UPDATE idempotency_keys SET refusal_kind = CASE error_code
            WHEN 5 THEN 'not_found' WHEN 6 THEN 'already_exists' WHEN 9 THEN 'failed_precondition' END
            WHERE error_code IS NOT NULL;
        DELETE FROM idempotency_keys WHERE error_code IS NOT NULL AND refusal_kind IS NULL;
        ALTER TABLE idempotency_keys DROP COLUMN error_code;
        """,
    ),
    (
        5,
        "merkle log",
        # The order of the Merkle log's leaves, fixed once by the checkpointer (eventlog.merkle_log):
        # the gap-safe commit order, which a restore into another database must keep. Never changed.
        """
        CREATE TABLE merkle_leaves (
            leaf_index      bigint PRIMARY KEY,
            global_position bigint NOT NULL UNIQUE,
            event_hash      char(64) NOT NULL
        );
        CREATE FUNCTION refuse_merkle_leaf_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'merkle leaves are immutable: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$;
        CREATE TRIGGER merkle_leaves_immutable BEFORE UPDATE OR DELETE ON merkle_leaves
            FOR EACH ROW EXECUTE FUNCTION refuse_merkle_leaf_change();
        CREATE TRIGGER merkle_leaves_no_truncate BEFORE TRUNCATE ON merkle_leaves
            FOR EACH STATEMENT EXECUTE FUNCTION refuse_merkle_leaf_change();
        """,
    ),
    (
        6,
        "idempotency leases tied to their process",
        # An in-flight key records the process that claimed it (owner_id) and the claim's token
        # (lease). Each command process beats in idempotency_owners from a session of its own, named
        # by backend pid and start; a key whose owner's session is gone (killed) or that stopped
        # beating (paused, partitioned) is free again at once or within seconds instead of after
        # locked_until, and the response is saved only under the lease it was claimed with
        # (eventlog.idempotency).
        """
        ALTER TABLE idempotency_keys ADD COLUMN owner_id text, ADD COLUMN lease text;
        CREATE TABLE idempotency_owners (
            owner_id      text PRIMARY KEY,
            heartbeat_at  timestamptz NOT NULL DEFAULT now(),
            backend_pid   integer,
            backend_start timestamptz
        );
        """,
    ),
    (
        7,
        "api key kinds, permissions and revocation",
        # Keys get a public id (events and logs name it, never the key), a kind (secret, restricted,
        # publishable, operator) and per-resource permissions. Revoking (or deleting) a key notifies every
        # process, whose caches drop it at once (support/key_store.py).
        """
        ALTER TABLE api_keys
            ADD COLUMN id text,
            ADD COLUMN kind text NOT NULL DEFAULT 'secret'
                CHECK (kind IN ('secret', 'restricted', 'publishable', 'operator')),
            ADD COLUMN permissions jsonb NOT NULL DEFAULT '{}';
        UPDATE api_keys SET id = 'key_' || substr(md5(key_hash || random()::text), 1, 24) WHERE id IS NULL;
        ALTER TABLE api_keys ALTER COLUMN id SET NOT NULL;
        CREATE UNIQUE INDEX idx_api_keys_id ON api_keys (id);
        CREATE INDEX idx_api_keys_account ON api_keys (account_id, created_at);

        CREATE FUNCTION notify_api_key_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' OR NEW.revoked_at IS DISTINCT FROM OLD.revoked_at
                    OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.permissions IS DISTINCT FROM OLD.permissions THEN
                PERFORM pg_notify('ledgermesh_api_keys', OLD.key_hash);
            END IF;
            RETURN NULL;
        END $$;
        CREATE TRIGGER api_keys_revoked AFTER UPDATE OR DELETE ON api_keys
            FOR EACH ROW EXECUTE FUNCTION notify_api_key_revoked();
        """,
    ),
    (
        8,
        "subject keys for crypto-shredding",
        # One 256-bit data key per data subject (and per writing process: each process creates its own
        # on first use, in the transaction of the events it seals), wrapped by the master key; `forget`
        # deletes the wrapped key and keeps the row (who had keys, when they were destroyed). The blind
        # index (HMAC of a normalized value under an index key derived from the master key) answers
        # "which subject has this e-mail"; a subject's rows go when it is forgotten. Neither table is
        # part of the immutable log: erasure must be able to delete from them.
        """
        CREATE TABLE subject_keys (
            key_id       text PRIMARY KEY,
            subject_id   text NOT NULL,
            tenant_id    text NOT NULL,
            wrapped_key  bytea,
            created_at   timestamptz NOT NULL DEFAULT now(),
            destroyed_at timestamptz,
            CHECK ((wrapped_key IS NULL) = (destroyed_at IS NOT NULL))
        );
        CREATE INDEX idx_subject_keys_subject ON subject_keys (subject_id);
        CREATE TABLE subject_blind_index (
            field       text NOT NULL,
            digest      char(64) NOT NULL,
            subject_id  text NOT NULL,
            tenant_id   text NOT NULL,
            PRIMARY KEY (field, digest, subject_id)
        );
        CREATE INDEX idx_subject_blind_index_subject ON subject_blind_index (subject_id);
        """,
    ),
    (
        10,
        "streams of idempotent responses",
        # The streams each saved response's commit wrote: `forget` erases the responses of the streams
        # holding the forgotten subject's fields (eventlog.idempotency.erase_responses). Rows from
        # before keep NULL and expire within their 24 hours. No index: forget is rare and scans at
        # most a day of keys, while every command would pay for one.
        """
        ALTER TABLE idempotency_keys ADD COLUMN aggregate_ids text[];
        """,
    ),
    (
        11,
        "every change to an api key notifies",
        # Caches keep a known key for as long as their revocation follower proves it hears every
        # notification (support/key_store.py): any change to a key's row, not only the ones migration 7
        # named, must then be announced. A TRUNCATE announces no key (an empty payload): caches forget all.
        """
        CREATE OR REPLACE FUNCTION notify_api_key_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'TRUNCATE' THEN
                PERFORM pg_notify('ledgermesh_api_keys', '');
            ELSIF TG_OP = 'DELETE' OR NEW IS DISTINCT FROM OLD THEN
                PERFORM pg_notify('ledgermesh_api_keys', OLD.key_hash);
            END IF;
            RETURN NULL;
        END $$;
        CREATE TRIGGER api_keys_truncated AFTER TRUNCATE ON api_keys
            FOR EACH STATEMENT EXECUTE FUNCTION notify_api_key_revoked();
        """,
    ),
)


async def migrate(conn: psycopg.AsyncConnection, schema: str) -> list[int]:
    """Apply every migration not yet applied to `schema`; return the versions applied now."""
    applied_now: list[int] = []
    async with conn.transaction():
        # One migrator at a time across processes.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"ledgermesh-migrate:{schema}",))
        await conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        await conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(schema)))
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        cur = await conn.execute("SELECT version FROM schema_migrations")
        done = {row[0] for row in await cur.fetchall()}
        for version, name, ddl in MIGRATIONS:
            if version in done:
                continue
            await conn.execute(ddl)
            await conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (version, name)
            )
            applied_now.append(version)
    return applied_now
