"""Token buckets, and the per-account limits every gRPC service applies after authentication
(Stripe: 100 read and 100 write requests per second per account; test mode may set fewer)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import grpc

from support.errors import status_with_reason
from support.settings import Settings


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

    def wait(self, key: str) -> float:
        """Like `take` without taking: 0.0 when a token is there, else the seconds until one is."""
        if self._rate <= 0:
            return 0.0
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            return 0.0
        tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self._rate

    def _sweep(self, now: float) -> None:
        refill = self._burst / self._rate
        if now - self._last_sweep < refill:
            return
        self._last_sweep = now
        self._buckets = {k: b for k, b in self._buckets.items() if now - b.updated < refill}


def retry_after_header(wait_seconds: float) -> int:
    return max(1, math.ceil(wait_seconds))


class AccountLimits:
    """Read and write buckets per account; a refusal is RESOURCE_EXHAUSTED carrying `retry_after`."""

    def __init__(self, reads_per_second: float, writes_per_second: float, burst_seconds: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._reads = TokenBuckets(reads_per_second, max(1, round(reads_per_second * burst_seconds)), clock)
        self._writes = TokenBuckets(writes_per_second, max(1, round(writes_per_second * burst_seconds)), clock)

    def take(self, account: str, *, write: bool) -> float:
        return (self._writes if write else self._reads).take(account)

    @staticmethod
    def refusal(wait_seconds: float) -> grpc.Status:
        return status_with_reason(
            grpc.StatusCode.RESOURCE_EXHAUSTED, "RATE_LIMITED",
            "Too many requests hit the API too quickly for this account.",
            {"retry_after": str(retry_after_header(wait_seconds)),
             # The exact wait, so a gateway can refuse the same caller locally until then, cheaply.
             "retry_after_ms": str(max(1, math.ceil(wait_seconds * 1000)))})


def account_limits(settings: Settings) -> AccountLimits | None:
    if settings.account_reads_per_second <= 0 and settings.account_writes_per_second <= 0:
        return None
    return AccountLimits(settings.account_reads_per_second, settings.account_writes_per_second,
                         settings.account_burst_seconds)


class RecentlyLimited:
    """Callers a service just refused for their account's rate, until the wait it named: a gateway
    answers their next calls 429 itself, so one account's flood costs no gRPC call. Only callers the
    service authenticated get in (refusals of unknown keys are 401, never 429)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_entries: int = 100_000) -> None:
        self._clock = clock
        self._max = max_entries
        self._until: dict[str, float] = {}

    def wait(self, caller: str) -> float:
        until = self._until.get(caller)
        if until is None:
            return 0.0
        left = until - self._clock()
        if left <= 0:
            del self._until[caller]
            return 0.0
        return left

    def refused(self, caller: str, wait_seconds: float) -> None:
        if len(self._until) >= self._max:
            now = self._clock()
            self._until = {k: u for k, u in self._until.items() if u > now}
            if len(self._until) >= self._max:
                self._until.clear()
        self._until[caller] = self._clock() + wait_seconds


def failed_auth_limits(settings: Settings) -> TokenBuckets | None:
    if settings.grpc_failed_auth_per_second <= 0:
        return None
    return TokenBuckets(settings.grpc_failed_auth_per_second, settings.grpc_failed_auth_burst)
