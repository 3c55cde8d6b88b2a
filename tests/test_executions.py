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


def _nbval(root: Path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p",
         "no:cacheprovider", "-p", "no:xdist", "notebooks/demo.ipynb"],
        cwd=root, env=_environment(**extra), capture_output=True, text=True, timeout=600,
    )


def _saved_notebook(path: Path, code: str = CODE) -> None:
    """Write the notebook with the outputs its code gives (as `jupyter execute` would save it)."""
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# Demo"), nbformat.v4.new_code_cell(code)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    env_before = os.environ.pop("MEDLEAD_TEST_VALUE", None)
    try:
        NotebookClient(notebook, kernel_name="python3").execute()
    finally:
        if env_before is not None:
            os.environ["MEDLEAD_TEST_VALUE"] = env_before
    nbformat.write(notebook, path)


@pytest.fixture(scope="module")
def built_book(tmp_path_factory) -> Path:
    """A one-notebook book, built once: the records and jupyter-cache's copy exist."""
    assert PROJECT_ROOT is not None
    root = tmp_path_factory.mktemp("executions") / "book"
    (root / "notebooks").mkdir(parents=True)
    (root / "_ext").mkdir()
    (root / "data").mkdir()
    shutil.copy(PROJECT_ROOT / "conftest.py", root / "conftest.py")
    shutil.copy(PROJECT_ROOT / "_ext" / "executions.py", root / "_ext" / "executions.py")
    (root / "data" / "authored.csv").write_text("a,b\n1,2\n")
    (root / "conf.py").write_text(CONF)
    (root / "index.md").write_text("# Book\n\n```{toctree}\nnotebooks/demo\n```\n")
    _saved_notebook(root / "notebooks" / "demo.ipynb")
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


def test_a_fresh_build_is_compared_without_a_kernel(book: Path):
    records = json.loads((book / executions.RECORDS).read_text())
    assert list(records) == ["notebooks/demo"]
    result = _nbval(book)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 of 1 compared from the build's own execution" in _header(result)


def test_a_saved_output_the_build_did_not_compute_still_fails(book: Path):
    path = book / "notebooks" / "demo.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[1].outputs[0]["text"] = "46\nunset\n"  # the code prints 45
    nbformat.write(notebook, path)
    result = _nbval(book)
    assert "1 of 1 compared from the build's own execution" in _header(result)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Cell outputs differ" in result.stdout


def test_changed_code_is_executed_again(book: Path):
    path = book / "notebooks" / "demo.ipynb"
    _saved_notebook(path, CODE.replace("range(10)", "range(11)"))  # saved outputs match the code
    result = _nbval(book)
    assert "0 of 1 compared" in _header(result)
    assert "changed since the build: the notebook's code" in result.stdout
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_result_changing_environment_is_executed_again_and_can_fail(book: Path):
    # The build ran without MEDLEAD_TEST_VALUE; a test run with it must not reuse that build.
    result = _nbval(book, MEDLEAD_TEST_VALUE="set")
    assert "0 of 1 compared" in _header(result)
    assert "result-changing environment variables" in result.stdout
    assert result.returncode == 1, result.stdout  # the new kernel prints "set", not "unset"


def test_a_changed_executed_copy_is_not_trusted(book: Path):
    record = json.loads((book / executions.RECORDS).read_text())["notebooks/demo"]
    copy = book / executions.CACHE / "executed" / record["cache_key"] / "base.ipynb"
    copy.write_text(copy.read_text().replace("45", "46"))
    result = _nbval(book)
    assert "0 of 1 compared" in _header(result)
    assert "not the file recorded" in result.stdout
    assert result.returncode == 0, result.stdout + result.stderr


def test_reexecute_runs_every_notebook_again(book: Path):
    result = _nbval(book, MEDLEAD_REEXECUTE="1")
    assert _header(result) == "notebooks: every one executed again"
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_rebuild_from_a_stale_cache_warns_and_is_not_reused(book: Path):
    # Code unchanged, so jupyter-cache serves the old execution; the context differs.
    rebuilt = _build(book, MEDLEAD_TEST_VALUE="set")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "notebooks/demo: this build shows outputs that jupyter-cache kept" in rebuilt.stderr
    assert "0 of 1 compared" in _header(_nbval(book, MEDLEAD_TEST_VALUE="set"))


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
