"""Which URLs a webhook may target: the one rule shared by endpoint registration (command side) and
delivery (projector side, re-checked on every redirect hop).

Refused unless `allow_private` (development and tests): loopback, private, link-local (which covers the
169.254.169.254 cloud metadata service), carrier-grade NAT, multicast, reserved and unspecified
addresses, and well-known metadata host names. A host name is judged by every address it resolves to.
Known gap: the address is resolved again when connecting, so a DNS answer that changes between the
check and the connection (rebinding) is not caught."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data", "instance-data.ec2.internal"})
MAX_URL_LENGTH = 2048


class WebhookUrlRefused(ValueError):
    """The URL is malformed or points somewhere webhooks must not go; `reason` is UPPER_SNAKE."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _forbidden(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (address.is_private or address.is_loopback or address.is_link_local or address.is_multicast
            or address.is_reserved or address.is_unspecified
            or address in ipaddress.ip_network("100.64.0.0/10"))


def parse(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a well-formed http(s) URL, else WebhookUrlRefused."""
    if len(url) > MAX_URL_LENGTH:
        raise WebhookUrlRefused("URL_INVALID", "The URL is too long.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise WebhookUrlRefused("URL_INVALID", f"Invalid URL: {url!r}") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookUrlRefused("URL_INVALID", "The URL must be an absolute http:// or https:// URL.")
    if parts.username or parts.password:
        raise WebhookUrlRefused("URL_INVALID", "The URL must not contain credentials.")
    return parts.scheme, parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80)


async def check(url: str, *, allow_private: bool) -> None:
    """Raise WebhookUrlRefused unless `url` may receive webhooks."""
    _, host, port = parse(url)
    if allow_private:
        return
    if host in METADATA_HOSTS or host.endswith(".internal") or host == "localhost" or host.endswith(".localhost"):
        raise WebhookUrlRefused("URL_FORBIDDEN", f"Webhooks cannot target {host}.")
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise WebhookUrlRefused("URL_UNRESOLVABLE", f"The host {host} does not resolve.") from exc
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses or any(_forbidden(a) for a in addresses):
        raise WebhookUrlRefused("URL_FORBIDDEN",
                                f"Webhooks cannot target private, loopback, link-local or metadata addresses ({host}).")
