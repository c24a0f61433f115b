"""Stripe-style object ids: a prefix and 24 random base62 characters."""

from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits
_LENGTH = 24
_SPACE = len(_ALPHABET) ** _LENGTH


def new_id(prefix: str) -> str:
    # One read of the system's randomness per id, not one per character: 192 random bits reduced
    # modulo 62**24 (about 2**143), so the remainder's bias is about 2**-49.
    n = int.from_bytes(secrets.token_bytes(24), "big") % _SPACE
    chars = []
    for _ in range(_LENGTH):
        n, digit = divmod(n, len(_ALPHABET))
        chars.append(_ALPHABET[digit])
    return f"{prefix}_" + "".join(chars)
