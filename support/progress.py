"""A progress line on stderr for long CLI work: bar, count, rate and ETA. Redrawn at most 10 times a
second; plain lines instead of redraws when stderr is not a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class ProgressBar:
    def __init__(self, label: str, stream: TextIO | None = None, width: int = 30) -> None:
        self._label = label
        self._stream = stream or sys.stderr
        self._width = width
        self._started = time.monotonic()
        self._drawn = 0.0
        self._tty = self._stream.isatty()
        self._every = 0.1 if self._tty else 5.0

    def __call__(self, done: int, position: int, head: int) -> None:
        """`done` events so far; `position` of `head` is how far through the log the work is."""
        now = time.monotonic()
        final = head > 0 and position >= head
        if not final and now - self._drawn < self._every:
            return
        self._drawn = now
        elapsed = max(now - self._started, 1e-6)
        fraction = min(1.0, position / head) if head else 1.0
        rate = done / elapsed
        eta = elapsed * (1 - fraction) / fraction if fraction > 0 else 0.0
        filled = int(fraction * self._width)
        line = (f"{self._label} [{'#' * filled}{'.' * (self._width - filled)}] {fraction:6.1%} "
                f"{done:,} events {rate:,.0f}/s ETA {_clock(eta)}")
        self._stream.write(("\r" + line) if self._tty else line + "\n")
        self._stream.flush()

    def close(self) -> None:
        if self._tty:
            self._stream.write("\n")
            self._stream.flush()
