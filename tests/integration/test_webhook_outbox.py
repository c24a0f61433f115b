"""Webhook deliveries live in PostgreSQL: a dispatcher started after a crash sends what was queued,
in order, with the retry schedule it had reached; a batch of events of several accounts goes to each
account's own endpoints. Real PostgreSQL, NATS and a local HTTP receiver."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import stripe

from composition.infrastructure import Infrastructure
from eventlog.bus import EventPublisher
from projector.webhooks.dispatcher import WebhookDispatcher
from projector.webhooks.endpoints import EndpointDirectory
from projector.webhooks.outbox import DeliveryOutbox
from stripe_shapes import events
from tests.conftest import eventually
from tests.e2e.webhook_receiver import webhook_receiver
from tests.unit.projected import stored


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


async def test_events_of_two_accounts_fetched_together_reach_only_their_own_accounts_endpoints(
        settings, cleanup) -> None:
    infra = await Infrastructure.open(settings)
    stop = asyncio.Event()
    try:
        async with webhook_receiver() as receiver:
            # Given an endpoint on each of two accounts
            now = datetime.now(UTC)
            async with infra.pool.connection() as conn:
                for account in ("acct_a", "acct_b"):
                    await conn.execute(
                        "INSERT INTO webhook_endpoints (id, account_id, url, enabled_events, status, secret,"
                        " created_at) VALUES (%s, %s, %s, ARRAY['*'], 'enabled', 'whsec_1', %s)",
                        (f"we_{account}", account, receiver.url(f"/{account}"), now - timedelta(minutes=1)))
            # and the two accounts' charge events interleaved on the bus, so one fetch takes them all
            published = [stored("PaymentCaptured", {}, aggregate_id=f"ch_{n}", tenant_id=account, position=n,
                                created_at=now)
                         for n, account in enumerate(["acct_a", "acct_b", "acct_a", "acct_b"], start=1)]
            await EventPublisher(infra.nc.jetstream(), settings.subject_prefix).publish(published)

            # When the dispatcher runs
            dispatcher = WebhookDispatcher(
                infra.nc, EndpointDirectory(infra.pool), DeliveryOutbox(infra.pool), stream=settings.stream_name,
                subject_prefix=settings.subject_prefix, durable="two-accounts-test", retry_delays=(0.1,),
                allow_private=True)
            task = asyncio.create_task(dispatcher.run(stop))

            # Then each endpoint receives its own account's two events, and nothing of the other's
            async def all_four():  # type: ignore[no-untyped-def]
                return len(receiver.at("/acct_a")) == 2 and len(receiver.at("/acct_b")) == 2

            await eventually(all_four, message="the events did not reach their accounts' endpoints")
            for account in ("acct_a", "acct_b"):
                received = {json.loads(r.body)["id"] for r in receiver.at(f"/{account}")}
                assert received == {events.event_id(str(e.event_id)) for e in published if e.tenant_id == account}
            stop.set()
            await task
    finally:
        stop.set()
        await infra.close()
