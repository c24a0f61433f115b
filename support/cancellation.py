"""Stopping tasks that may not hear their first cancellation, within a bound.

On Python 3.11, `asyncio.wait_for` returns the awaited result when the cancellation arrives in the
same loop iteration as that result, and the cancellation is lost (CPython gh-86296, fixed in 3.12 by
building wait_for on `asyncio.timeout`). nats-py's request (every JetStream publish, ack-sync and API
call) waits with it, so a task cancelled while a reply lands carries on as if nothing was asked; a
loop that only ends by cancellation then never ends, and whoever awaits it after `cancel()` hangs.
The request is not forgotten: `Task.cancelling()` still counts it. Loops that end by cancellation
honour that count, and stop paths cancel again until the task ends or their time is up."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

log = logging.getLogger(__name__)

# How often a task that has not ended yet is cancelled again.
_RECANCEL_EVERY_S = 0.1


def honour_dropped_cancel() -> None:
    """Raise CancelledError if this task was asked to cancel and a library swallowed the request."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def cancel_and_wait(tasks: Sequence[asyncio.Future[Any]], timeout: float, what: str) -> list[asyncio.Future[Any]]:
    """Cancel `tasks` and wait at most `timeout` seconds for them to end, cancelling again those still
    running (their first cancellation may have been dropped). Returns (and logs) those that did not
    end: a stop path goes on with the rest instead of hanging on one of them."""
    pending = {task for task in tasks if not task.done()}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while pending:
        for task in pending:
            task.cancel()
        left = deadline - loop.time()
        if left <= 0:
            break
        _, pending = await asyncio.wait(pending, timeout=min(_RECANCEL_EVERY_S, left))
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.debug("%s: a task ended with %r while stopping", what, task.exception())
    if pending:
        log.error("%s: %d task(s) still running %.1f s after being cancelled: %s", what, len(pending), timeout,
                  ", ".join(_name(task) for task in pending))
    return list(pending)


def _name(task: asyncio.Future[Any]) -> str:
    return task.get_name() if isinstance(task, asyncio.Task) else repr(task)
