"""What the benchmark reads about processes from /proc (Linux): parents, memory, CPU time."""

from __future__ import annotations

import os
from pathlib import Path

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat after the command name (which may hold spaces): state, ppid, ..."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None


def parents() -> dict[int, int]:
    """pid -> parent pid, for every process alive now."""
    found = {}
    for pid in pids():
        if fields := _stat_fields(pid):
            found[pid] = int(fields[1])
    return found


def children(parent: int) -> list[int]:
    return [pid for pid, ppid in parents().items() if ppid == parent]


def descendants(root: int) -> set[int]:
    tree, frontier = parents(), {root}
    found: set[int] = set()
    while frontier:
        frontier = {pid for pid, ppid in tree.items() if ppid in frontier} - found
        found |= frontier
    return found


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time the process has used so far."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND if fields else None


def title(pid: int) -> str:
    """The command line, or the title a process gave itself (PostgreSQL backends do)."""
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


def peak_rss_kib(pid: int) -> int | None:
    """VmHWM: the most resident memory the process has had since it started."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None
