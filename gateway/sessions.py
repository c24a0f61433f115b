"""Dashboard sessions: a key exchanged once (POST /dashboard/session) for an opaque session id in an
HttpOnly, SameSite=Strict cookie, so no key ever travels in a URL (browser history, server logs).

The key stays in this gateway process's memory, behind the session id; every call still sends it to
the gRPC services, so a revoked key ends its sessions on their next call. Sessions are per gateway
process (a restart signs everyone out; several gateways need sticky sessions)."""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

COOKIE = "lm_session"
# The session id is all the cookie holds; the dashboard is read-only, so the cookie only unlocks GETs.
DEFAULT_TTL_SECONDS = 8 * 3600
MAX_SESSIONS = 10_000


@dataclass
class Session:
    secret: str
    expires: float


class Sessions:
    def __init__(self, ttl_seconds: float = DEFAULT_TTL_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._sessions: dict[str, Session] = {}

    def open(self, secret: str) -> str:
        now = self._clock()
        if len(self._sessions) >= MAX_SESSIONS:
            self._sessions = {k: s for k, s in self._sessions.items() if s.expires > now}
            while len(self._sessions) >= MAX_SESSIONS:
                self._sessions.pop(next(iter(self._sessions)))
        session_id = secrets.token_urlsafe(32)
        self._sessions[session_id] = Session(secret, now + self._ttl)
        return session_id

    def key_for(self, session_id: str | None) -> str | None:
        if not session_id:
            return None
        session = self._sessions.get(session_id)
        if session is None or session.expires <= self._clock():
            self._sessions.pop(session_id, None)
            return None
        return session.secret

    def close(self, session_id: str | None) -> None:
        if session_id:
            self._sessions.pop(session_id, None)


def same_origin(origin: str | None, host: str | None) -> bool:
    """A state-changing form post must come from our own page (CSRF): its Origin names this host."""
    if not origin or not host:
        return False
    scheme, _, rest = origin.partition("://")
    return scheme in ("http", "https") and hmac.compare_digest(rest.rstrip("/"), host)
