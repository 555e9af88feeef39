"""Turning wrk's numbers into the per-run record, the printed tables and the results file."""

from __future__ import annotations

import json
import statistics
from datetime import datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"
SOCKET_ERRORS = ("connect", "read", "write", "timeout")

_COLUMNS = (
    ("scenario", "{scenario}", 10),
    ("app", "{app}", 5),
    ("conns", "{connections}", 5),
    ("rows", "{table_rows:,}", 9),
    ("req/s", "{rps:,.0f}", 7),
    ("p50 ms", "{latency_ms[p50]:.1f}", 7),
    ("p90 ms", "{latency_ms[p90]:.1f}", 7),
    ("p99 ms", "{latency_ms[p99]:.1f}", 7),
    ("non-2xx", "{non_2xx}", 7),
    ("sock err", "{socket_error_total}", 8),
    ("sql/req", "{sql_per_request:g}", 7),
    ("orm/req", "{orm_text}", 7),
    ("RSS max/mean MiB", "{rss[max_mib]:.0f} / {rss[mean_mib]:.0f}", 16),
    ("other CPU", "{other_cpu_percent:.0f}%", 9),
    ("steal", "{steal_percent:.0f}%", 5),
)
NOISY_PERCENT = 10


def run_record(wrk: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """One measured run: wrk's JSON reduced to the figures the report shows, plus ``fields``."""
    seconds = wrk["duration_us"] / 1e6
    non_2xx = {code: n for code, n in wrk["status"].items() if not 200 <= int(code) < 300}
    return {
        **fields,
        "seconds": round(seconds, 2),
        "requests": wrk["requests"],
        "rps": round(wrk["requests"] / seconds, 1),
        "latency_ms": {k: round(v / 1000, 2) for k, v in wrk["latency_us"].items()},
        "status": wrk["status"],
        "non_2xx": sum(non_2xx.values()),
        "non_2xx_by_status": non_2xx,
        "socket_errors": {k: wrk["errors"][k] for k in SOCKET_ERRORS},
        "bytes": wrk["bytes"],
    }


def print_table(runs: list[dict[str, Any]]) -> None:
    print(_row([title for title, _, _ in _COLUMNS]))
    print(_row(["-" * width for _, _, width in _COLUMNS]))
    for run in runs:
        orm = run["orm_queries_per_request"]
        values = {
            **run,
            "socket_error_total": sum(run["socket_errors"].values()),
            "orm_text": "-" if orm is None else f"{orm:g}",
        }
        print(_row([fmt.format(**values) for _, fmt, _ in _COLUMNS]))
    for run in runs:
        for warning in _warnings(run):
            print(f"  ! {run['scenario']} ({run['app']}, {run['connections']} conns): {warning}")


def _warnings(run: dict[str, Any]) -> list[str]:
    found = []
    if run["non_2xx"] or any(run["socket_errors"].values()):
        found.append(f"non-2xx {run['non_2xx_by_status']}, socket errors {run['socket_errors']}")
    if run["other_cpu_percent"] > NOISY_PERCENT:
        found.append(f"other processes used {run['other_cpu_percent']:.0f}% of the CPUs; repeat")
    if run.get("steal_percent", 0) > NOISY_PERCENT:
        found.append(f"the hypervisor withheld {run['steal_percent']:.0f}% of the CPUs (steal); repeat")
    return found


def _row(cells: list[str]) -> str:
    return "  ".join(cell.rjust(width) for cell, (_, _, width) in zip(cells, _COLUMNS, strict=True))


def ratios(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """ours / floor throughput for every scenario and connection count measured on both: the
    median of the ratios of adjacent pairs (each pair ran one after the other, so both saw the
    same machine), with every pair's ratio alongside."""
    by_key = {(r["scenario"], r["connections"], r.get("pair", 1), r["app"]): r["rps"] for r in runs}
    grouped: dict[tuple[str, int], list[tuple[float, float]]] = {}
    for (scenario, connections, pair, app), ours in by_key.items():
        floor = by_key.get((scenario, connections, pair, "floor"))
        if app == "ours" and floor:
            grouped.setdefault((scenario, connections), []).append((ours, floor))
    out = []
    for (scenario, connections), pairs in grouped.items():
        pair_ratios = [round(ours / floor, 3) for ours, floor in pairs]
        out.append(
            {
                "scenario": scenario,
                "connections": connections,
                "ours_rps": statistics.median(ours for ours, _ in pairs),
                "floor_rps": statistics.median(floor for _, floor in pairs),
                "ours_over_floor": round(statistics.median(pair_ratios), 3),
                "pair_ratios": pair_ratios,
            }
        )
    return out


def print_background(runs: list[dict[str, Any]]) -> None:
    """Other users' list while one heavy user works, beside the plain list at the same load."""
    plain = {r["connections"]: r for r in runs if r["scenario"] == "list" and r["app"] == "ours"}
    for run in runs:
        if "background" not in run:
            continue
        base = plain.get(run["connections"])
        heavy = run["background"]
        versus = f" (plain list: p50 {base['latency_ms']['p50']:.1f} ms, p99 {base['latency_ms']['p99']:.1f} ms)" if base else ""
        print(
            f"\n{run['scenario']}: other users' list p50 {run['latency_ms']['p50']:.1f} ms, "
            f"p99 {run['latency_ms']['p99']:.1f} ms{versus}; the heavy user got {heavy['rps']:,.1f} req/s, "
            f"p50 {heavy['latency_ms']['p50']:.0f} ms, non-2xx {heavy['non_2xx_by_status'] or 0}"
        )


def print_ratios(rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    print("\nours / floor (throughput; medians of adjacent pairs):")
    for row in rows:
        spread = ""
        if len(row["pair_ratios"]) > 1:
            spread = f"   (pairs: {', '.join(f'{r:.2f}' for r in row['pair_ratios'])})"
        print(
            f"  {row['scenario']:<10} {row['connections']:>3} conns: {row['ours_rps']:>7,.0f} / "
            f"{row['floor_rps']:>7,.0f} req/s = {row['ours_over_floor']:.2f}{spread}"
        )


def write_results(started: datetime, document: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path
