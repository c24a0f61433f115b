"""Application tests: the real use cases on in-memory ports (tests/application/harness.py)."""

from __future__ import annotations

import pytest

from tests.application.harness import CommandSide


@pytest.fixture
def side() -> CommandSide:
    return CommandSide()
