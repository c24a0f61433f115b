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

__all__ = ["CallerLimits", "InFlight", "RecentlyLimited", "Refusal", "TokenBuckets", "Turn", "caller_limits",
           "retry_after_header"]


@dataclass
class _Slots:
    taken: int = 0
    waiting: collections.deque[asyncio.Future[None]] = field(default_factory=collections.deque)


@dataclass(frozen=True)
class Turn:
    """A request's place among those in progress, given back with `InFlight.leave`."""

    caller: str
    # Admitted at once; False: it waited behind its own caller's earlier requests.
    prompt: bool


@dataclass(frozen=True)
class Refusal:
    limit: str  # "concurrency" or "rate"
    wait_seconds: float


class InFlight:
    """Requests in progress per caller, at most `limit` each (0: no limit). Beyond it a request waits
    for one of its own caller's slots, in order, costing nobody else anything; with `max_waiting` of the
    caller's requests already waiting, it is refused.

    Fairness: a caller that asks for more than its limit is served one request at a time (its next
    waiting request starts once none of its own is in progress), and behind those that did not wait:
    while such prompt requests are in progress, a busy caller's turn comes only as one of them finishes
    (one waiting request each time), or once none is left. A calm caller's request so shares the process
    with at most one request of each busy caller, and a busy caller is slowed, never stopped."""

    def __init__(self, limit: int, max_waiting: int) -> None:
        self._limit = limit
        self._max_waiting = max_waiting
        self._slots: dict[str, _Slots] = {}
        self._prompt = 0
        # Callers with requests waiting and none in progress, in the order their turns come.
        self._ready: dict[str, None] = {}

    async def enter(self, caller: str) -> Turn | None:
        """The request's turn (to `leave` when done), or None: refused, nothing to leave."""
        if self._limit <= 0:
            return Turn(caller, prompt=False)
        slots = self._slots.get(caller)
        if slots is None:
            slots = self._slots[caller] = _Slots()
        if slots.taken < self._limit and not slots.waiting:
            slots.taken += 1
            self._prompt += 1
            return Turn(caller, prompt=True)
        if len(slots.waiting) >= self._max_waiting:
            return None
        turn = asyncio.get_running_loop().create_future()
        slots.waiting.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.leave(Turn(caller, prompt=False))  # the slot was handed over as the wait was cancelled
            elif turn in slots.waiting:
                slots.waiting.remove(turn)
                self._forget_if_idle(caller)
            raise
        return Turn(caller, prompt=False)

    def leave(self, turn: Turn) -> None:
        if self._limit <= 0:
            return
        slots = self._slots[turn.caller]
        slots.taken -= 1
        if turn.prompt:
            self._prompt -= 1
        if slots.waiting and not slots.taken:
            self._ready[turn.caller] = None
        self._forget_if_idle(turn.caller)
        if not self._prompt or turn.prompt:
            self._hand_on(everyone=not self._prompt)

    def _hand_on(self, *, everyone: bool) -> None:
        """Turns to the ready callers' next waiting requests, one caller after the other: to all, or to one."""
        while self._ready:
            caller = next(iter(self._ready))
            del self._ready[caller]
            slots = self._slots[caller]
            while slots.waiting and slots.waiting[0].done():
                slots.waiting.popleft()  # cancelled while its turn was coming
            if not slots.waiting:
                self._forget_if_idle(caller)
                continue
            slots.taken += 1
            slots.waiting.popleft().set_result(None)
            if not everyone:
                return

    def _forget_if_idle(self, caller: str) -> None:
        slots = self._slots.get(caller)
        if slots is not None and not slots.taken and not slots.waiting:
            del self._slots[caller]
            self._ready.pop(caller, None)

    def __len__(self) -> int:
        """Callers with requests in progress or waiting."""
        return len(self._slots)


class CallerLimits:
    """A caller's concurrency and its account's rates, as the gateway sees them."""

    def __init__(self, max_in_flight: int, max_waiting: int, reads_per_second: float, writes_per_second: float,
                 burst_seconds: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.in_flight = InFlight(max_in_flight, max_waiting)
        self._rates = AccountLimits(reads_per_second, writes_per_second, burst_seconds, clock)

    async def admit(self, caller: str, *, write: bool) -> Turn | Refusal:
        """The call's turn (to give back with `done`), or which limit refused it. The rate is taken once
        the call has its turn, when it is about to reach the services that count it too."""
        turn = await self.in_flight.enter(caller)
        if turn is None:
            return Refusal("concurrency", 1.0)
        wait = self._rates.take(caller, write=write)
        if wait:
            self.in_flight.leave(turn)
            return Refusal("rate", wait)
        return turn

    def done(self, turn: Turn) -> None:
        self.in_flight.leave(turn)


def caller_limits(settings: Settings) -> CallerLimits:
    return CallerLimits(settings.gateway_max_in_flight_per_key, settings.gateway_max_waiting_per_key,
                        settings.account_reads_per_second,
                        settings.account_writes_per_second, settings.account_burst_seconds)
