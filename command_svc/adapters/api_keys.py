"""API keys as the command service's gRPC interceptor resolves them: straight from PostgreSQL, where
issuing a key commits it, so a key works the moment it is returned."""

from __future__ import annotations

from psycopg_pool import AsyncConnectionPool


class PostgresKeyResolver:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    async def account_for(self, key_hash: str) -> str | None:
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                "SELECT account_id FROM api_keys WHERE key_hash = %s AND revoked_at IS NULL", (key_hash,)
            )
            row = await cur.fetchone()
        return str(row[0]) if row else None
