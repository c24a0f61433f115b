"""The read-side operations commands, run as a user runs them: `python -m composition.cli ...` against
the test's PostgreSQL schema and Redis prefix."""

from __future__ import annotations

import asyncio
import os
import sys

from projector.rebuild import parse_where
from tests.integration.projections_support import Stack, stack  # noqa: F401 - fixture


async def _cli(stack: Stack, *args: str) -> tuple[int, str, str]:
    s = stack.infra.settings
    env = {**os.environ, "DATABASE_URL": s.database_url or "", "REDIS_URL": s.redis_url or "",
           "LEDGERMESH_DB_SCHEMA": s.db_schema, "LEDGERMESH_REDIS_PREFIX": s.redis_prefix,
           "LEDGERMESH_DATA_DIR": str(s.data_dir), "PYTHONPATH": ".:gen"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "composition.cli", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_reconcile_lag_rebuild_replay_and_dlq_from_the_command_line(stack: Stack) -> None:
    stack.start_projector()
    merchant = await stack.merchant()
    for amount in (5_000, 150_000, 250_000):
        await stack.charge(merchant, amount)
    await stack.settle()

    code, out, _ = await _cli(stack, "reconcile")
    assert code == 0 and "0 differ" in out
    await stack.infra.redis.hincrby(f"{stack.prefix}bal:{merchant.account_id}", "usd:pending", 77)
    code, out, _ = await _cli(stack, "reconcile")
    assert code == 1 and f"{merchant.account_id} usd: pending" in out and "(diff +77)" in out
    assert "CHARGE" in out and "1 differ" in out

    code, out, _ = await _cli(stack, "rebuild", "balance", "--dry-run")
    assert code == 1 and "1 changed" in out
    code, out, err = await _cli(stack, "rebuild", "balance")
    assert code == 0 and "switched" in out and "ETA" in err
    code, out, _ = await _cli(stack, "reconcile")
    assert code == 0, out

    code, out, err = await _cli(stack, "replay", "--projection", "analytics", "--types", "PaymentAuthorized",
                                "--since", "30d", "--where", "amount>100000")
    expected = await stack.scalar(
        "SELECT count(*) FROM events WHERE event_type = 'PaymentAuthorized' AND (event_data->>'amount')::numeric > 100000")
    assert code == 0 and out.startswith(f"{expected} matching events") and expected == 2
    assert "ETA" in err

    code, out, _ = await _cli(stack, "lag")
    assert code == 0 and "charges" in out and "UNHEALTHY" not in out
    code, out, _ = await _cli(stack, "dlq", "list", "charges")
    assert code == 0 and "0 dead letters for charges" in out


def test_where_accepts_numbers_text_and_nested_fields() -> None:
    sql, params = parse_where("amount>=100000 and card.country=US")
    assert sql == "(event_data #>> %(wp0)s)::numeric >= %(wv0)s AND (event_data #>> %(wp1)s) = %(wv1)s"
    assert params == {"wp0": ["amount"], "wv0": 100000, "wp1": ["card", "country"], "wv1": "US"}
