"""The gateway's own guard: unauthenticated attempts limited per client address, before any gRPC call
(per-account limits apply after authentication, in every gRPC service: support/rate_limit.py)."""

from __future__ import annotations

from support.rate_limit import RecentlyLimited, TokenBuckets, retry_after_header

__all__ = ["RecentlyLimited", "TokenBuckets", "retry_after_header"]
