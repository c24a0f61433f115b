"""Delivery to one endpoint: its own task working through its rows of the outbox in order, so a slow or
failing endpoint delays only itself, and its events go out in log order (hence in order per object).

Each delivery is POSTed with Stripe's signature; a non-2xx answer or a network error is retried after
each delay of the retry schedule (the next attempt time is stored, so a restart resumes the schedule);
when the schedule is spent the endpoint is disabled and its pending deliveries are given up. Redirects
are followed by hand, at most MAX_REDIRECTS, re-checking each target URL."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin

import httpx

from projector.webhooks.endpoints import Endpoint, EndpointDirectory
from projector.webhooks.outbox import DeliveryOutbox, PendingDelivery
from projector.webhooks.signing import signature_header
from support import webhook_urls
from support.cancellation import cancel_and_wait, honour_dropped_cancel

log = logging.getLogger(__name__)

MAX_REDIRECTS = 3
REQUEST_TIMEOUT_S = 10.0
# Without a wake-up, look at the outbox this often anyway (rows another process may have added).
IDLE_POLL_S = 5.0
# A stopping dispatcher waits this long for a cancelled delivery (the row stays in the outbox).
_STOP_WAIT_S = 2.0


class DeliveryFailed(Exception):
    pass


class EndpointWorker:
    def __init__(self, endpoint_id: str, directory: EndpointDirectory, outbox: DeliveryOutbox,
                 http: httpx.AsyncClient, retry_delays: tuple[float, ...], allow_private: bool,
                 clock: Callable[[], float] = time.time) -> None:
        self.endpoint_id = endpoint_id
        self._directory = directory
        self._outbox = outbox
        self._http = http
        self._delays = retry_delays
        self._allow_private = allow_private
        self._clock = clock
        self._wake = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    @property
    def finished(self) -> bool:
        return self.task is not None and self.task.done()

    def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name=f"webhooks-{self.endpoint_id}")

    def wake(self) -> None:
        self._wake.set()

    async def _sleep(self, seconds: float) -> None:
        self._wake.clear()
        # Not wait_for: on Python 3.11 it drops a cancellation that comes with a wake-up, and this loop
        # ends only by cancellation (support/cancellation.py).
        try:
            async with asyncio.timeout(max(0.0, seconds)):
                await self._wake.wait()
        except TimeoutError:
            pass

    async def _run(self) -> None:
        while True:
            # This loop ends only by cancellation; one a library dropped still counts.
            honour_dropped_cancel()
            try:
                delivery = await self._outbox.next_for(self.endpoint_id)
                if delivery is None:
                    await self._sleep(IDLE_POLL_S)
                    continue
                wait = (delivery.next_attempt_at - datetime.now(UTC)).total_seconds()
                if wait > 0:
                    await asyncio.sleep(wait)  # the head of the line must go first: nothing to wake for
                if not await self._attempt(delivery):
                    return
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the outbox is unreachable (PG down): keep the task, try again
                log.exception("webhook worker for %s failed; retrying", self.endpoint_id)
                await asyncio.sleep(1.0)

    async def _attempt(self, delivery: PendingDelivery) -> bool:
        """One try of the head delivery; False when the endpoint is gone or has just been disabled."""
        endpoint = await self._directory.current(self.endpoint_id)
        if endpoint is None:
            await self._outbox.give_up(self.endpoint_id, "endpoint deleted or disabled")
            return False
        try:
            await self._post(endpoint, delivery)
        except (DeliveryFailed, httpx.HTTPError, webhook_urls.WebhookUrlRefused) as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.info("webhook %s to %s failed (attempt %d): %s", delivery.event_id, endpoint.url,
                     delivery.attempts + 1, error)
            if delivery.attempts < len(self._delays):
                await self._outbox.retry_later(delivery.id, timedelta(seconds=self._delays[delivery.attempts]), error)
                return True
            reason = f"delivery failed {delivery.attempts + 1} times: {error}"
            await self._directory.disable(self.endpoint_id, reason)
            await self._outbox.give_up(self.endpoint_id, reason)
            log.warning("webhook endpoint %s disabled after persistent failure: %s", self.endpoint_id, error)
            return False
        await self._outbox.delivered(delivery.id)
        return True

    async def _post(self, endpoint: Endpoint, delivery: PendingDelivery) -> None:
        url = endpoint.url
        for _ in range(MAX_REDIRECTS + 1):
            await webhook_urls.check(url, allow_private=self._allow_private)
            headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "LedgerMesh/1.0",
                       "Stripe-Signature": signature_header(delivery.payload, endpoint.secret, int(self._clock()))}
            response = await self._http.post(url, content=delivery.payload.encode(), headers=headers,
                                             timeout=REQUEST_TIMEOUT_S, follow_redirects=False)
            if response.is_redirect and "location" in response.headers:
                url = urljoin(url, response.headers["location"])
                continue
            if 200 <= response.status_code < 300:
                return
            raise DeliveryFailed(f"HTTP {response.status_code}")
        raise DeliveryFailed("too many redirects")

    async def stop(self) -> None:
        if self.task is not None:
            await cancel_and_wait([self.task], _STOP_WAIT_S, f"webhook deliveries to {self.endpoint_id}")
