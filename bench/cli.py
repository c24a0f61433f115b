"""Runs the scenarios, each `runs` times, and writes bench/results/<timestamp>.json and latest.md."""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
import traceback
from pathlib import Path

from bench import report
from bench.harness import Servers, log
from bench.model import RunContext, Scenario, Size
from bench.scenarios import SCENARIOS


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description="LedgerMesh benchmarks with baselines.")
    parser.add_argument("--quick", action="store_true", help="3 runs, tiny sizes (a smoke check, not a measurement)")
    parser.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)  # the test suite: 1 run, minimal
    parser.add_argument("--scenarios", default="", help=f"comma-separated subset of: {','.join(SCENARIOS)}")
    parser.add_argument("--runs", type=int, default=0, help="runs per scenario (default 5; --quick 3)")
    parser.add_argument("--out", type=Path, default=report.RESULTS_DIR, help="results folder")
    return parser.parse_args(argv)


async def run_scenario(scenario: Scenario, ctx: RunContext, runs: int) -> report.ScenarioResult:
    result = report.ScenarioResult(scenario)
    reason = scenario.unavailable()
    if reason:
        log(f"{scenario.name}: not measured: {reason}")
        result.not_measured = reason
        return result
    started = time.monotonic()
    try:
        if scenario.prepare is not None:
            await scenario.prepare(ctx)
        runs_started = time.monotonic()
        for i in range(runs):
            spent = time.monotonic() - started
            next_run = (time.monotonic() - runs_started) / i if i else 0.0
            if ctx.size is Size.FULL and i >= 3 and spent + next_run > scenario.budget_s:
                result.skipped_runs = runs - i
                log(f"{scenario.name}: time budget {scenario.budget_s:.0f}s spent; skipping {runs - i} runs")
                break
            log(f"{scenario.name}: run {i + 1}/{runs}")
            t0 = time.monotonic()
            try:
                metrics = await scenario.run(ctx)
            except Exception as exc:  # noqa: BLE001 - one failed run is reported, the others still count
                traceback.print_exc()
                result.failures.append(f"run {i + 1}: {type(exc).__name__}: {str(exc)[:300]}")
                continue
            notes = metrics.pop("_notes", None) if isinstance(metrics, dict) else None
            if isinstance(notes, list):
                result.notes = list(dict.fromkeys([*result.notes, *notes]))
            errors = {k: v for k, v in metrics.items() if k.endswith("_errors") and v}
            if errors:
                result.notes.append(f"run {i + 1}: failed calls (not in the latencies): "
                                    + ", ".join(f"{k}={v:g}" for k, v in errors.items()))
            result.runs.append(metrics)
            log(f"{scenario.name}: run {i + 1} done in {time.monotonic() - t0:.1f}s: " + ", ".join(
                f"{k}={v:.4g}" for k, v in list(metrics.items())[:8]))
    finally:
        if scenario.cleanup is not None:
            await scenario.cleanup(ctx)
    for k, v in result.summary().items():
        ctx.session[f"{scenario.name}.{k}"] = v["median"]
    log(f"{scenario.name}: finished in {time.monotonic() - started:.1f}s")
    return result


async def run_all(args: argparse.Namespace) -> list[report.ScenarioResult]:
    size = Size.SMOKE if args.smoke else Size.QUICK if args.quick else Size.FULL
    runs = args.runs or (1 if size is Size.SMOKE else 3 if size is Size.QUICK else 5)
    wanted = [s.strip() for s in args.scenarios.split(",") if s.strip()] or list(SCENARIOS)
    unknown = [w for w in wanted if w not in SCENARIOS]
    if unknown:
        raise SystemExit(f"unknown scenarios: {', '.join(unknown)} (known: {', '.join(SCENARIOS)})")
    meta = report.environment(size.value, runs)
    servers = Servers.start()
    log(f"mode {size.value}, {runs} runs, scenarios {','.join(wanted)}; PostgreSQL {servers.database_url}, "
        f"Redis {servers.redis_url}, NATS {servers.nats_url}; load average {meta['loadavg']}")
    ctx = RunContext(servers, size)
    results = []
    started = time.monotonic()
    try:
        for name in wanted:
            results.append(await run_scenario(SCENARIOS[name], ctx, runs))
    finally:
        servers.stop()
    meta["elapsed_s"] = round(time.monotonic() - started, 1)
    json_path, md_path = report.write(results, meta, args.out)
    log(f"all done in {meta['elapsed_s']}s: {json_path} and {md_path}")
    print(md_path.read_text())
    args.written = json_path
    return results


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING)
    args = parse(argv)
    asyncio.run(run_all(args))
    return 0
