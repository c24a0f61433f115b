"""API keys as secrets: their kinds, how one is made, stored (only its SHA-256, under a public key id)
and shown (a short prefix). Never store or log the key itself.

Pure, so the command side's use cases issue keys without importing the gRPC interceptor."""

from __future__ import annotations

import hashlib
import secrets
from enum import Enum


class KeyKind(Enum):
    """Stripe's key kinds, plus the platform operator's key."""

    # sk_test_: full access to the merchant's own account.
    SECRET = "secret"
    # rk_test_: per-resource read / write permissions on the merchant's own account.
    RESTRICTED = "restricted"
    # pk_test_: may only create tokens and payment methods.
    PUBLISHABLE = "publishable"
    # op_test_: the platform; acts on any account with `Stripe-Account` and alone does what the platform does.
    OPERATOR = "operator"


PREFIXES: dict[KeyKind, str] = {
    KeyKind.SECRET: "sk_test_",
    KeyKind.RESTRICTED: "rk_test_",
    KeyKind.PUBLISHABLE: "pk_test_",
    KeyKind.OPERATOR: "op_test_",
}
KEY_PREFIX = PREFIXES[KeyKind.SECRET]
# The account operator keys belong to: the platform itself, never a merchant.
PLATFORM_ACCOUNT = "platform"


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_key(kind: KeyKind) -> str:
    return PREFIXES[kind] + secrets.token_urlsafe(24).replace("-", "a").replace("_", "b")


def new_secret_key() -> str:
    return new_key(KeyKind.SECRET)


def new_key_id() -> str:
    """The key's public name (in events, logs and `keys list`): unrelated to the secret."""
    return "key_" + secrets.token_hex(12)


def display_prefix(secret: str) -> str:
    return secret[: len(KEY_PREFIX) + 4]
