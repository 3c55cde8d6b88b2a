"""Figures are checked by what they show: last-place rounding passes, a real change fails.

Another CPU's floating-point kernels change the last bits of results such as a least-squares line,
which can move an anti-aliased pixel of a saved image; the book's notebook tests must still pass
there, and must still fail when what a figure shows changes. These tests reproduce both without a
second machine: they draw a figure from the real trust panel, nudge every number behind it by a few
units in the last place (what another machine's kernels do), and change it for real (another survey
year), first on the figure summary itself and then through nbval on a notebook, with the project's
own ``conftest.py``.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from medlead import figures  # noqa: E402
from medlead.paths import PROJECT_ROOT  # noqa: E402
from medlead.style import HIGH_CONTRAST  # noqa: E402

SCORE = "ss_q8c_agree_pct"  # "senior managers try to involve staff in important decisions"


def _nudge(values: np.ndarray, ulps: int) -> np.ndarray:
    """Move each value by ``ulps`` units in its last place (alternating up and down)."""
    values = np.asarray(values, dtype=float)
    signs = np.where(np.arange(values.size) % 2 == 0, 1.0, -1.0).reshape(values.shape)
    return values + signs * ulps * np.spacing(values)


def _panel_rows(year: int):
    from medlead.panel import trust_panel

    panel = trust_panel()
    rows = panel.loc[panel["year"] == year, [SCORE, "shmi"]].dropna()
    assert len(rows) > 50, f"too few trusts with both values in {year}"
    return rows


def _scatter_with_fit(x: np.ndarray, y: np.ndarray, ulps: int = 0) -> plt.Figure:
    """The engagement chapter's kind of figure: trusts as dots, a least-squares line."""
    slope, intercept = np.polyfit(x, y, 1)
    slope, intercept = _nudge(np.array([slope, intercept]), ulps)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(x, y, s=14, color=HIGH_CONTRAST[0])
    xs = np.linspace(x.min(), x.max(), 50)
    ax.plot(xs, intercept + slope * xs, color=HIGH_CONTRAST[1], label="least-squares line")
    ax.set_xlabel("Senior managers involve staff (% agreeing)")
    ax.set_ylabel("SHMI")
    ax.legend()
    return fig


def _png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def test_summary_rounds_to_each_arrays_scale():
    assert figures.describe_numbers([0.5, 1e-17, -2e-17]) == "[0.5, 0, 0]"
    assert figures.describe_numbers([0.123449999999, 0.12345000001]) == "[0.1234, 0.1235]"
    assert figures.describe_numbers([1.0, float("nan")]) == "[1] +1 missing"
    many = figures.describe_numbers(np.arange(100.0))
    assert many == "n=100 min=0 max=99 mean=49.5 sd=28.87"


def test_last_place_changes_leave_the_summary_unchanged_real_changes_do_not():
    rows = _panel_rows(2017)
    x, y = rows[SCORE].to_numpy(), rows["shmi"].to_numpy()
    reference = _scatter_with_fit(x, y)
    expected = figures.figure_summary(reference)
    for ulps in (1, 2, 4):
        nudged = _scatter_with_fit(_nudge(x, ulps), _nudge(y, ulps), ulps=ulps)
        assert figures.figure_summary(nudged) == expected
        plt.close(nudged)
    other = _panel_rows(2018)
    changed = _scatter_with_fit(other[SCORE].to_numpy(), other["shmi"].to_numpy())
    assert figures.figure_summary(changed) != expected
    # Dropping one trust is a real change too, though the picture barely moves.
    fewer = _scatter_with_fit(x[1:], y[1:])
    assert figures.figure_summary(fewer) != expected
    # Only what is drawn counts: the same data as a PNG at another resolution reads the same.
    reference.set_dpi(72)
    assert figures.figure_summary(reference) == expected
    plt.close("all")


def test_summary_names_what_each_kind_of_chart_draws():
    fig, (left, right) = plt.subplots(1, 2)
    left.bar(["acute", "mental health"], [0.31, 0.57])
    left.errorbar([0, 1], [0.31, 0.57], yerr=[0.02, 0.03], fmt="none")
    left.set_title("Manager share")
    right.imshow(np.arange(6.0).reshape(2, 3))
    right.annotate("n = 129", (0, 0))
    fig.suptitle("Two panels")
    text = figures.figure_summary(fig)
    plt.close(fig)
    assert text.startswith("Figure (2 panels)\ntitle: Two panels")
    assert "title: Manager share" in text
    assert "x tick labels: ['acute', 'mental health']" in text
    assert "height: [0.31, 0.57]" in text
    assert "vertices y: [0.29, 0.33, 0.54, 0.6]" in text  # the error bars' ends
    assert "image (2, 3): [0, 1, 2, 3, 4, 5]" in text
    assert "texts: ['n = 129']" in text


#: The notebook's first cell: what a chapter does before it draws, and a function that draws the
#: engagement chapter's kind of figure with the changes another machine or other data would make.
SETUP_CELL = textwrap.dedent(
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from myst_nb import glue
    from medlead.panel import trust_panel
    from medlead.style import use_book_style

    use_book_style()
    panel = trust_panel()


    def draw(year=2017, ulps=0, dpi=100):
        rows = panel.loc[panel["year"] == year, ["ss_q8c_agree_pct", "shmi"]].dropna()
        x, y = rows["ss_q8c_agree_pct"].to_numpy(), rows["shmi"].to_numpy()
        slope, intercept = np.polyfit(x, y, 1)
        # What another CPU does: the same numbers, a few units in the last place apart.
        slope += ulps * np.spacing(slope)
        intercept -= ulps * np.spacing(intercept)
        fig, ax = plt.subplots(dpi=dpi)
        ax.scatter(x, y + ulps * np.spacing(y))
        xs = np.linspace(x.min(), x.max(), 50)
        ax.plot(xs, intercept + slope * xs, label="least-squares line")
        ax.set_xlabel("Senior managers involve staff (% agreeing)")
        ax.set_ylabel("SHMI")
        glue("fig_fit", fig, display=False)
        plt.show()
        print(f"{len(rows)} trusts")
    """
)

#: The variants checked through nbval, one code cell each after the first, in this order:
#: {name: the call that draws it}. Each cell is saved with the outputs of a plain ``draw()``.
VARIANTS = {
    "ulps": "draw(ulps=3)",  # what another CPU's kernels do
    "dpi": "draw(dpi=72)",  # other image bytes, same data
    "year": "draw(year=2018)",  # other data
}


@pytest.fixture(scope="module")
def saved_notebook(tmp_path_factory) -> Path:
    """A notebook drawing a fitted line once per variant, executed and saved as a chapter would
    be: every drawing cell calls plain ``draw()`` and keeps the outputs it gave."""
    from nbclient import NotebookClient

    folder = tmp_path_factory.mktemp("figure-notebook")
    assert PROJECT_ROOT is not None
    shutil.copy(PROJECT_ROOT / "conftest.py", folder / "conftest.py")
    (folder / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(SETUP_CELL)]
    notebook.cells += [nbformat.v4.new_code_cell("draw()") for _ in VARIANTS]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    where = {"metadata": {"path": folder}}
    NotebookClient(notebook, kernel_name="python3", resources=where).execute()
    for cell in notebook.cells[1:]:
        kinds = [sorted(output.get("data", {})) for output in cell.outputs]
        assert any("application/papermill.record/image/png" in k for k in kinds), kinds
        assert any("image/png" in k for k in kinds), kinds
    nbformat.write(notebook, folder / "figure.ipynb")
    return folder


@pytest.fixture(scope="module")
def nbval_run(saved_notebook: Path) -> subprocess.CompletedProcess:
    """nbval over a copy of the saved notebook whose drawing cells each draw one variant (see
    ``VARIANTS``) against the saved outputs of the plain drawing; one kernel runs them all, and
    ``-rA`` lists each cell's outcome."""
    notebook = nbformat.read(saved_notebook / "figure.ipynb", as_version=4)
    for cell, call in zip(notebook.cells[1:], VARIANTS.values(), strict=True):
        cell.source = call
    nbformat.write(notebook, saved_notebook / "figure-variants.ipynb")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-rA",
         "figure-variants.ipynb"],
        cwd=saved_notebook, env=dict(os.environ), capture_output=True, text=True, timeout=600,
    )


def _cell(name: str) -> str:
    """The nbval test id of the cell that draws variant ``name``."""
    return f"figure-variants.ipynb::Cell {1 + list(VARIANTS).index(name)}"


def _outcome(run: subprocess.CompletedProcess, name: str) -> str:
    for line in run.stdout.splitlines():
        for outcome in ("PASSED", "FAILED"):
            if line == f"{outcome} {_cell(name)}" or line.startswith(f"{outcome} {_cell(name)} "):
                return outcome
    raise AssertionError(f"no outcome for {name} in:\n{run.stdout}\n{run.stderr}")


def test_nbval_passes_when_only_the_last_place_changes(nbval_run):
    assert _outcome(nbval_run, "ulps") == "PASSED", nbval_run.stdout


def test_nbval_ignores_image_bytes_that_change_while_the_data_do_not(nbval_run):
    # Another resolution gives other PNG bytes for both the shown and the glued image.
    assert _outcome(nbval_run, "dpi") == "PASSED", nbval_run.stdout


def test_nbval_fails_when_the_figure_shows_other_data(nbval_run):
    assert _outcome(nbval_run, "year") == "FAILED", nbval_run.stdout
    failure = nbval_run.stdout.split(_cell("year"), 1)[1]
    # The failure is the figure's summary, which says what changed (here, the axis limits).
    assert "mismatch 'application/papermill.record/text/plain'" in failure
    assert "limits" in failure
