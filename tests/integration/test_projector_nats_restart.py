"""The projector through a restart of nats-server (its own, on its data): the worker's pull window is
lost with the connection, and it must notice (missing heartbeats), reopen it and go on by itself.
The nats-server here is one the test starts and restarts itself; never the session's shared one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from composition import servers
from composition.servers import RunningServer
from projector.projections import all_projections
from projector.rebuild import rebuild
from support.settings import Settings
from tests.conftest import eventually
from tests.integration.projections_support import Stack, stack  # noqa: F401 - fixture
from tests.servers import temp_folder


class OwnNats:
    def __init__(self, folder: Path) -> None:
        self._data = folder / "data"
        self._server: RunningServer | None = servers.start_nats(self._data)
        self.port = self._server.port
        self.url = self._server.url

    def restart(self) -> None:
        assert self._server is not None
        self._server.stop()
        self._server = servers.start_nats(self._data, self.port)
        assert self._server.port == self.port

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


@pytest.fixture
def own_nats() -> Iterator[OwnNats]:
    nats = OwnNats(temp_folder("lm-nats-restart-"))
    try:
        yield nats
    finally:
        nats.stop()


@pytest.fixture
def settings(settings: Settings, own_nats: OwnNats) -> Settings:
    return settings.with_(nats_url=own_nats.url)


async def test_after_nats_server_restarts_the_projector_picks_up_new_events_by_itself(
        stack: Stack, own_nats: OwnNats) -> None:
    stack.start_projector()
    merchant = await stack.merchant()
    await stack.charge(merchant, 1_000)
    await stack.settle()

    own_nats.restart()
    created = await stack.charge(merchant, 2_000)

    async def projected() -> bool:
        return await stack.infra.redis.hget(f"{stack.prefix}charge:{created.charge.id}", "status") == "succeeded"

    await eventually(projected, timeout=45, message="the projector never resumed after nats-server restarted")
    await stack.settle(timeout=30)
    assert not any(task.done() for task in stack.consumer_tasks), "a projector task ended"
    for projection in all_projections():
        result = await rebuild(stack.infra.store, stack.infra.redis, stack.prefix, projection, dry_run=True)
        assert result.diff.differences == 0, (projection.name, result.diff.examples)
