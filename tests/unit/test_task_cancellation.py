"""Stopping tasks whose cancellation a library dropped (support/cancellation.py): on Python 3.11,
`asyncio.wait_for` (inside nats-py's request) returns the result that arrives with the cancellation
and forgets the cancellation; a consumer loop that ends only by cancellation then runs on, and
whoever waits for it after `cancel()` waits forever (the teardown hang of the poison-event test)."""

from __future__ import annotations

import asyncio

from support.cancellation import cancel_and_wait, honour_dropped_cancel


class Consumer:
    """A loop shaped like the projector's: it waits for a reply the way nats-py's request does."""

    def __init__(self, honour: bool) -> None:
        self.honour = honour
        self.reply = asyncio.Event()
        self.replied_laps = 0

    async def run(self) -> None:
        while True:
            if self.honour:
                honour_dropped_cancel()
            self.reply.clear()
            try:
                await asyncio.wait_for(self.reply.wait(), timeout=0.25)
            except TimeoutError:
                continue
            self.replied_laps += 1


async def _cancel_as_the_reply_lands(consumer: Consumer) -> asyncio.Task[None]:
    task = asyncio.create_task(consumer.run())
    await asyncio.sleep(0.01)
    consumer.reply.set()
    # The waiting task wakes once the reply's waiter has completed: cancelling in between is the
    # moment Python 3.11's wait_for loses the cancellation.
    for _ in range(2):
        await asyncio.sleep(0)
    task.cancel()
    return task


async def test_a_consumer_that_honours_a_dropped_cancellation_ends_when_cancelled() -> None:
    consumer = Consumer(honour=True)
    task = await _cancel_as_the_reply_lands(consumer)

    assert await cancel_and_wait([task], timeout=5.0, what="consumer") == []
    assert task.cancelled()


async def test_cancel_and_wait_asks_again_until_a_task_ends() -> None:
    # Without honouring the dropped cancellation the loop runs on after the first cancel; the stop
    # path's next cancellation reaches it while it waits.
    consumer = Consumer(honour=False)
    task = await _cancel_as_the_reply_lands(consumer)

    assert await cancel_and_wait([task], timeout=5.0, what="consumer") == []
    assert task.cancelled()


async def test_a_task_that_refuses_to_stop_is_reported_and_not_waited_for_forever() -> None:
    released = asyncio.Event()

    async def stubborn() -> None:
        while not released.is_set():
            try:
                await asyncio.sleep(1.0)
            except asyncio.CancelledError:
                continue

    task = asyncio.create_task(stubborn(), name="stubborn")
    await asyncio.sleep(0)

    assert await cancel_and_wait([task], timeout=0.3, what="stubborn tasks") == [task]
    assert not task.done()
    released.set()
    await cancel_and_wait([task], timeout=5.0, what="stubborn tasks")
    assert task.done()
