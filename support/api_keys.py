"""Merchant secret keys: how one is made, stored (its SHA-256 only) and shown (its prefix). No I/O, so
the use cases that issue keys need no gRPC; support.auth resolves a key on each call."""

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
