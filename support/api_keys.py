"""API keys as secrets: how one is made, stored (only its SHA-256) and shown (a short prefix).

Pure, so the command side's use cases issue keys without importing the gRPC interceptor."""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "sk_test_"


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(24).replace("-", "a").replace("_", "b")


def display_prefix(secret: str) -> str:
    return secret[: len(KEY_PREFIX) + 4]
