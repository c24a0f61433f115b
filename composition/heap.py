"""How a long-lived service process treats its heap once it serves.

CPython's full collection walks every container object the process holds. A service holds 130,000 to
140,000 that start-up built and that never become garbage (modules, classes, protobuf descriptors,
gRPC, OpenTelemetry, the projections' handlers), and each full collection walked them all again: two
or three times in an 8-second lag run, 100-900 ms each on a busy 2-core machine, a pause that every
command, event and read in flight waited out (docs/read-side.md, "Lag: garbage collection").
Frozen, they are never walked again; what the process makes while serving is collected as before,
cycles included, at the interpreter's usual thresholds."""

from __future__ import annotations

import gc


def settle_heap() -> None:
    """Call once the process serves: collect what start-up left, then freeze the survivors."""
    gc.collect()
    gc.freeze()
