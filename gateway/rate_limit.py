"""Per-key token buckets: the gateway's own guard before any gRPC call is made."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """`rate` tokens per second up to `burst`, one bucket per key. Buckets idle long enough to be full
    again are forgotten, so memory stays bounded by the keys active in the last burst/rate seconds."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._last_sweep = clock()

    def take(self, key: str) -> float:
        """Take one token: 0.0 when allowed, else the seconds until a token is available."""
        if self._rate <= 0:
            return 0.0
        now = self._clock()
        self._sweep(now)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(self._burst, now)
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self._rate

    def _sweep(self, now: float) -> None:
        refill = self._burst / self._rate
        if now - self._last_sweep < refill:
            return
        self._last_sweep = now
        self._buckets = {k: b for k, b in self._buckets.items() if now - b.updated < refill}


def retry_after_header(wait_seconds: float) -> int:
    return max(1, math.ceil(wait_seconds))
