"""How many CPUs this process may use: the base of gunicorn's default worker count.

``os.cpu_count()`` counts the host's CPUs. Inside a container that is the wrong number twice
over: the process may be pinned to a few of them (its affinity, ``docker run --cpuset-cpus``),
and its cgroup may allow it only a share of their time (a CPU quota, ``docker run --cpus``,
Kubernetes' CPU limit). Either caps what more workers could use, so the usable count is the
smaller of the two: the affinity, and the quota rounded up to whole CPUs.

cgroup v2 keeps the quota in ``cpu.max`` (``"<quota> <period>"``, or ``"max <period>"`` for none),
on the process's own cgroup or any parent of it; cgroup v1 in ``cpu.cfs_quota_us`` (``-1``: none)
and ``cpu.cfs_period_us``.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_SELF_CGROUP = Path("/proc/self/cgroup")


def usable_cpu_count(cgroup_root: Path = CGROUP_ROOT, proc_self_cgroup: Path = PROC_SELF_CGROUP) -> int:
    """The CPUs this process may run on, capped by its cgroup's CPU quota; at least 1."""
    count = _affinity_count()
    quota = cgroup_cpu_quota(cgroup_root, proc_self_cgroup)
    if quota is not None:
        count = min(count, max(1, math.ceil(quota)))
    return max(1, count)


def _affinity_count() -> int:
    if hasattr(os, "sched_getaffinity"):  # Linux; elsewhere every CPU is ours
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def cgroup_cpu_quota(cgroup_root: Path = CGROUP_ROOT, proc_self_cgroup: Path = PROC_SELF_CGROUP) -> float | None:
    """The CPU time this process's cgroup may use, in CPUs (``1.5``: one and a half), or None
    when no quota is set or none can be read."""
    try:
        memberships = proc_self_cgroup.read_text().splitlines()
    except OSError:
        return None
    quotas = []
    for line in memberships:
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if hierarchy == "0" and controllers == "":
            quotas += _v2_quotas(cgroup_root, path)
        elif "cpu" in controllers.split(","):
            quotas += _v1_quotas(cgroup_root / controllers, path)
    return min(quotas, default=None)


def _own_and_parents(root: Path, path: str) -> list[Path]:
    """The cgroup's directory and its parents', up to the root. Inside a container's cgroup
    namespace the path is ``/``, and the container's own cgroup is the root."""
    parts = [part for part in path.split("/") if part]
    return [root.joinpath(*parts[:depth]) for depth in range(len(parts), -1, -1)]


def _v2_quotas(root: Path, path: str) -> list[float]:
    quotas = []
    for directory in _own_and_parents(root, path):
        try:
            quota, period = (directory / "cpu.max").read_text().split()
            if quota != "max":
                quotas.append(int(quota) / int(period))
        except (OSError, ValueError, ZeroDivisionError):
            continue  # no such file at this level, or nothing we can read as a quota
    return quotas


def _v1_quotas(root: Path, path: str) -> list[float]:
    if not root.is_dir():  # the controller may be mounted as cpu,cpuacct only
        root = root.parent / "cpu"
    quotas = []
    for directory in _own_and_parents(root, path):
        try:
            quota = int((directory / "cpu.cfs_quota_us").read_text())
            period = int((directory / "cpu.cfs_period_us").read_text())
        except (OSError, ValueError):
            continue  # no such file at this level, or nothing we can read as a quota
        if quota > 0 and period > 0:
            quotas.append(quota / period)
    return quotas
