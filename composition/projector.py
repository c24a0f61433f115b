"""The projector wired: one-pass workers (one durable JetStream consumer each, every projection applied
per batch) and the webhook dispatcher, each supervised: a task that ends unexpectedly is logged and
started again with backoff, so nothing stops silently."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from composition.infrastructure import Infrastructure
from projector.adapters.jetstream_consumer import ConsumerOptions
from projector.adapters.worker import ProjectorWorker
from projector.projections import all_projections
from projector.webhooks.dispatcher import WebhookDispatcher
from projector.webhooks.endpoints import EndpointDirectory
from projector.webhooks.outbox import DeliveryOutbox
from projector.webhooks.resources import ResourceHistory
from support.cancellation import cancel_and_wait, honour_dropped_cancel

log = logging.getLogger(__name__)

_RESTART_DELAYS = (0.1, 0.5, 1.0, 2.0)
# A worker sees its stop event within a fetch wait (0.25 s) plus the batch in hand; one stuck past
# this (a call that never returns) is cancelled, so the process can always stop.
_CLEAN_STOP_S = 10.0
_CANCELLED_STOP_S = 2.0


@dataclass
class RunningProjector:
    workers: list[ProjectorWorker]
    tasks: list[asyncio.Task[None]]
    stop_event: asyncio.Event
    relay: asyncio.Task[None]

    @property
    def durables(self) -> list[str]:
        return [worker.durable for worker in self.workers]

    async def stop(self) -> None:
        self.stop_event.set()
        _, running = await asyncio.wait(self.tasks, timeout=_CLEAN_STOP_S) if self.tasks else (set(), set())
        if running:
            await cancel_and_wait(list(running), _CANCELLED_STOP_S, "projector")
        await cancel_and_wait([self.relay], _CANCELLED_STOP_S, "projector stop relay")


def consumer_options(infra: Infrastructure) -> ConsumerOptions:
    s = infra.settings
    return ConsumerOptions(
        stream=s.stream_name, subject_prefix=s.subject_prefix,
        durable_prefix=s.stream_name.lower(), max_deliver=s.max_deliver,
        ack_wait=s.projector_ack_wait_seconds, workers=s.projector_workers,
    )


def webhook_dispatcher(infra: Infrastructure) -> WebhookDispatcher:
    s = infra.settings
    return WebhookDispatcher(infra.nc, EndpointDirectory(infra.pool), DeliveryOutbox(infra.pool),
                             stream=s.stream_name,
                             subject_prefix=s.subject_prefix, durable=f"{s.stream_name.lower()}-webhooks",
                             retry_delays=s.webhook_retry_delays, allow_private=s.webhooks_allow_private,
                             history=ResourceHistory(infra.store, s.api_base))


async def supervised(name: str, run: Callable[[asyncio.Event], Awaitable[None]], stop: asyncio.Event) -> None:
    """Run `run(stop)` until `stop` is set; if it returns or raises before that, log why and start it
    again (with backoff), so a consumer never ends silently while its process stays up."""
    restarts = 0
    while not stop.is_set():
        # A kill cancels this task; if a library dropped that while `run` was at work, `run` may come
        # back as if nothing happened, and must not be started again (support/cancellation.py).
        honour_dropped_cancel()
        try:
            await run(stop)
        except asyncio.CancelledError:
            raise
        except Exception:
            if stop.is_set():
                return
            log.exception("%s ended unexpectedly; restarting it", name)
        else:
            if stop.is_set():
                return
            log.error("%s returned while the projector is running; restarting it", name)
        delay = _RESTART_DELAYS[min(restarts, len(_RESTART_DELAYS) - 1)]
        restarts += 1
        try:
            await asyncio.wait_for(stop.wait(), timeout=delay)
        except TimeoutError:
            pass


def _merged(first: asyncio.Event, second: asyncio.Event) -> tuple[asyncio.Event, asyncio.Task[None]]:
    merged = asyncio.Event()

    async def relay() -> None:
        waiters = [asyncio.create_task(first.wait()), asyncio.create_task(second.wait())]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()
        merged.set()

    return merged, asyncio.create_task(relay())


def projector_workers(infra: Infrastructure, options: ConsumerOptions | None = None,
                      indexes: list[int] | None = None) -> list[ProjectorWorker]:
    """This process's workers: one for the whole stream, or the chosen shares of `options.workers`."""
    options = options or consumer_options(infra)
    prefix = infra.settings.redis_prefix
    if not options.workers:
        return [ProjectorWorker(infra.nc, infra.redis, prefix, all_projections(), options)]
    chosen = indexes if indexes is not None else infra.settings.projector_worker_indexes or list(range(options.workers))
    return [ProjectorWorker(infra.nc, infra.redis, prefix, all_projections(), options, i) for i in chosen]


async def start_projector(infra: Infrastructure, stop: asyncio.Event) -> RunningProjector:
    own_stop = asyncio.Event()
    merged, relay = _merged(stop, own_stop)
    workers = projector_workers(infra)
    tasks = [asyncio.create_task(supervised(f"projector worker {w.durable}", w.run, merged), name=w.durable)
             for w in workers]
    dispatcher = webhook_dispatcher(infra)
    tasks.append(asyncio.create_task(supervised("webhook dispatcher", dispatcher.run, merged), name="webhooks"))
    return RunningProjector(workers, tasks, own_stop, relay)
