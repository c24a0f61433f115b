"""Which failures tell a caller "a dependency is away, retry" (UNAVAILABLE) rather than "a bug" (INTERNAL)."""

from __future__ import annotations

import psycopg
import pytest
import redis.exceptions
from nats import errors as nats_errors
from psycopg_pool import PoolTimeout

from support.unavailable import unavailable_dependency


@pytest.mark.parametrize(("failure", "dependency"), [
    (psycopg.errors.AdminShutdown("terminating connection due to administrator command"), "postgresql"),
    (psycopg.OperationalError("connection refused"), "postgresql"),
    (PoolTimeout("couldn't get a connection after 3.00 sec"), "postgresql"),
    (psycopg.InterfaceError("the connection is closed"), "postgresql"),
    (redis.exceptions.ConnectionError("Connection closed by server."), "redis"),
    (redis.exceptions.TimeoutError("Timeout reading from socket"), "redis"),
    (nats_errors.NoServersError(), "nats"),
])
def test_a_dependency_failure_is_told_as_that_dependency_unavailable(failure: Exception, dependency: str) -> None:
    assert unavailable_dependency(failure) == dependency


def test_a_dependency_failure_is_found_behind_the_exception_that_wraps_it() -> None:
    try:
        try:
            raise psycopg.errors.AdminShutdown("terminating connection")
        except psycopg.Error as exc:
            raise RuntimeError("commit failed") from exc
    except RuntimeError as wrapped:
        assert unavailable_dependency(wrapped) == "postgresql"


@pytest.mark.parametrize("failure", [ValueError("bad"), KeyError("k"), psycopg.errors.UniqueViolation("dup")])
def test_a_bug_or_a_refused_statement_is_not_a_dependency_away(failure: Exception) -> None:
    assert unavailable_dependency(failure) is None
