"""What a key may do: per-resource read / write permissions (Stripe's restricted keys), the kinds'
fixed grants, and the rule each gRPC method needs (`support/access_rules.py` holds the one table)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from support.api_keys import KeyKind


class Access(Enum):
    READ = "read"
    WRITE = "write"


# The resources a restricted key can be given, as Stripe names them.
RESOURCES: tuple[str, ...] = (
    "charges", "payment_intents", "customers", "refunds", "disputes", "payouts", "balance", "events",
    "webhook_endpoints", "accounts", "tokens", "payment_methods",
)
# All a publishable key may do: what a browser needs to collect card details.
PUBLISHABLE_GRANTS: Mapping[str, Access] = {"tokens": Access.WRITE, "payment_methods": Access.WRITE}


@dataclass(frozen=True)
class Permission:
    resource: str
    access: Access

    def __str__(self) -> str:
        return f"{self.resource}:{self.access.value}"


def parse_permissions(text: str) -> dict[str, Access]:
    """`charges:read,refunds:write` -> {"charges": READ, "refunds": WRITE}; ValueError naming the bad part."""
    grants: dict[str, Access] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        resource, _, access = part.partition(":")
        if resource not in RESOURCES:
            raise ValueError(f"unknown resource {resource!r} (one of {', '.join(RESOURCES)})")
        try:
            level = Access(access)
        except ValueError as exc:
            raise ValueError(f"{part!r}: access must be read or write") from exc
        if grants.get(resource) is not Access.WRITE:
            grants[resource] = level
    if not grants:
        raise ValueError("a restricted key needs at least one permission, e.g. charges:read")
    return grants


def format_permissions(grants: Mapping[str, Access]) -> str:
    return ",".join(f"{r}:{a.value}" for r, a in sorted(grants.items()))


def grants(kind: KeyKind, permissions: Mapping[str, Access], needed: Permission) -> bool:
    """Whether a key of `kind` with `permissions` may do `needed`; write implies read."""
    if kind in (KeyKind.SECRET, KeyKind.OPERATOR):
        return True
    held = PUBLISHABLE_GRANTS if kind is KeyKind.PUBLISHABLE else permissions
    level = held.get(needed.resource)
    return level is Access.WRITE or level is needed.access
