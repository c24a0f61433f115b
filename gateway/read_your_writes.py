"""Read-your-writes across requests: the log position of each caller's latest write through this
gateway, sent with every later query so that the query service does not answer NOT_FOUND for an object
the caller created while the projector is still behind (docs/read-side.md).

A command reply carries `global_position` (its transaction's commit position); the highest one per
caller is kept in a bounded LRU (callers keyed by a digest of their credentials, never the key
itself) and travels as the `x-ledgermesh-written-position` gRPC metadata."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

WRITTEN_POSITION_HEADER = "x-ledgermesh-written-position"
MAX_CALLERS = 100_000


class WrittenPositions:
    """Caller -> highest log position of a write this gateway saw answered; the least recently
    written-for callers fall out first."""

    def __init__(self, capacity: int = MAX_CALLERS) -> None:
        self._capacity = capacity
        self._positions: OrderedDict[bytes, int] = OrderedDict()

    @staticmethod
    def _caller(credentials: str) -> bytes:
        return hashlib.blake2b(credentials.encode(), digest_size=16).digest()

    def note(self, credentials: str | None, reply: Any) -> None:
        position = getattr(reply, "global_position", 0)
        if not credentials or not isinstance(position, int) or position <= 0:
            return
        caller = self._caller(credentials)
        if position > self._positions.get(caller, 0):
            self._positions[caller] = position
        self._positions.move_to_end(caller)
        if len(self._positions) > self._capacity:
            self._positions.popitem(last=False)

    def metadata(self, credentials: str | None) -> tuple[str, str] | None:
        position = self._positions.get(self._caller(credentials)) if credentials else None
        return (WRITTEN_POSITION_HEADER, str(position)) if position else None


def written_positions(state: Any) -> WrittenPositions:
    """The app's WrittenPositions (app.state), made on first use."""
    positions = getattr(state, "written_positions", None)
    if positions is None:
        positions = state.written_positions = WrittenPositions()
    return positions  # type: ignore[no-any-return]
