"""The REST load's clients: HTTP/1.1 keep-alive connections that cost the bench process little.

The bench's clients run on the same two cores as the stack they measure. httpx's AsyncClient spent
about 2.8 CPU-ms per POST /v1/charges in the bench process (`python -m bench.cpu_cost --rest`, the
"bench clients" part), more than the gateway it called (about 1.5 ms): a fifth of the machine's CPU at
the load went to making requests, not serving them. A client in a real deployment runs elsewhere.
These connections send the same request (form body, Authorization header, keep-alive) and read the
reply with uvicorn's own parser (httptools); the setup calls (merchants signing up) stay on httpx."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlencode

import httptools


@dataclass
class Reply:
    status_code: int
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode(errors="replace")


class _Parsed:
    """httptools' callbacks for one response."""

    def __init__(self) -> None:
        self.body: list[bytes] = []
        self.done = False

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.done = True


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def request(self, head: bytes, body: bytes) -> Reply:
        self.writer.write(head + body)
        parsed = _Parsed()
        parser = httptools.HttpResponseParser(parsed)
        while not parsed.done:
            chunk = await self.reader.read(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            parser.feed_data(chunk)
        return Reply(parser.get_status_code(), b"".join(parsed.body))

    def close(self) -> None:
        self.writer.close()


class RestClients:
    """`size` keep-alive connections to one server, each request on a free one (a closed-loop client
    holds one for its request, so `size` = the clients never wait for a connection)."""

    def __init__(self, host: str, port: int, size: int) -> None:
        self.host, self.port, self.size = host, port, size
        self._free: asyncio.Queue[_Connection] = asyncio.Queue()
        self._all: list[_Connection] = []

    async def __aenter__(self) -> RestClients:
        for _ in range(self.size):
            connection = _Connection(*await asyncio.open_connection(self.host, self.port))
            self._all.append(connection)
            self._free.put_nowait(connection)
        return self

    async def __aexit__(self, *exc: object) -> None:
        for connection in self._all:
            connection.close()

    async def post(self, path: str, headers: dict[str, str], data: dict[str, str]) -> Reply:
        body = urlencode(data).encode()
        lines = [f"POST {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                 "Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}",
                 *(f"{name}: {value}" for name, value in headers.items())]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode()
        connection = await self._free.get()
        try:
            reply = await connection.request(head, body)
        except BaseException:
            # A connection broken mid-request is replaced, not reused.
            connection.close()
            connection = _Connection(*await asyncio.open_connection(self.host, self.port))
            self._all.append(connection)
            raise
        finally:
            self._free.put_nowait(connection)
        return reply
