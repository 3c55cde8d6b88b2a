"""Benchmark: how long the book takes to build and test, and how much memory it needs.

Measures, in a throw-away copy of the repository (so your own `_build/` is never touched):

1. clean strict build      `jupyter-book build --all -W -n --keep-going .` with no `_build/`
                           (every notebook executes; data are copied from the mirror);
2. full test suite         `python -m pytest` right after it, as the README says (package tests,
                           nbval, browser tests on the build); then again with MEDLEAD_REEXECUTE=1,
                           which executes every notebook instead of reusing the build's executions;
3. no-change rebuild       the same build again without `--all` (nothing changed; fastest of 3);
4. one notebook changed    a comment appended to the last code cell of the first notebook in
                           `_toc.yml` (so jupyter-cache must re-execute it), then a rebuild;

then runs every other script in `benchmarks/` (the package pipelines against their naive paths)
and prints their output. Time is wall-clock. Memory is the peak resident set size of the largest
single process (`resource.getrusage(RUSAGE_CHILDREN)`, read in a wrapper process per step, which
also gives the CPU time the step used, less sensitive to other work on the machine) and the
peak proportional set size (PSS) of the whole process tree added up (`/proc/PID/smaps_rollup`,
sampled every 0.2 s, so a lower bound; summed RSS would count shared pages once per process).
The test suite's goal is a ratio: no slower than the clean strict build.
The load average is printed with each step: other work on the machine slows every figure.

Run from the repository root (after `pip install -r requirements.txt`, Debian's chromium and
`npm ci --prefix tests/browser`):

    MEDLEAD_DATA_MIRROR=/abs/path/to/shared/data/mirror PYTHONHASHSEED=0 python benchmarks/build.py

Options: `--repo DIR` benchmarks another checkout; `--skip-pipelines`; `--markdown FILE` also writes
the results as a Markdown fragment (the reproducibility appendix includes
`benchmarks/results.md`).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from memory import tree_memory  # benchmarks/memory.py, beside this script

REPO_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
#: Goals (seconds / MiB); None = no goal.
GOALS = {
    "clean strict build": 180.0,
    "no-change rebuild": 10.0,
    "one notebook changed": None,
    "full test suite": None,  # goal: no slower than the clean strict build (a ratio)
    "full test suite, every notebook executed again": None,
}
TESTS_TO_BUILD_GOAL = 1.0
MEMORY_GOAL_MIB = 2048.0
#: Never copied into the benchmark's copy of the repository.
SKIP_NAMES = {"_build", ".git", "__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".ruff_cache"}

# Runs one command and reports the peak RSS of its largest descendant (KiB on Linux) as JSON.
_WRAPPER = """
import json, resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime
    json.dump({"rc": rc, "maxrss_kib": usage.ru_maxrss, "cpu_s": cpu}, out)
sys.exit(rc)
"""


@dataclass
class Step:
    """One measured step."""

    name: str
    seconds: float
    cpu_seconds: float
    largest_process_mib: float
    process_tree_mib: float
    returncode: int
    load_before: float
    load_after: float
    output: str = ""

    @property
    def tail(self) -> str:
        """The last 15 lines the step printed."""
        return "\n".join(self.output.splitlines()[-15:])


def _tree_pss_mib(pid: int) -> float:
    """Summed proportional set size of ``pid`` and its descendants (see ``memory.py``)."""
    try:
        root = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return 0.0
    return tree_memory(root)[0] / 2**20


def run_step(name: str, command: list[str], cwd: Path, env: dict[str, str]) -> Step:
    """Run ``command`` in ``cwd``; time it and measure its peak memory. Output goes to a log."""
    with tempfile.TemporaryDirectory() as scratch:
        report_file = Path(scratch) / "rusage.json"
        log_file = Path(scratch) / "output.log"
        load_before = os.getloadavg()[0]
        start = time.perf_counter()
        with log_file.open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "-c", _WRAPPER, str(report_file), *command],
                cwd=cwd,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            peak_tree = 0.0
            stop = threading.Event()

            def sample() -> None:
                nonlocal peak_tree
                while not stop.is_set():
                    peak_tree = max(peak_tree, _tree_pss_mib(process.pid))
                    stop.wait(0.2)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            returncode = process.wait()
            stop.set()
            sampler.join()
        seconds = time.perf_counter() - start
        usage = {"maxrss_kib": 0, "cpu_s": 0.0}
        if report_file.exists():
            usage = json.loads(report_file.read_text())
        output = log_file.read_text(errors="replace")
    return Step(
        name=name,
        seconds=seconds,
        cpu_seconds=usage["cpu_s"],
        largest_process_mib=usage["maxrss_kib"] / 1024,
        process_tree_mib=peak_tree,
        returncode=returncode,
        load_before=load_before,
        load_after=os.getloadavg()[0],
        output=output,
    )


def copy_repo(source: Path, target: Path) -> None:
    """Copy the repository without build output, git data, caches or downloaded data."""

    def ignore(directory: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n in SKIP_NAMES}
        if Path(directory).resolve() == (source / "data").resolve() and "cache" in names:
            skipped.add("cache")
        return skipped

    shutil.copytree(source, target, ignore=ignore, symlinks=True)


def first_notebook(repo: Path) -> Path | None:
    """The first `.ipynb` chapter listed in `_toc.yml`, or None if the book has no notebook."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    for docname in parse_toc_yaml(repo / "_toc.yml"):
        path = repo / f"{docname}.ipynb"
        if path.is_file():
            return path
    return None


def touch_last_code_cell(notebook: Path) -> None:
    """Append a comment to the notebook's last code cell: its code hash changes, its output not."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    if not code_cells:
        raise ValueError(f"{notebook} has no code cell to change")
    code_cells[-1].source += "\n# changed by benchmarks/build.py"
    nbformat.write(nb, notebook)


def environment(copy: Path) -> dict[str, str]:
    """The environment every step runs with (the copy's package first on the path)."""
    env = {k: v for k, v in os.environ.items() if k != "MEDLEAD_BOOK_HTML"}
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONPATH"] = str(copy / "src")
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    mirror = env.get("MEDLEAD_DATA_MIRROR") or str(REPO_ROOT.parent / "shared" / "data" / "mirror")
    env["MEDLEAD_DATA_MIRROR"] = str(Path(mirror).resolve())
    return env


def measure(repo: Path, workdir: Path) -> list[Step]:
    """Run the build and test steps, then the other benchmark scripts, in a copy of ``repo``."""
    copy = workdir / "repo"
    copy_repo(repo, copy)
    shared = repo.parent / "shared"
    if shared.is_dir():  # the project reads ../shared/ (reference files, data mirror) from the root
        (workdir / "shared").symlink_to(shared.resolve(), target_is_directory=True)
    env = environment(copy)
    jupyter_book = str(BIN / "jupyter-book")
    strict = ["-W", "-n", "--keep-going", "."]
    steps = [run_step("clean strict build", [jupyter_book, "build", "--all", *strict], copy, env)]
    # The README's order: build, then test. The tests compare the notebooks from the build's own
    # executions where they are provably current (conftest.py); the second run executes every
    # notebook again, as the tests do after a change the build has not seen.
    pytest = [sys.executable, "-m", "pytest", "-q"]
    steps.append(run_step("full test suite", pytest, copy, env))
    steps.append(run_step("full test suite, every notebook executed again", pytest, copy,
                          {**env, "MEDLEAD_REEXECUTE": "1"}))
    # Fastest of three: a no-change rebuild is short, so other work on the machine skews it most.
    rebuilds = [
        run_step("no-change rebuild", [jupyter_book, "build", *strict], copy, env) for _ in range(3)
    ]
    steps.append(min(rebuilds, key=lambda step: step.seconds))
    notebook = first_notebook(copy)
    if notebook is not None:
        original = notebook.read_bytes()
        touch_last_code_cell(notebook)
        steps.append(run_step("one notebook changed", [jupyter_book, "build", *strict], copy, env))
        notebook.write_bytes(original)  # leave the copy as committed
    return steps


def run_pipelines(workdir: Path, skip: bool) -> list[tuple[str, Step]]:
    """Run every other script in benchmarks/ in the copy; keep each one's printed output."""
    if skip:
        return []
    copy = workdir / "repo"
    env = environment(copy)
    results = []
    for script in sorted((copy / "benchmarks").glob("*.py")):
        if script.name in (Path(__file__).name, "memory.py") or script.name.startswith("_"):
            continue
        results.append(
            (script.name, run_step(script.name, [sys.executable, str(script)], copy, env))
        )
    return results


def machine_description() -> str:
    """Cores, memory, processor and versions, for the record."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = psutil.virtual_memory().total / 2**30
    versions = []
    for package in ("jupyter-book", "sphinx", "myst-nb", "pytest", "playwright"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions.append(f"{package} {importlib.metadata.version(package)}")
    python = f"Python {platform.python_version()}"
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB memory, {python}, " + ", ".join(
        versions
    )


def _goal_text(step: Step) -> str:
    goal = GOALS.get(step.name)
    if goal is None:
        return "-"
    verdict = "met" if step.seconds < goal else "NOT met"
    if step.returncode != 0:
        verdict += f", but the step failed (exit {step.returncode})"
    return f"< {goal:.0f} s: {verdict}"


def table(steps: list[Step]) -> str:
    """The results as a Markdown table (also readable as plain text)."""
    rows = [
        "| step | wall time (s) | CPU time (s) | largest process (MiB) | process tree PSS (MiB) "
        "| load avg before/after | exit | goal (wall time) |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: | --- |",
    ]
    for s in steps:
        rows.append(
            f"| {s.name} | {s.seconds:.1f} | {s.cpu_seconds:.1f} | {s.largest_process_mib:.0f} | "
            f"{s.process_tree_mib:.0f} | {s.load_before:.1f} / {s.load_after:.1f} | "
            f"{s.returncode} | {_goal_text(s)} |"
        )
    peak = max((max(s.largest_process_mib, s.process_tree_mib) for s in steps), default=0.0)
    rows.append(
        f"| peak memory (any step) | | | | {peak:.0f} | | | < {MEMORY_GOAL_MIB:.0f} MiB: "
        f"{'met' if peak < MEMORY_GOAL_MIB else 'NOT met'} |"
    )
    by_name = {s.name: s for s in steps}
    if "full test suite" in by_name and "clean strict build" in by_name:
        ratio = by_name["full test suite"].seconds / by_name["clean strict build"].seconds
        rows += [
            "",
            f"Tests / clean strict build (wall time): {ratio:.2f} (goal <= "
            f"{TESTS_TO_BUILD_GOAL:.1f}: {'met' if ratio <= TESTS_TO_BUILD_GOAL else 'NOT met'}).",
        ]
        again = by_name.get("full test suite, every notebook executed again")
        if again is not None:
            again_ratio = again.seconds / by_name["clean strict build"].seconds
            rows.append(
                f"With every notebook executed again: {again_ratio:.2f} "
                "(no goal; what the tests cost after a change the build has not seen)."
            )
    return "\n".join(rows)


def book_description(repo: Path) -> str:
    """How big the book was (pages in `_toc.yml`, notebooks) and which commit was measured."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    docnames = list(parse_toc_yaml(repo / "_toc.yml"))
    notebooks = sum((repo / f"{d}.ipynb").is_file() for d in docnames)
    described = f"{len(docnames)} pages in `_toc.yml`, {notebooks} of them notebooks"
    git = subprocess.run(
        ["git", "-C", str(repo), "log", "-1", "--format=%h (%s)"], capture_output=True, text=True
    )
    if git.returncode == 0 and git.stdout.strip():
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain"], capture_output=True, text=True
        ).stdout.strip()
        described += f", at commit {git.stdout.strip()}" + (" with local changes" if dirty else "")
    return described


def pytest_summary(steps: list[Step]) -> str:
    """pytest's closing line for the test-suite step (e.g. '120 passed in 95.2s')."""
    for step in steps:
        if step.name == "full test suite":
            lines = [line for line in step.output.splitlines() if " passed" in line]
            return lines[-1].strip("= ") if lines else "no pytest summary found"
    return "tests not run"


def markdown(steps: list[Step], pipelines: list[tuple[str, Step]], when: str, book: str) -> str:
    """The full results as a Markdown fragment for the reproducibility appendix."""
    parts = [
        f"Measured {when} by `python benchmarks/build.py` on {machine_description()}. "
        f"The book then had {book}; the test suite reported: {pytest_summary(steps)}.",
        "",
        table(steps),
    ]
    for name, step in pipelines:
        parts += [
            "",
            f"`python benchmarks/{name}` ({step.seconds:.1f} s, exit {step.returncode}):",
            "",
            "```text",
            step.output.strip(),
            "```",
        ]
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", type=Path, default=REPO_ROOT, help="checkout to benchmark")
    parser.add_argument("--skip-pipelines", action="store_true", help="only build and tests")
    parser.add_argument("--markdown", type=Path, help="also write the results to this file")
    parser.add_argument("--keep", action="store_true", help="keep the copy (prints its path)")
    args = parser.parse_args(argv)
    repo = args.repo.resolve()
    if not (repo / "_toc.yml").is_file():
        parser.error(f"{repo} has no _toc.yml: give the repository root with --repo")
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"Benchmarking {repo} ({when}); {machine_description()}", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="medlead-bench-"))
    try:
        steps = measure(repo, workdir)
        pipelines = run_pipelines(workdir, args.skip_pipelines)
    finally:
        if args.keep:
            print(f"copy kept at {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nThe book: {book_description(repo)}. Tests: {pytest_summary(steps)}.\n")
    print(table(steps))
    for step in steps:
        if step.returncode != 0:
            print(f"\n{step.name} FAILED (exit {step.returncode}); last lines:\n{step.tail}")
    for name, step in pipelines:
        print(f"\n== benchmarks/{name} ({step.seconds:.1f} s, exit {step.returncode}) ==")
        print(step.output.strip())
    if args.markdown:
        args.markdown.write_text(
            markdown(steps, pipelines, when, book_description(repo)), encoding="utf-8"
        )
        print(f"\nwrote {args.markdown}")
    failed = [s.name for s in steps if s.returncode != 0]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
