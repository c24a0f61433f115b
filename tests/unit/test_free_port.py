"""Ports picked for servers started a moment later stay out of the kernel's ephemeral range, where
any process's next outgoing connection could take them first (a chaos run once lost its query service to
"Address already in use" that way)."""

from __future__ import annotations

import socket
from pathlib import Path

from composition.servers import free_port


def test_a_picked_port_is_free_and_below_the_range_outgoing_connections_use() -> None:
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = {free_port() for _ in range(50)}
    assert all(port < low for port in ports)
    assert len(ports) > 1, "random, so that runs side by side rarely pick the same port"
    for port in ports:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
