"""Throwaway real servers for tests: NATS 2.15 (JetStream), Valkey and PostgreSQL 18 from the pip wheels.

Each starts on a free port with its data in a fresh temp folder, and `stop()` stops it and deletes
the folder. Start them once per session (they start in well under a second, PostgreSQL's initdb
being the slowest), and isolate tests inside them by schema, key prefix and stream name:

    @pytest.fixture(scope="session")
    def nats_url() -> Iterator[str]:
        with throwaway_nats() as server:
            yield server.url

The process handling is composition.servers', the same code `ledgermesh up` uses.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from composition import servers
from composition.servers import RunningServer


@dataclass
class ThrowawayServer:
    """A running test server; `stop()` is idempotent and also deletes its data."""

    server: RunningServer
    folder: Path
    _stopped: bool = field(default=False, repr=False)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def port(self) -> int:
        return self.server.port

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        try:
            self.server.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def temp_folder(prefix: str) -> Path:
    """A fresh temp folder that PostgreSQL's unprivileged user can reach.

    mkdtemp creates it 0700 (and pytest's tmp_path lives under a 0700 folder): PostgreSQL,
    run as `nobody` when tests run as root, could not get in.
    """
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o711)
    return folder


def _throwaway(prefix: str, start: Callable[[Path], RunningServer]) -> ThrowawayServer:
    folder = temp_folder(prefix)
    try:
        return ThrowawayServer(start(folder / "data"), folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def start_nats() -> ThrowawayServer:
    """nats-server with JetStream; url `nats://127.0.0.1:PORT`."""
    return _throwaway("lm-nats-", lambda data: servers.start_nats(data))


def start_valkey() -> ThrowawayServer:
    """Valkey without persistence; url `redis://127.0.0.1:PORT/0`."""
    return _throwaway("lm-valkey-", lambda data: servers.start_valkey(data, append_only=False))


def start_postgres(database: str = "ledgermesh") -> ThrowawayServer:
    """PostgreSQL 18 without fsync, user postgres (trust); url `postgresql://postgres@127.0.0.1:PORT/<database>`."""
    return _throwaway("lm-pg-", lambda data: servers.start_postgres(data, database=database, durable=False))


@contextmanager
def _running(start: Callable[[], ThrowawayServer]) -> Iterator[ThrowawayServer]:
    server = start()
    try:
        yield server
    finally:
        server.stop()


def throwaway_nats() -> AbstractContextManager[ThrowawayServer]:
    return _running(start_nats)


def throwaway_valkey() -> AbstractContextManager[ThrowawayServer]:
    return _running(start_valkey)


def throwaway_postgres(database: str = "ledgermesh") -> AbstractContextManager[ThrowawayServer]:
    return _running(lambda: start_postgres(database))
