"""A serving process keeps what start-up built out of full collections, and still collects the garbage
it makes while serving (composition/heap.py). Run in a fresh interpreter: freezing is process-wide."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

_PROGRAM = textwrap.dedent("""
    import gc
    import weakref

    import composition.system  # what a service imports before it serves
    from composition.heap import settle_heap

    settle_heap()
    frozen = gc.get_freeze_count()

    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle made while serving: only the collector can free it
    gone = weakref.ref(a)
    del a, b
    gc.collect()
    print(frozen, gone() is None)
""")


def test_a_serving_process_freezes_start_up_objects_and_still_frees_new_cycles() -> None:
    result = subprocess.run([sys.executable, "-c", _PROGRAM], cwd=REPO, capture_output=True, text=True,
                            timeout=60, env={"PYTHONPATH": f"{REPO}:{REPO / 'gen'}"}, check=True)
    frozen, freed = result.stdout.split()
    assert int(frozen) > 10_000
    assert freed == "True"
