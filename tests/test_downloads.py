"""Tests for medlead.downloads: the files the Data appendix offers, written at build time."""

import zipfile

import pandas as pd

from medlead import data, downloads


def _dictionary():
    return pd.DataFrame({"column": ["org_code"], "description": ["ODS code"],
                         "unit_or_scale": ["code"], "source": ["x.csv"], "status": ["official"]})


def test_readme_lists_every_file_source_and_licence():
    text = downloads.readme(2485, _dictionary(), 20)
    for table in downloads.FIGURE_TABLES:
        assert f"`{table.file}`" in text
    for family in data.families().values():
        assert family.licence in text and family.publisher in text
    assert "an AI assistant, not by a human coder" in text
    assert "2,485 trust-years" in text


def test_every_figure_table_is_expected_once():
    names = downloads.expected_files()
    assert len(names) == len(set(names))
    assert {t.file for t in downloads.FIGURE_TABLES} <= set(names)


def test_write_downloads_writes_every_file_then_skips_when_up_to_date(tmp_path):
    from medlead.panel import trust_panel

    written = downloads.write_downloads(tmp_path)
    assert sorted(p.name for p in written) == sorted(downloads.expected_files())
    assert all(p.is_file() and p.stat().st_size > 0 for p in written)
    panel = pd.read_csv(tmp_path / "trust-panel.csv", dtype={"org_code": str})
    assert len(panel) == len(trust_panel())
    with zipfile.ZipFile(tmp_path / downloads.ZIP_NAME) as bundle:
        inside = {n.split("/", 1)[1] for n in bundle.namelist()}
    assert inside == set(downloads.expected_files()) - {downloads.ZIP_NAME}
    # up to date: nothing is rewritten
    before = {p.name: p.stat().st_mtime_ns for p in written}
    downloads.write_downloads(tmp_path)
    assert {p.name: p.stat().st_mtime_ns for p in written} == before
    # a file removed by hand is written again
    (tmp_path / "listening-keyness.csv").unlink()
    downloads.write_downloads(tmp_path)
    assert (tmp_path / "listening-keyness.csv").is_file()


def _parameters(notebook: str) -> dict:
    """The constants of a chapter's parameter cell (its cell that starts '# --- Parameters')."""
    import nbformat

    from medlead import paths

    book = nbformat.read(paths.PROJECT_ROOT / "notebooks" / f"{notebook}.ipynb", as_version=4)
    cells = [c.source for c in book.cells
             if c.cell_type == "code" and c.source.startswith("# --- Parameters")]
    assert len(cells) == 1, f"{notebook}: expected one parameter cell"
    namespace: dict = {}
    exec(cells[0], namespace)  # the cell holds only literal constants
    return namespace


def test_figure_tables_use_the_chapters_default_parameters():
    listening = _parameters("listening")
    assert downloads.KEYNESS_PAIRS == listening["KEYNESS_PAIRS"]
    assert downloads.KEYNESS_MIN_FREQ == listening["MIN_FREQ"]
    assert downloads.THEME_GROUPS == listening["THEME_GROUPS"]
    assert downloads.HEARING_YEARS == listening["HEARING_YEARS"]
    assert (downloads.LISTENING_REPS, downloads.LISTENING_LEVEL, downloads.LISTENING_SEED) == (
        listening["BOOTSTRAP_REPS"], listening["LEVEL"], listening["SEED"])
    engagement = _parameters("engagement-performance")
    for name in ("SURVEY_YEAR", "OUTCOME_YEAR", "RATING_YEAR", "SENIOR_MANAGER_ITEMS",
                 "TRUST_TYPES", "BALANCE_TYPES", "MIN_TRUSTS", "CONFIDENCE"):
        assert getattr(downloads, name) == engagement[name], name
    assert downloads.OUTCOME_LABELS == engagement["OUTCOMES"]
