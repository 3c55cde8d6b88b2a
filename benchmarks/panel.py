"""Benchmark: how long ``medlead.panel.trust_panel()`` takes, cold and warm.

Run from the repository root with the offline mirror:

    MEDLEAD_DATA_MIRROR=../shared/data/mirror python benchmarks/panel.py [--repeat 3]

- cold: a new Python process with an empty temporary cache folder, so every source file is
  copied from the mirror, verified and parsed (imports included, as a reader would meet them);
- warm, new process: the same cache folder again, so the panel comes from the disk cache;
- warm, same process: a second call in one process (the in-memory copy).

Goals: cold under 10 s from the mirror, warm under 1 s. Prints times and the ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import time
start, cpu = time.perf_counter(), time.process_time()
from medlead.panel import trust_panel
panel = trust_panel()
first, first_cpu = time.perf_counter() - start, time.process_time() - cpu
start = time.perf_counter()
trust_panel()
second = time.perf_counter() - start
print(f"{first:.4f} {second:.4f} {len(panel)} {first_cpu:.4f}")
"""


def run_child(cache: Path) -> tuple[float, float, int, float]:
    env = dict(os.environ, MEDLEAD_CACHE_DIR=str(cache), PYTHONPATH=str(ROOT / "src"))
    out = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[0]), float(out[1]), int(out[2]), float(out[3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement")
    args = parser.parse_args()
    if not os.environ.get("MEDLEAD_DATA_MIRROR"):
        sys.exit("Set MEDLEAD_DATA_MIRROR to the offline mirror (e.g. ../shared/data/mirror).")
    cold, warm_disk, warm_memory, cold_cpu, warm_cpu = [], [], [], [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as folder:
            first, second, rows, cpu = run_child(Path(folder))
            cold.append(first)
            cold_cpu.append(cpu)
            warm_memory.append(second)
            again, _, _, cpu = run_child(Path(folder))
            warm_disk.append(again)
            warm_cpu.append(cpu)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"trust_panel(): {rows} rows; {args.repeat} runs each; {os.cpu_count()} CPUs; "
          f"load average {load} (other work on the machine slows the wall-clock times)")
    for name, times, goal in (
        ("cold (new process, empty cache, from mirror)", cold, 10.0),
        ("warm (new process, disk cache)", warm_disk, 1.0),
        ("warm (same process, in memory)", warm_memory, 1.0),
    ):
        median = statistics.median(times)
        print(f"{name:46s} median {median:7.3f} s  (min {min(times):.3f}, max {max(times):.3f})"
              f"  goal < {goal:g} s: {'met' if median < goal else 'NOT met'}")
    print(f"CPU time of the process: cold {statistics.median(cold_cpu):.3f} s, "
          f"warm from disk {statistics.median(warm_cpu):.3f} s (imports included)")
    print(f"cold / warm-disk ratio: {statistics.median(cold) / statistics.median(warm_disk):.1f}")


if __name__ == "__main__":
    main()
