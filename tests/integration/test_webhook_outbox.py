"""Webhook deliveries live in PostgreSQL: a dispatcher started after a crash sends what was queued,
in order, with the retry schedule it had reached. Real PostgreSQL, NATS and a local HTTP receiver."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import stripe

from composition.infrastructure import Infrastructure
from projector.webhooks.dispatcher import WebhookDispatcher
from projector.webhooks.endpoints import EndpointDirectory
from projector.webhooks.outbox import DeliveryOutbox
from tests.conftest import eventually
from tests.e2e.webhook_receiver import webhook_receiver


async def test_a_restarted_dispatcher_sends_the_deliveries_queued_before_it_stopped(settings, cleanup) -> None:
    infra = await Infrastructure.open(settings)
    stop = asyncio.Event()
    try:
        async with webhook_receiver() as receiver:
            # Given an endpoint with two deliveries queued by a dispatcher that is no longer running
            async with infra.pool.connection() as conn:
                await conn.execute(
                    "INSERT INTO webhook_endpoints (id, account_id, url, enabled_events, status, secret, created_at)"
                    " VALUES ('we_1', 'acct_1', %s, ARRAY['*'], 'enabled', 'whsec_1', %s)",
                    (receiver.url("/hook"), datetime.now(UTC)))
            outbox = DeliveryOutbox(infra.pool)
            for n in (1, 2):
                event = {"id": f"evt_{n}", "object": "event", "type": "charge.succeeded",
                         "data": {"object": {"id": "ch_1", "object": "charge"}}}
                await outbox.enqueue(["we_1"], f"evt_{n}", json.dumps(event))
            await outbox.enqueue(["we_1"], "evt_1", "a redelivered bus message adds nothing")

            # When a dispatcher starts
            dispatcher = WebhookDispatcher(
                infra.nc, EndpointDirectory(infra.pool), outbox, stream=settings.stream_name,
                subject_prefix=settings.subject_prefix, durable="outbox-test", retry_delays=(0.1,),
                allow_private=True)
            task = asyncio.create_task(dispatcher.run(stop))

            # Then both go out, in order, signed, and are marked delivered
            async def both():  # type: ignore[no-untyped-def]
                return len(receiver.at("/hook")) == 2

            await eventually(both, message="queued deliveries were not resumed")
            events = [stripe.Webhook.construct_event(r.body.decode(), r.signature, "whsec_1")
                      for r in receiver.at("/hook")]
            assert [e.id for e in events] == ["evt_1", "evt_2"]

            async def marked_delivered():  # type: ignore[no-untyped-def]
                async with infra.pool.connection() as conn:
                    cur = await conn.execute("SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered'")
                    row = await cur.fetchone()
                return row is not None and row[0] == 2

            await eventually(marked_delivered, message="deliveries were not marked delivered")
            stop.set()
            await task
    finally:
        stop.set()
        await infra.close()
