"""The projector wired: one JetStream consumer per projection and the webhook dispatcher."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from composition.infrastructure import Infrastructure
from projector.adapters.jetstream_consumer import ConsumerOptions, ProjectionConsumer
from projector.projections import all_projections
from projector.webhooks.dispatcher import WebhookDispatcher
from projector.webhooks.endpoints import EndpointDirectory
from projector.webhooks.outbox import DeliveryOutbox
from projector.webhooks.resources import ResourceHistory


@dataclass
class RunningProjector:
    consumers: list[ProjectionConsumer]
    tasks: list[asyncio.Task[None]]
    stop_event: asyncio.Event

    async def stop(self) -> None:
        self.stop_event.set()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def consumer_options(infra: Infrastructure) -> ConsumerOptions:
    s = infra.settings
    return ConsumerOptions(
        stream=s.stream_name, subject_prefix=s.subject_prefix,
        durable_prefix=s.stream_name.lower(), max_deliver=s.max_deliver,
    )


def webhook_dispatcher(infra: Infrastructure) -> WebhookDispatcher:
    s = infra.settings
    return WebhookDispatcher(infra.nc.jetstream(), EndpointDirectory(infra.pool), DeliveryOutbox(infra.pool),
                             stream=s.stream_name,
                             subject_prefix=s.subject_prefix, durable=f"{s.stream_name.lower()}-webhooks",
                             retry_delays=s.webhook_retry_delays, allow_private=s.webhooks_allow_private,
                             history=ResourceHistory(infra.store))


async def start_projector(infra: Infrastructure, stop: asyncio.Event) -> RunningProjector:
    own_stop = asyncio.Event()
    js = infra.nc.jetstream()
    consumers = [
        ProjectionConsumer(js, infra.redis, infra.settings.redis_prefix, projection, consumer_options(infra))
        for projection in all_projections()
    ]

    async def run(consumer: ProjectionConsumer | WebhookDispatcher) -> None:
        merged = asyncio.Event()

        async def relay_stop() -> None:
            waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(own_stop.wait())]
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for w in waiters:
                w.cancel()
            merged.set()

        watcher = asyncio.create_task(relay_stop())
        try:
            await consumer.run(merged)
        finally:
            watcher.cancel()

    tasks = [asyncio.create_task(run(c), name=f"projection-{c.durable}") for c in consumers]
    tasks.append(asyncio.create_task(run(webhook_dispatcher(infra)), name="webhooks"))
    return RunningProjector(consumers, tasks, own_stop)
