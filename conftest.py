"""Shared pytest set-up.

Notebook kernels started by nbval inherit this environment, so hash-seeded ordering is the same as
when the saved outputs were made.

Figures are compared by what they show, not by their bytes: every chapter's figures carry a text
summary of their data (:mod:`medlead.figures`, as ``text/plain``), which nbval compares like any
other output, while the images themselves are left out of the comparison, because their bytes
change with the CPU's floating-point kernels though nothing they show does. nbval already leaves out
``image/png`` and ``image/jpeg`` of displayed figures; the glued ones carry the same images under
myst-nb's ``application/papermill.record/`` prefix. Every other output is compared strictly.

A notebook that the build has just executed, with the same code, data, packages and environment
(``_ext/executions.py`` keeps a fingerprint of each execution), is not executed a second time:
nbval's own comparison is run on the build's executed copy instead of on a new kernel's outputs.
Every other notebook is executed by nbval as usual. Set ``MEDLEAD_REEXECUTE=1`` to execute every
notebook again whatever the build did; the report header says which notebooks were executed.
"""

import copy
import functools
import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("PYTHONHASHSEED", "0")

ROOT = Path(__file__).resolve().parent
if (ROOT / "_ext" / "executions.py").is_file():
    sys.path.insert(0, str(ROOT / "_ext"))
    import executions  # noqa: E402 (the build's records, _ext/executions.py)
else:  # a copy of this file outside the book (tests/test_figure_check.py): nbval executes all
    executions = None

#: Image payloads left out of nbval's comparison (their figures' text summaries are compared).
IMAGE_MIME_TYPES: tuple[str, ...] = tuple(
    prefix + kind
    for prefix in ("", "application/papermill.record/")
    for kind in ("image/png", "image/jpeg", "image/svg+xml")
)


def parallel_group(nodeid: str) -> str:
    """Which tests must run together, in order, in one process when the suite runs in parallel.

    In: a test's node id (``tests/test_panel.py::test_x``, ``notebooks/history.ipynb::Cell 3``).
    Out: its file, so that a notebook's cells run in order in the notebook's one kernel and a test
    module's fixtures are made once; every browser test shares one group, so one Chromium visits
    each page of the built book once for all the browser checks.
    """
    path = nodeid.split("::", 1)[0]
    if path.startswith("tests/browser/"):
        return "tests/browser"
    return path


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """With pytest-xdist (``-n``, see ``pyproject.toml``), hand out whole groups of tests
    (:func:`parallel_group`): the package's tests first, the largest groups first, then the
    notebooks. So the notebooks, when they are executed again, run after the browser checks
    rather than beside them: a notebook's kernel and Chromium's tabs are the largest processes
    of the run, and the run stays well under 2 GiB only while they do not meet."""
    from xdist.scheduler import LoadScopeScheduling

    class BookScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return parallel_group(nodeid)

        def _assign_work_unit(self, node) -> None:  # noqa: ANN001
            if not getattr(self, "_notebooks_moved_last", False):  # once, before the first unit
                self._notebooks_moved_last = True
                units = sorted(self.workqueue.items(), key=lambda unit: is_notebook(unit[0]))
                self.workqueue.clear()
                self.workqueue.update(units)  # a stable sort: still largest first within each
            super()._assign_work_unit(node)

    return BookScheduling(config, log)


def is_notebook(group: str) -> bool:
    """Whether a test group (:func:`parallel_group`) is a notebook's cells."""
    return group.endswith(".ipynb")


def _reexecute_all() -> bool:
    if executions is None:
        return True
    return os.environ.get("MEDLEAD_REEXECUTE", "").strip() not in ("", "0")


@functools.cache
def _build_executions() -> dict[str, tuple[Path | None, str]]:
    """{notebook path relative to the root: (the build's verified executed copy or None, why not)}
    for every notebook in ``notebooks/``."""
    context = executions.context(ROOT)
    records = executions.read_records(ROOT)
    found = {}
    for path in sorted((ROOT / "notebooks").rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        docname = path.relative_to(ROOT).with_suffix("").as_posix()
        found[path.relative_to(ROOT).as_posix()] = executions.verified_execution(
            ROOT, docname, context, records
        )
    return found


def pytest_report_header(config):
    """Say which notebooks are compared from the build's execution and which are executed."""
    if not config.getoption("nbval", default=False):
        return None
    if _reexecute_all():
        return "notebooks: every one executed again"
    found = _build_executions()
    reused = [name for name, (executed, _) in found.items() if executed is not None]
    lines = [f"notebooks: {len(reused)} of {len(found)} compared from the build's own execution "
             "(_build/executions.json); the others are executed again:"]
    lines += [f"  {name}: {why}" for name, (executed, why) in found.items() if executed is None]
    return lines


def _replay_cell(item, executed_cell) -> None:
    """nbval's check of one cell (``IPyNbCell.runtest``), on the outputs that the build's execution
    of the cell produced instead of a new kernel's: the same skip, error and comparison rules."""
    from nbformat import NotebookNode
    from nbval.plugin import coalesce_streams

    if item.options["skip"]:
        pytest.skip()
    outs = []
    for output in executed_cell.get("outputs", []):
        out = NotebookNode(output_type=output["output_type"])
        if output["output_type"] in ("display_data", "execute_result"):
            out["metadata"] = copy.deepcopy(output.get("metadata", {}))
            out["data"] = copy.deepcopy(output["data"])
            if output["output_type"] == "execute_result":
                out.execution_count = output.get("execution_count")
        elif output["output_type"] == "stream":
            out.name, out.text = output["name"], output["text"]
        elif output["output_type"] == "error":
            out["ename"], out["evalue"] = output["ename"], output["evalue"]
            out["traceback"] = list(output["traceback"])
            if not item.options["check_exception"]:
                item.raise_cell_error("Cell execution caused an exception",
                                      "\n" + "\n".join(output["traceback"]))
        outs.append(out)
    outs[:] = coalesce_streams(outs)
    item.test_outputs = outs
    unrun = item.cell.execution_count is None
    if unrun and item.cell.outputs:
        item.raise_cell_error("Unrun reference cell has outputs")
    if item.options["check"] and not unrun:
        if not item.compare_outputs(outs, coalesce_streams(item.cell.outputs)):
            item.raise_cell_error("Cell outputs differ", "\n".join(item.comparison_traceback))


def _use_build_execution(notebook_file, executed_path: Path, cells: list) -> None:
    """Check ``notebook_file``'s cells against the build's executed copy: no kernel is started."""
    import nbformat

    executed = nbformat.read(executed_path, as_version=4)
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    sources = [cell.source for cell in code]
    if sources != [cell.source for cell in notebook_file.nb.cells if cell.cell_type == "code"]:
        return  # not the same cells after all: leave the notebook to nbval's own execution
    notebook_file.setup = notebook_file.setup_sanitize_files  # the patterns, and no kernel
    for item in cells:
        item.runtest = functools.partial(_replay_cell, item, code[item.cell_num])


def pytest_collection_modifyitems(config, items):
    """Leave image bytes out of every notebook's output comparison; check notebooks the build has
    just executed on its outputs (see the module docstring). Which tests run together in parallel
    is :func:`pytest_xdist_make_scheduler`'s work."""
    by_notebook: dict = {}
    for item in items:
        parent = item.parent
        skip = getattr(parent, "skip_compare", None)
        if skip is not None and type(parent).__name__ == "IPyNbFile":
            parent.skip_compare = tuple(skip) + tuple(
                mime for mime in IMAGE_MIME_TYPES if mime not in skip
            )
            by_notebook.setdefault(parent, []).append(item)
    if _reexecute_all():
        return
    found = _build_executions()
    for notebook_file, cells in by_notebook.items():
        name = Path(str(notebook_file.path)).resolve().relative_to(ROOT).as_posix()
        executed, _why = found.get(name, (None, ""))
        if executed is not None:
            _use_build_execution(notebook_file, executed, cells)
