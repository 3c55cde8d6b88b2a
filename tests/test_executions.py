"""The notebook tests reuse the build's execution only when it is provably current.

A small book (one notebook, the project's ``conftest.py`` and ``_ext/executions.py``) is built
with Sphinx and myst-nb in cache mode, as Jupyter Book builds, then tested with nbval as the
README's test command does. The tests check that:

- after the build, the notebook is compared from the build's own execution (no kernel), and a
  saved output that does not match what the build computed still fails;
- any change the build did not see (the notebook's code, a result-changing environment variable,
  the executed copy itself) makes nbval execute the notebook again, and the header says why;
- ``MEDLEAD_REEXECUTE=1`` executes every notebook whatever the build did;
- a rebuild that shows outputs kept by jupyter-cache from an execution in another context warns.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from medlead.paths import PROJECT_ROOT

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "_ext"))
import executions  # noqa: E402

CODE = "import os\nprint(sum(range(10)))\nprint(os.environ.get('MEDLEAD_TEST_VALUE', 'unset'))"
CONF = """
import sys
sys.path.insert(0, "_ext")
extensions = ["myst_nb", "executions"]
nb_execution_mode = "cache"
nb_execution_cache_path = "_build/.jupyter_cache"
exclude_patterns = ["_build", "**/.ipynb_checkpoints"]
master_doc = "index"
"""


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDLEAD_TEST_")}
    env.pop("MEDLEAD_REEXECUTE", None)
    env["PYTHONHASHSEED"] = "0"
    env.update(extra)
    return env


def _build(root: Path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", ".", "_build/html"],
        cwd=root, env=_environment(**extra), capture_output=True, text=True, timeout=600,
    )


def _nbval(root: Path, *notebooks: str, **extra: str) -> subprocess.CompletedProcess:
    """nbval as the README's test command runs it, on ``notebooks`` (default: all), in one
    process; ``-rA`` lists each cell's outcome."""
    paths = [f"notebooks/{name}.ipynb" for name in notebooks] or ["notebooks"]
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-rA", "-p",
         "no:cacheprovider", "-p", "no:xdist", *paths],
        cwd=root, env=_environment(**extra), capture_output=True, text=True, timeout=600,
    )


def _outcome(result: subprocess.CompletedProcess, name: str) -> str:
    """PASSED or FAILED: the outcome of the code cell of notebook ``name`` in an ``-rA`` run."""
    for line in result.stdout.splitlines():
        if f"notebooks/{name}.ipynb::Cell 0" in line and line.startswith(("PASSED", "FAILED")):
            return line.split()[0]
    raise AssertionError(f"no outcome for {name} in:\n{result.stdout}")


def _saved_notebook(path: Path, code: str = CODE) -> None:
    """Write the notebook with the outputs its code gives, as `jupyter execute` would save them.

    The code only prints, so it is run here (no kernel to start) with what it prints captured;
    the build and nbval then execute it in a real kernel, and the tests' comparisons check that
    the saved outputs are the ones a kernel gives.
    """
    printed = io.StringIO()
    env_before = os.environ.pop("MEDLEAD_TEST_VALUE", None)
    try:
        with contextlib.redirect_stdout(printed):
            exec(code, {})  # noqa: S102 (this module's own code)
    finally:
        if env_before is not None:
            os.environ["MEDLEAD_TEST_VALUE"] = env_before
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(code, execution_count=1)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed.getvalue())]
    notebook.cells = [nbformat.v4.new_markdown_cell("# Demo"), cell]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(notebook, path)


@pytest.fixture(scope="module")
def built_book(tmp_path_factory) -> Path:
    """A two-notebook book, built once: the records and jupyter-cache's copies exist.

    ``demo`` is saved with the outputs its code gives; ``wrong`` has the same code, but its saved
    output says 46 where the code prints 45 (the build executes notebooks, it does not compare).
    """
    assert PROJECT_ROOT is not None
    root = tmp_path_factory.mktemp("executions") / "book"
    (root / "notebooks").mkdir(parents=True)
    (root / "_ext").mkdir()
    (root / "data").mkdir()
    shutil.copy(PROJECT_ROOT / "conftest.py", root / "conftest.py")
    shutil.copy(PROJECT_ROOT / "_ext" / "executions.py", root / "_ext" / "executions.py")
    (root / "data" / "authored.csv").write_text("a,b\n1,2\n")
    (root / "conf.py").write_text(CONF)
    (root / "index.md").write_text("# Book\n\n```{toctree}\nnotebooks/demo\nnotebooks/wrong\n```\n")
    _saved_notebook(root / "notebooks" / "demo.ipynb")
    wrong = nbformat.read(root / "notebooks" / "demo.ipynb", as_version=4)
    # other code than demo's (jupyter-cache keys on code: the same code would share one execution)
    wrong.cells[1].source += "\n# its saved output is wrong on purpose"
    wrong.cells[1].outputs[0]["text"] = "46\nunset\n"
    nbformat.write(wrong, root / "notebooks" / "wrong.ipynb")
    built = _build(root)
    assert built.returncode == 0, built.stdout + built.stderr
    return root


@pytest.fixture()
def book(built_book: Path, tmp_path: Path) -> Path:
    """A copy of the built book for one test to change (records refer to it by relative paths)."""
    root = tmp_path / "book"
    shutil.copytree(built_book, root)
    return root


def _header(result: subprocess.CompletedProcess) -> str:
    return next((line for line in result.stdout.splitlines() if line.startswith("notebooks:")), "")


@pytest.fixture(scope="module")
def unchanged_run(built_book: Path) -> subprocess.CompletedProcess:
    """nbval over the book just as it was built."""
    return _nbval(built_book)


def test_a_fresh_build_is_compared_without_a_kernel(built_book: Path, unchanged_run):
    records = json.loads((built_book / executions.RECORDS).read_text())
    assert sorted(records) == ["notebooks/demo", "notebooks/wrong"]
    assert "2 of 2 compared from the build's own execution" in _header(unchanged_run)
    assert _outcome(unchanged_run, "demo") == "PASSED", unchanged_run.stdout


def test_a_saved_output_the_build_did_not_compute_still_fails(unchanged_run):
    assert _outcome(unchanged_run, "wrong") == "FAILED", unchanged_run.stdout
    assert "Cell outputs differ" in unchanged_run.stdout
    assert unchanged_run.returncode == 1


@pytest.fixture(scope="module")
def changed_run(built_book: Path, tmp_path_factory) -> subprocess.CompletedProcess:
    """nbval after two changes the build did not see: ``demo``'s code (saved with its new
    outputs), and the executed copy of ``wrong`` that jupyter-cache kept."""
    root = tmp_path_factory.mktemp("changed") / "book"
    shutil.copytree(built_book, root)
    _saved_notebook(root / "notebooks" / "demo.ipynb", CODE.replace("range(10)", "range(11)"))
    record = json.loads((root / executions.RECORDS).read_text())["notebooks/wrong"]
    copy = root / executions.CACHE / "executed" / record["cache_key"] / "base.ipynb"
    copy.write_text(copy.read_text().replace("45", "46"))  # now it would match the saved 46
    return _nbval(root)


def test_changed_code_is_executed_again(changed_run):
    assert "0 of 2 compared" in _header(changed_run)
    assert "demo.ipynb: changed since the build: the notebook's code" in changed_run.stdout
    assert _outcome(changed_run, "demo") == "PASSED", changed_run.stdout


def test_a_changed_executed_copy_is_not_trusted(changed_run):
    assert "wrong.ipynb: the build's executed copy is not the file recorded" in changed_run.stdout
    # executed again, the code prints 45 against the saved 46: the doctored copy did not count
    assert _outcome(changed_run, "wrong") == "FAILED", changed_run.stdout


def test_a_result_changing_environment_is_executed_again_and_can_fail(built_book: Path):
    # The build ran without MEDLEAD_TEST_VALUE; a test run with it must not reuse that build.
    result = _nbval(built_book, "demo", MEDLEAD_TEST_VALUE="set")
    assert "0 of 2 compared" in _header(result)
    assert "result-changing environment variables" in result.stdout
    assert _outcome(result, "demo") == "FAILED", result.stdout  # the new kernel prints "set"


def test_reexecute_runs_every_notebook_again(built_book: Path):
    result = _nbval(built_book, "demo", MEDLEAD_REEXECUTE="1")
    assert _header(result) == "notebooks: every one executed again"
    assert _outcome(result, "demo") == "PASSED", result.stdout + result.stderr


def test_a_rebuild_from_a_stale_cache_warns_and_is_not_reused(book: Path, monkeypatch):
    # Code unchanged, so jupyter-cache serves the old executions; the context differs.
    rebuilt = _build(book, MEDLEAD_TEST_VALUE="set")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "notebooks/demo: this build shows outputs that jupyter-cache kept" in rebuilt.stderr
    monkeypatch.setenv("MEDLEAD_TEST_VALUE", "set")
    executed, why = executions.verified_execution(book, "notebooks/demo", executions.context(book))
    assert executed is None and "environment" in why


def test_each_part_of_the_fingerprint_is_named_when_it_changes(book: Path):
    context = executions.context(book)
    records = executions.read_records(book)
    assert executions.verified_execution(book, "notebooks/demo", context, records)[0] is not None
    for part, words in [("package", "the medlead package"), ("project", "data files"),
                        ("distributions", "installed packages"), ("python", "interpreter")]:
        other = dict(context, **{part: "0" * 64})
        executed, why = executions.verified_execution(book, "notebooks/demo", other, records)
        assert executed is None and words in why, (part, why)
    assert executions.verified_execution(book, "notebooks/other", context, records)[1] == (
        "the build left no record of executing it")


def test_the_context_follows_the_project_files_but_not_the_cache(book: Path, monkeypatch):
    before = executions.context(book)
    (book / "data" / "cache").mkdir()
    (book / "data" / "cache" / "downloaded.csv").write_text("x\n")
    assert executions.context(book) == before  # downloads are checked by checksum, not here
    (book / "data" / "authored.csv").write_text("a,b\n1,3\n")
    assert executions.context(book)["project"] != before["project"]
    monkeypatch.setenv("TZ", "Pacific/Auckland")
    with_zone = executions.context(book)["environment"]
    assert with_zone != before["environment"]
    monkeypatch.setenv("MEDLEAD_CACHE_DIR", "/somewhere/else")  # where files are kept: no change
    assert executions.context(book)["environment"] == with_zone
