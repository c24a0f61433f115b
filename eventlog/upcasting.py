"""Upcasting: stored payloads of an old event_version are brought up to the current schema on read,
so history is never rewritten and every reader sees one shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]

# event_type -> current schema version. Types not listed are at version 1.
CURRENT_VERSIONS: dict[str, int] = {"ChargeRequested": 2}


def _charge_requested_v1_to_v2(data: Payload) -> Payload:
    # v1 called the token "source_token" and always captured immediately.
    upgraded = {k: v for k, v in data.items() if k != "source_token"}
    upgraded.setdefault("source", data.get("source_token", ""))
    upgraded.setdefault("capture", True)
    return upgraded


# (event_type, from_version) -> function producing from_version + 1.
UPCASTERS: dict[tuple[str, int], Upcaster] = {
    ("ChargeRequested", 1): _charge_requested_v1_to_v2,
}


def current_version(event_type: str) -> int:
    return CURRENT_VERSIONS.get(event_type, 1)


def upcast(event_type: str, version: int, data: Payload) -> tuple[int, Payload]:
    """Return (current version, payload) for a stored payload of `version`."""
    target = current_version(event_type)
    while version < target:
        step = UPCASTERS.get((event_type, version))
        if step is None:
            raise LookupError(f"no upcaster for {event_type} v{version}")
        data = step(data)
        version += 1
    return version, data
