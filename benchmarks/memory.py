"""Benchmark: peak memory of a command's whole process tree, by proportional set size (PSS).

Summing the resident set size (RSS) of every process counts each shared page (Python's and
Chromium's libraries, a kernel's copy-on-write pages) once per process that maps it, so it
overstates what the machine needs. PSS splits each shared page between the processes sharing it,
so the PSS of all processes adds up to the memory they really hold. This script runs a command,
reads ``/proc/PID/smaps_rollup`` of the command and all its descendants every 0.25 s, and prints
the peak of the summed PSS (the figure with the 2 GiB goal), the peak of the summed RSS (the old
figure, for comparison), the largest process and the wall time. Sampling can miss a short peak,
so the figures are lower bounds. Linux only.

Run from the repository root, e.g. the README's test command:

    MEDLEAD_DATA_MIRROR=/abs/path/to/shared/data/mirror PYTHONHASHSEED=0 \\
        python benchmarks/memory.py -- python -m pytest -q

Options: ``--interval SECONDS``; ``--goal-mib N`` (default 2048).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

MIB = 1024 * 1024


def _rollup_kib(pid: int) -> dict[str, int]:
    """The ``Rss`` and ``Pss`` lines (KiB) of ``/proc/PID/smaps_rollup``; {} if it is gone."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return {}
    values = {}
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        if name in ("Rss", "Pss"):
            values[name] = int(rest.split()[0])
    return values


def tree_memory(root: psutil.Process) -> tuple[int, int, int, str]:
    """Summed PSS and RSS (bytes) of ``root`` and its descendants, the largest PSS and its name."""
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0, 0, 0, ""
    pss = rss = largest = 0
    largest_name = ""
    for process in processes:
        values = _rollup_kib(process.pid)
        one = values.get("Pss", 0) * 1024
        pss += one
        rss += values.get("Rss", 0) * 1024
        if one > largest:
            largest = one
            try:
                largest_name = " ".join(process.cmdline()[:3])[:80]
            except psutil.Error:
                largest_name = "?"
    return pss, rss, largest, largest_name


def measure(command: list[str], interval: float = 0.25) -> dict:
    """Run ``command``; return its exit code, wall time and peak tree memory (bytes)."""
    began = time.perf_counter()
    child = subprocess.Popen(command)
    root = psutil.Process(child.pid)
    peak = {"pss": 0, "rss": 0, "largest": 0, "largest_name": "", "processes": 0}
    while child.poll() is None:
        pss, rss, largest, name = tree_memory(root)
        if pss > peak["pss"]:
            peak.update(pss=pss, largest=largest, largest_name=name)
        peak["rss"] = max(peak["rss"], rss)
        time.sleep(interval)
    return {"rc": child.returncode, "seconds": time.perf_counter() - began, **peak}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=0.25)
    parser.add_argument("--goal-mib", type=float, default=2048.0)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to measure after --")
    load_before = os.getloadavg()[0]
    result = measure(command, args.interval)
    load_after = os.getloadavg()[0]
    met = "met" if result["pss"] / MIB < args.goal_mib else "NOT met"
    print(f"command: {' '.join(command)}  (exit {result['rc']})")
    print(f"wall time: {result['seconds']:.1f} s; load average before/after: "
          f"{load_before:.1f} / {load_after:.1f} on {os.cpu_count()} CPUs")
    print(f"peak summed PSS of the process tree: {result['pss'] / MIB:7.0f} MiB  "
          f"(goal < {args.goal_mib:.0f} MiB: {met})")
    print(f"peak summed RSS of the process tree: {result['rss'] / MIB:7.0f} MiB  "
          "(counts shared pages once per process)")
    print(f"largest process at the PSS peak:     {result['largest'] / MIB:7.0f} MiB  "
          f"({result['largest_name']})")
    return result["rc"]


if __name__ == "__main__":
    sys.exit(main())
