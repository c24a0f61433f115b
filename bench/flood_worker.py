"""`python -m bench.flood_worker BASE_URL AUTHORIZATION SECONDS CLIENTS`: closed-loop GET /v1/charges from
CLIENTS coroutines for SECONDS, then one JSON line {status: count}. A process of its own, so the flood's
client-side work does not sit in the event loop that measures the calm merchant's latency."""

from __future__ import annotations

import asyncio
import collections
import json
import sys
import time

import httpx


async def _flood(base_url: str, authorization: str, seconds: float, clients: int) -> dict[int, int]:
    statuses: collections.Counter[int] = collections.Counter()
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=base_url, timeout=30,
                                 limits=httpx.Limits(max_connections=clients)) as http:
        async def client() -> None:
            while time.monotonic() < deadline:
                statuses[(await http.get("/v1/charges", headers={"Authorization": authorization})).status_code] += 1

        await asyncio.gather(*(client() for _ in range(clients)))
    return dict(statuses)


def main() -> None:
    base_url, authorization, seconds, clients = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    print(json.dumps(asyncio.run(_flood(base_url, authorization, seconds, clients))), flush=True)


if __name__ == "__main__":
    main()
