"""How much of the machine something else used while a run was measured.

On a small shared machine a test suite or a browser started by someone else takes CPU from the
server under test, and the figures drop with no sign of why. This meter reports the CPU used
during the run by processes that are not part of the benchmark: all busy CPU time (/proc/stat)
minus what the benchmark itself used (this process, its children — gunicorn and its workers,
wrk — and the PostgreSQL backends connected to the bench database). A few percent is a quiet
run; tens of percent means the run was disturbed and should be repeated.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import procfs


def _cpu_fields() -> list[int]:
    return list(map(int, Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]))


def busy_seconds() -> float:
    """CPU time spent in processes since boot (user, nice, system) or taken by the hypervisor
    (steal). Interrupt time is left out: it is mostly the loopback traffic of the run itself."""
    user, nice, system, _idle, _iowait, _irq, _softirq, steal = _cpu_fields()
    return (user + nice + system + steal) / procfs.TICKS_PER_SECOND


def steal_seconds() -> float:
    """CPU time the hypervisor gave to other machines while ours had work to run (steal)."""
    return _cpu_fields()[7] / procfs.TICKS_PER_SECOND


def _own_seconds() -> float:
    """This process, and its children already waited for (wrk once it has finished)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


@dataclass
class CpuMeter:
    database: str
    other_cpu_percent: float = 0.0
    steal_percent: float = 0.0

    def _benchmark_processes(self) -> dict[int, float]:
        """CPU seconds so far of our live children and of the bench database's backends
        (titled "postgres: [<cluster>:] <user> <database> <client> <state>" or
        "postgres: [<cluster>:] autovacuum worker <database>")."""
        backends = set()
        for pid in procfs.pids():
            words = procfs.title(pid).split()
            if words[:1] == ["postgres:"] and self.database in words[:5]:
                backends.add(pid)
        found = {}
        for pid in procfs.descendants(os.getpid()) | backends:
            if (seconds := procfs.cpu_seconds(pid)) is not None:
                found[pid] = seconds
        return found

    @contextmanager
    def measuring(self) -> Iterator[CpuMeter]:
        """Measure the block; read the end before anything started in it is stopped."""
        wall, busy, own, steal = time.monotonic(), busy_seconds(), _own_seconds(), steal_seconds()
        before = self._benchmark_processes()
        yield self
        after = self._benchmark_processes()
        ours = _own_seconds() - own + sum(t - before.get(pid, 0.0) for pid, t in after.items())
        other = max(0.0, busy_seconds() - busy - ours)
        capacity = (time.monotonic() - wall) * (os.cpu_count() or 1)
        self.other_cpu_percent = round(100 * other / capacity, 1)
        self.steal_percent = round(100 * (steal_seconds() - steal) / capacity, 1)
