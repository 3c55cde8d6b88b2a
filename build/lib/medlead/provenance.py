"""Tables and a figure for the Data appendix: where each source comes from and how it checks out.

Everything here is small and descriptive: a catalogue of the manifest (:func:`sources_table`,
:func:`families_table`), a first look at a raw file (:func:`raw_head`), coverage and
missingness summaries (:func:`organisations_by_year`, :func:`join_coverage`,
:func:`presence_by_year`, :func:`plot_presence`) and the panel's data dictionary
(:func:`panel_dictionary`).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from medlead import data, paths

PANEL_DICTIONARY_PATH = paths.book_file("panel_dictionary.csv")


def families_table() -> pd.DataFrame:
    """One row per source family: title, status, publisher, licence, files, citation keys."""
    files = pd.Series([s.family for s in data.manifest().values()]).value_counts()
    rows = [
        {
            "family": f.name,
            "title": f.title,
            "status": f.status,
            "publisher": f.publisher,
            "licence": f.licence,
            "files": int(files.get(f.name, 0)),
            "citation": ", ".join(f.citation),
        }
        for f in data.families().values()
    ]
    return pd.DataFrame(rows)


def sources_table(family: str | None = None) -> pd.DataFrame:
    """One row per source file: id, family, status, size in kB, what it contains, pinned URL."""
    families = data.families()
    rows = [
        {
            "id": s.id,
            "family": s.family,
            "status": families[s.family].status,
            "size_kb": round(s.size / 1024, 1),
            "contains": s.contains,
            "url": s.url,
        }
        for s in data.manifest().values()
        if family is None or s.family == family
    ]
    return pd.DataFrame(rows)


def raw_head(source_id: str, rows: int = 5, sheet: str | None = None) -> pd.DataFrame:
    """The first ``rows`` lines of a raw source file, as text cells, exactly as stored.

    CSV files are read without any parsing of types (no header for ``header=None`` files is
    guessed: the first line is shown as the first row); for Excel files, name the ``sheet``.
    """
    path = data.fetch(source_id)
    if path.suffix.lower() == ".xlsx":
        from medlead.sources.common import read_sheets

        frame = read_sheets(source_id, path, [sheet or "Sheet1"])[sheet or "Sheet1"]
        return frame.head(rows).fillna("").astype(str)
    return pd.read_csv(
        path, header=None, dtype=str, nrows=rows, encoding="utf-8-sig", keep_default_na=False
    )


def organisations_by_year(frame: pd.DataFrame, key: str = "org_code") -> pd.Series:
    """Number of distinct organisations per ``year``."""
    return frame.groupby("year")[key].nunique().rename("organisations")


def join_coverage(codes: Iterable[str], reference: Iterable[str], name: str) -> pd.Series:
    """How the organisation codes of one source meet a reference list (e.g. the panel's trusts).

    Out: counts of codes in both, only in the source, only in the reference, and the share of
    the reference that the source covers (percent, one decimal).
    """
    codes, reference = set(codes), set(reference)
    both = codes & reference
    return pd.Series(
        {
            "in both": len(both),
            f"only in {name}": len(codes - reference),
            "only in reference": len(reference - codes),
            "reference covered (%)": round(100 * len(both) / len(reference), 1),
        },
        name=name,
    )


def presence_by_year(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """Percent of rows with a value, per column (rows) and ``year`` (columns), one decimal."""
    columns = list(columns)
    share = frame[columns].notna().groupby(frame["year"]).mean().mul(100).round(1)
    return share.T


def plot_presence(presence: pd.DataFrame, title: str):
    """Heatmap of :func:`presence_by_year` (percent present), annotated so colour is not needed.

    Uses the colour-blind-safe sequential map *cividis*; returns the matplotlib figure.
    """
    import matplotlib.pyplot as plt

    height = 0.32 * len(presence) + 1.6
    figure, axes = plt.subplots(figsize=(9, height))
    image = axes.imshow(presence.to_numpy(), cmap="cividis", vmin=0, vmax=100, aspect="auto")
    axes.set_xticks(range(presence.shape[1]), [str(c) for c in presence.columns])
    axes.set_yticks(range(presence.shape[0]), list(presence.index))
    axes.grid(False)
    for (row, col), value in pd.DataFrame(presence.to_numpy()).stack().items():
        axes.text(col, row, f"{value:.0f}", ha="center", va="center", fontsize=7,
                  color="black" if value > 60 else "white")
    axes.set_xlabel("Financial year (first calendar year)")
    axes.set_ylabel("Panel column")
    axes.set_title(title)
    figure.colorbar(image, ax=axes, label="Rows with a value (%)", fraction=0.03)
    figure.tight_layout()
    return figure


def panel_dictionary(panel: pd.DataFrame | None = None) -> pd.DataFrame:
    """The panel's data dictionary (``data/panel_dictionary.csv``) with coverage from the panel.

    Out: one row per panel column: description, unit or scale, source, status, the years in
    which it has values and the number of trust-years with a value.
    """
    from medlead.panel import PANEL_COLUMNS, trust_panel

    panel = trust_panel() if panel is None else panel
    dictionary = pd.read_csv(PANEL_DICTIONARY_PATH, dtype=str)
    missing = [c for c in PANEL_COLUMNS if c not in set(dictionary["column"])]
    if missing:
        raise data.DataError(
            f"{PANEL_DICTIONARY_PATH}: no entry for panel column(s) {', '.join(missing)}; "
            "add a row for each."
        )
    years, counts = [], []
    for column in dictionary["column"]:
        present = panel.loc[panel[column].notna(), "year"]
        years.append(f"{present.min()}-{present.max()}" if len(present) else "none")
        counts.append(int(present.size))
    dictionary["years"] = years
    dictionary["trust_years"] = counts
    return dictionary
