"""The gateway's own limits, decided from a request's headers alone (gateway/refusals.py applies them):

- unauthenticated attempts (answered 401 by a service) per client address: `TokenBuckets`;
- per caller (its credential): at most `max_in_flight` requests at once (Stripe's concurrency limiter),
  and the account's read and write rates (Stripe's rate limiter), mirrored here so that a flood over them
  is refused before it costs a gRPC call;
- callers a service just refused for their account's rate: `RecentlyLimited`.

The gRPC services stay the authority on per-account rates (support/rate_limit.py): a caller here is one
credential, and an account with several keys is held to its rate by the services."""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from support.rate_limit import AccountLimits, RecentlyLimited, TokenBuckets, retry_after_header
from support.settings import Settings

__all__ = ["CallerLimits", "InFlight", "RecentlyLimited", "TokenBuckets", "caller_limits", "retry_after_header"]


@dataclass
class _Slots:
    taken: int = 0
    waiting: collections.deque[asyncio.Future[None]] = field(default_factory=collections.deque)


class InFlight:
    """Requests in progress per caller, at most `limit` each (0: no limit). Beyond it a request waits
    for one of its own caller's slots, in order, costing nobody else anything; with `max_waiting` of the
    caller's requests already waiting, it is refused."""

    def __init__(self, limit: int, max_waiting: int) -> None:
        self._limit = limit
        self._max_waiting = max_waiting
        self._slots: dict[str, _Slots] = {}

    async def enter(self, caller: str) -> bool:
        """Whether the caller got a slot (to `leave` when done); False: refused, nothing to leave."""
        if self._limit <= 0:
            return True
        slots = self._slots.get(caller)
        if slots is None:
            slots = self._slots[caller] = _Slots()
        if slots.taken < self._limit:
            slots.taken += 1
            return True
        if len(slots.waiting) >= self._max_waiting:
            return False
        turn = asyncio.get_running_loop().create_future()
        slots.waiting.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.leave(caller)  # the slot was handed over as the wait was cancelled
            else:
                slots.waiting.remove(turn)
            raise
        return True

    def leave(self, caller: str) -> None:
        if self._limit <= 0:
            return
        slots = self._slots[caller]
        while slots.waiting:
            turn = slots.waiting.popleft()
            if not turn.done():
                turn.set_result(None)  # the slot passes to the next waiting request as it is
                return
        slots.taken -= 1
        if not slots.taken:
            del self._slots[caller]

    def __len__(self) -> int:
        """Callers with a request in progress."""
        return len(self._slots)


class CallerLimits:
    """A caller's concurrency and its account's rates, as the gateway sees them."""

    def __init__(self, max_in_flight: int, max_waiting: int, reads_per_second: float, writes_per_second: float,
                 burst_seconds: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.in_flight = InFlight(max_in_flight, max_waiting)
        self._rates = AccountLimits(reads_per_second, writes_per_second, burst_seconds, clock)

    async def admit(self, caller: str, *, write: bool) -> tuple[str, float] | None:
        """None when the call may go on (the caller then holds one of its slots until `done`), else
        which limit refused it ("concurrency" or "rate") and the seconds to wait. The rate is taken
        once the call has its slot, when it is about to reach the services that count it too."""
        if not await self.in_flight.enter(caller):
            return "concurrency", 1.0
        wait = self._rates.take(caller, write=write)
        if wait:
            self.in_flight.leave(caller)
            return "rate", wait
        return None

    def done(self, caller: str) -> None:
        self.in_flight.leave(caller)


def caller_limits(settings: Settings) -> CallerLimits:
    return CallerLimits(settings.gateway_max_in_flight_per_key, settings.gateway_max_waiting_per_key,
                        settings.account_reads_per_second,
                        settings.account_writes_per_second, settings.account_burst_seconds)
