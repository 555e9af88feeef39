"""The CPUs this process may use (todo_backend/cpus.py): its affinity, capped by a cgroup quota."""

from __future__ import annotations

from pathlib import Path

import pytest

from todo_backend import cpus


def cgroup_v2(tmp_path: Path, own: str, parent: str | None = None) -> tuple[Path, Path]:
    """A cgroup v2 tree where this process is in /app/web, with ``cpu.max`` lines."""
    root = tmp_path / "cgroup"
    (root / "app" / "web").mkdir(parents=True)
    (root / "app" / "web" / "cpu.max").write_text(own + "\n")
    if parent is not None:
        (root / "app" / "cpu.max").write_text(parent + "\n")
    proc = tmp_path / "proc-self-cgroup"
    proc.write_text("0::/app/web\n")
    return root, proc


@pytest.fixture
def eight_cpus(monkeypatch):
    monkeypatch.setattr(cpus.os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)


def test_without_a_quota_the_usable_cpus_are_the_affinity(tmp_path, eight_cpus):
    root, proc = cgroup_v2(tmp_path, "max 100000")
    assert cpus.usable_cpu_count(root, proc) == 8


def test_a_quota_caps_the_count_rounded_up_to_whole_cpus(tmp_path, eight_cpus):
    root, proc = cgroup_v2(tmp_path, "150000 100000")
    assert cpus.cgroup_cpu_quota(root, proc) == 1.5
    assert cpus.usable_cpu_count(root, proc) == 2


def test_a_quota_under_one_cpu_still_counts_one(tmp_path, eight_cpus):
    root, proc = cgroup_v2(tmp_path, "25000 100000")
    assert cpus.usable_cpu_count(root, proc) == 1


def test_a_parents_quota_applies_when_it_is_the_smaller(tmp_path, eight_cpus):
    root, proc = cgroup_v2(tmp_path, "400000 100000", parent="200000 100000")
    assert cpus.usable_cpu_count(root, proc) == 2


def test_a_quota_larger_than_the_affinity_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(cpus.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    root, proc = cgroup_v2(tmp_path, "800000 100000")
    assert cpus.usable_cpu_count(root, proc) == 2


def test_a_cgroup_v1_quota_is_read_too(tmp_path, eight_cpus):
    controller = tmp_path / "cgroup" / "cpu,cpuacct"
    (controller / "docker" / "abc").mkdir(parents=True)
    (controller / "docker" / "abc" / "cpu.cfs_quota_us").write_text("300000\n")
    (controller / "docker" / "abc" / "cpu.cfs_period_us").write_text("100000\n")
    proc = tmp_path / "proc-self-cgroup"
    proc.write_text("5:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n")
    assert cpus.usable_cpu_count(tmp_path / "cgroup", proc) == 3


def test_a_cgroup_v1_quota_of_minus_one_is_no_quota(tmp_path, eight_cpus):
    controller = tmp_path / "cgroup" / "cpu"
    controller.mkdir(parents=True)
    (controller / "cpu.cfs_quota_us").write_text("-1\n")
    (controller / "cpu.cfs_period_us").write_text("100000\n")
    proc = tmp_path / "proc-self-cgroup"
    proc.write_text("4:cpu:/\n")
    assert cpus.cgroup_cpu_quota(tmp_path / "cgroup", proc) is None


def test_no_cgroup_information_means_the_affinity(tmp_path, eight_cpus):
    assert cpus.usable_cpu_count(tmp_path / "none", tmp_path / "no-proc-file") == 8


def test_this_process_counts_at_least_one_and_no_more_than_the_host():
    assert 1 <= cpus.usable_cpu_count() <= (cpus.os.cpu_count() or 1)
