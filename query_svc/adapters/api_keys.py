"""API keys as the query service's gRPC interceptor resolves them: from the accounts projection."""

from __future__ import annotations

from query_svc.adapters.read_models import ReadModels


class RedisKeyResolver:
    """API keys as the accounts projection wrote them. A key issued a moment ago may not be projected
    yet, so a miss waits (bounded) before it is refused."""

    def __init__(self, read_models: ReadModels) -> None:
        self._rm = read_models

    async def account_for(self, key_hash: str) -> str | None:
        key = self._rm.keys.api_key(key_hash)
        found: str | None = None

        async def probe() -> bool:
            nonlocal found
            value = await self._rm.redis.get(key)
            found = None if value is None else str(value)
            return found is not None

        await self._rm.wait_until(probe)
        return found
