"""The test run in two processes: which tests stay together, and in what order they go out.

The root ``conftest.py`` gives pytest-xdist its own scheduler. These tests drive that scheduler as
xdist does (two workers report the same collection, then ask for work) with stand-ins for the
workers, and check what each worker is sent.
"""

from __future__ import annotations

import importlib.util
from types import SimpleNamespace

import pytest

from medlead.paths import PROJECT_ROOT


@pytest.fixture(scope="module")
def book_conftest():
    """The root ``conftest.py``, loaded under a name of its own."""
    assert PROJECT_ROOT is not None
    spec = importlib.util.spec_from_file_location("book_conftest", PROJECT_ROOT / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeWorker:
    """Stands in for xdist's WorkerController: keeps the tests it is sent (by node id) and adds
    them to ``handed_out``, a list shared by all workers, in the order they were sent."""

    def __init__(self, name: str, collection: list[str], handed_out: list) -> None:
        self.name = name
        self.gateway = SimpleNamespace(id=name)
        self.collection = collection
        self.handed_out = handed_out
        self.to_run: list[int] = []
        self.shutting_down = False

    def send_runtest_some(self, indices: list[int]) -> None:
        self.to_run += indices
        self.handed_out += [(self.name, self.collection[i]) for i in indices]

    def shutdown(self) -> None:
        self.shutting_down = True


COLLECTION = [
    "tests/browser/test_print.py::test_a[book/index]",
    "tests/browser/test_print.py::test_a[book/about]",
    "tests/browser/test_site.py::test_b[book/index]",
    "tests/test_big.py::test_1", "tests/test_big.py::test_2", "tests/test_big.py::test_3",
    "tests/test_small.py::test_1",
    "notebooks/many_cells.ipynb::Cell 0", "notebooks/many_cells.ipynb::Cell 1",
    "notebooks/many_cells.ipynb::Cell 2", "notebooks/many_cells.ipynb::Cell 3",
    "notebooks/few_cells.ipynb::Cell 0",
]  # fmt: skip


def _run(book_conftest, collection: list[str]) -> list[tuple[str, str]]:
    """Schedule ``collection`` on two stand-in workers, each running what it was sent one test
    at a time (as xdist reports them), until both are told to shut down. Returns every
    (worker, node id) in the order the tests were handed out."""
    config = SimpleNamespace(
        getvalue=lambda name: ["2*popen"] if name == "tx" else None,
        option=SimpleNamespace(loadscopereorder=True),
    )
    scheduler = book_conftest.pytest_xdist_make_scheduler(config, None)
    handed_out: list[tuple[str, str]] = []
    workers = [FakeWorker(f"gw{i}", collection, handed_out) for i in range(2)]
    for worker in workers:
        scheduler.add_node(worker)
    for worker in workers:
        scheduler.add_node_collection(worker, collection)
    scheduler.schedule()
    for _step in range(10 * len(collection)):
        running = [worker for worker in workers if worker.to_run]
        if not running:
            break
        for worker in running:
            scheduler.mark_test_complete(worker, worker.to_run.pop(0))
    assert all(worker.shutting_down for worker in workers)
    assert sorted(nodeid for _worker, nodeid in handed_out) == sorted(collection)
    return handed_out


def test_groups_are_test_files_and_all_browser_tests_together(book_conftest):
    group = book_conftest.parallel_group
    assert group("tests/browser/test_print.py::test_a[book/index]") == "tests/browser"
    assert group("tests/browser/test_site.py::test_b[x]") == "tests/browser"
    assert group("tests/test_panel.py::test_x") == "tests/test_panel.py"
    assert group("notebooks/history.ipynb::Cell 3") == "notebooks/history.ipynb"


def test_notebooks_are_handed_out_after_every_test_module(book_conftest):
    handed_out = _run(book_conftest, COLLECTION)
    order = list(dict.fromkeys(book_conftest.parallel_group(n) for _worker, n in handed_out))
    # the package's tests first, the largest group first; then the notebooks, largest first
    assert order == [
        "tests/browser", "tests/test_big.py", "tests/test_small.py",
        "notebooks/many_cells.ipynb", "notebooks/few_cells.ipynb",
    ]  # fmt: skip


def test_each_group_runs_whole_in_one_worker(book_conftest):
    handed_out = _run(book_conftest, COLLECTION)
    workers_of: dict[str, set[str]] = {}
    for worker, nodeid in handed_out:
        workers_of.setdefault(book_conftest.parallel_group(nodeid), set()).add(worker)
    assert all(len(workers) == 1 for workers in workers_of.values()), workers_of
    assert {w for workers in workers_of.values() for w in workers} == {"gw0", "gw1"}
