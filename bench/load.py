"""Load generation: the requests of a scenario, written for wrk, and wrk's answer read back.

wrk runs as its own process on loopback; ``wrk/replay.lua`` sends the requests written here and
prints its statistics as one JSON line, with exact percentiles from wrk's latency histogram.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.server import process_group

REPLAY_LUA = Path(__file__).resolve().parent / "wrk" / "replay.lua"
RESULT_PREFIX = "BENCH_RESULT "


@dataclass(frozen=True)
class Request:
    """One HTTP request; ``{id}`` in ``path`` is the id the group's last 201 answer carried."""

    method: str
    path: str
    token: str
    body: str = ""

    def line(self) -> str:
        if any("\t" in part or "\n" in part for part in (self.path, self.token, self.body)):
            raise ValueError(f"request fields cannot contain tabs or newlines: {self}")
        return f"{self.method}\t{self.path}\t{self.token}\t{self.body}"


Group = list[Request]  # what one user does in sequence (a single request for most scenarios)


@dataclass(frozen=True)
class LoadSpec:
    url: str
    groups: list[Group]
    connections: int
    threads: int
    seconds: int
    timeout_seconds: int


def ensure_wrk() -> str:
    """The wrk binary; installed from Debian (apt-get) when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("wrk is not installed: run `sudo apt-get install -y wrk` and try again.")
    print("wrk is missing: installing it with apt-get ...", flush=True)
    if _apt_get("install", "-y", "wrk") != 0:  # perhaps no package lists yet
        _apt_get("update")
        _apt_get("install", "-y", "wrk")
    return shutil.which("wrk") or sys.exit("wrk could not be installed with apt-get")


def _apt_get(*args: str) -> int:
    command = ["apt-get", *args]
    return subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT).returncode


def write_requests(path: Path, groups: list[Group]) -> int:
    """Write ``groups`` for replay.lua; returns the group size (all groups have the same)."""
    size = len(groups[0])
    if any(len(group) != size for group in groups):
        raise ValueError("every group of a scenario must have the same number of requests")
    path.write_text("".join(request.line() + "\n" for group in groups for request in group))
    return size


def run_wrk(wrk: str, spec: LoadSpec, workdir: Path, name: str = "requests") -> dict:
    """Run wrk once and return the JSON that replay.lua's done() printed."""
    requests_file = workdir / f"{name}.tsv"
    size = write_requests(requests_file, spec.groups)
    cmd = [
        wrk,
        f"--threads={spec.threads}",
        f"--connections={spec.connections}",
        f"--duration={spec.seconds}s",
        f"--timeout={spec.timeout_seconds}s",
        f"--script={REPLAY_LUA}",
        spec.url,
        "--",
        str(requests_file),
        str(spec.threads),
        str(size),
    ]
    with process_group(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        out, err = proc.communicate(timeout=spec.seconds + spec.timeout_seconds + 60)
    for line in out.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line.removeprefix(RESULT_PREFIX))
    raise RuntimeError(f"wrk printed no result (exit {proc.returncode}):\n{out}\n{err}")
