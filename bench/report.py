"""Medians over runs, the results JSON and the markdown table."""

from __future__ import annotations

import json
import math
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.harness import summarize_runs
from bench.model import Row, Scenario

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass
class ScenarioResult:
    scenario: Scenario
    runs: list[dict[str, float]] = field(default_factory=list)
    not_measured: str | None = None
    skipped_runs: int = 0
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, dict[str, float]]:
        keys: list[str] = []
        for run in self.runs:
            keys += [k for k in run if k not in keys]
        return {k: summarize_runs([r[k] for r in self.runs if k in r]) for k in keys}


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return text


def row_values(row: Row, summary: dict[str, dict[str, float]]) -> dict[str, Any]:
    lm = summary.get(row.metric)
    base = summary.get(row.baseline) if row.baseline else None
    ratio = None
    if lm and base and base["median"] and not math.isnan(base["median"]) and not math.isnan(lm["median"]):
        ratio = lm["median"] / base["median"]
    met = row.goal.met(lm["median"], ratio) if (row.goal and lm) else None
    return {"lm": lm, "baseline": base, "ratio": ratio, "met": met}


def markdown(results: list[ScenarioResult], meta: dict[str, Any]) -> str:
    lines = [
        f"# LedgerMesh benchmark: {meta['started_at']}",
        "",
        f"Mode `{meta['size']}`, {meta['runs']} runs per scenario (medians, [min–max]); host {meta['host']}, "
        f"{meta['cpus']} CPUs, load average at start {meta['loadavg']}. "
        "Ratio = LedgerMesh median / baseline median, measured in the same run.",
        "",
        "| scenario | metric | LedgerMesh median [min–max] | baseline median | ratio | goal | met? |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for result in results:
        s = result.scenario
        if result.not_measured:
            for row in s.rows:
                goal = row.goal.text if row.goal else ""
                lines.append(f"| {s.name} | {row.label} | TODO: not measured ({result.not_measured}) | | | {goal} | — |")
            continue
        summary = result.summary()
        for row in s.rows:
            v = row_values(row, summary)
            lm = v["lm"]
            if lm is None or lm["n"] == 0:
                cell = "n/a (run failed)"
            else:
                cell = f"{_fmt(lm['median'])} {row.unit} [{_fmt(lm['min'])}–{_fmt(lm['max'])}]"
            base = f"{_fmt(v['baseline']['median'])} ({row.baseline_label})" if v["baseline"] else ""
            ratio = f"{v['ratio']:.2f}x" if v["ratio"] is not None else ""
            goal = row.goal.text if row.goal else ""
            met = {True: "yes", False: "**NO**", None: "—"}[v["met"]] if row.goal else ""
            lines.append(f"| {s.name} | {row.label} | {cell} | {base} | {ratio} | {goal} | {met} |")
    lines.append("")
    for result in results:
        runs = len(result.runs)
        extra = f", {result.skipped_runs} skipped (time budget)" if result.skipped_runs else ""
        fails = f", {len(result.failures)} failed" if result.failures else ""
        lines.append(f"- **{result.scenario.name}** ({result.scenario.title}): {runs} runs{extra}{fails}.")
        for note in result.notes:
            lines.append(f"  - {note}")
        for failure in result.failures[:3]:
            lines.append(f"  - failure: {failure}")
    lines.append("")
    return "\n".join(lines)


def to_json(results: list[ScenarioResult], meta: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"meta": meta, "scenarios": {}}
    for result in results:
        summary = result.summary()
        out["scenarios"][result.scenario.name] = {
            "title": result.scenario.title,
            "not_measured": result.not_measured,
            "runs": result.runs,
            "skipped_runs": result.skipped_runs,
            "failures": result.failures,
            "notes": result.notes,
            "summary": summary,
            "table": [
                {"metric": row.metric, "label": row.label, "unit": row.unit, "baseline": row.baseline,
                 "goal": row.goal.text if row.goal else None,
                 **{k: v for k, v in row_values(row, summary).items()}}
                for row in result.scenario.rows
            ] if not result.not_measured else [],
        }
    return out


def _finite(value: Any) -> Any:
    """NaN (a metric a run could not produce) becomes null, so the file is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def write(results: list[ScenarioResult], meta: dict[str, Any], directory: Path = RESULTS_DIR) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    json_path = directory / f"{stamp}.json"
    json_path.write_text(json.dumps(_finite(to_json(results, meta)), indent=2, default=str, allow_nan=False))
    md_path = directory / "latest.md"
    md_path.write_text(markdown(results, meta))
    return json_path, md_path


def environment(size: str, runs: int) -> dict[str, Any]:
    import os

    return {
        "started_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ"),
        "size": size,
        "runs": runs,
        "host": platform.node(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
