"""The authored timeline of medical leadership in the NHS (``data/timeline.csv``).

Each row is one dated event: ``year``, ``event`` (a short title), ``description`` (the book's own
words), ``citation`` (a key in ``references.bib``) and ``confidence``: ``H`` when the date and
content were seen in a source, ``M`` when the content was seen but the date only in secondary
sources. Events known only from memory are not in the file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from medlead import paths
from medlead.authored import read_authored_csv

TIMELINE_PATH: Path = paths.book_file("timeline.csv")
REFERENCES_PATH: Path = paths.book_file("references.bib")

REQUIRED_COLUMNS: tuple[str, ...] = ("year", "event", "description", "citation", "confidence")
CONFIDENCE_LEVELS: dict[str, str] = {
    "H": "date and content seen in a source",
    "M": "content seen in a source; date from secondary sources",
}
EARLIEST_YEAR, LATEST_YEAR = 1940, 2030


class TimelineError(ValueError):
    """The timeline file is missing, malformed or cites an unknown reference."""


def bibliography_keys(bib_path: Path = REFERENCES_PATH) -> set[str]:
    """Return the citation keys defined in a BibTeX file."""
    text = bib_path.read_text(encoding="utf-8")
    return set(re.findall(r"^@\w+\s*\{\s*([^,\s]+)\s*,", text, flags=re.MULTILINE))


def load_timeline(path: Path = TIMELINE_PATH, bib_path: Path = REFERENCES_PATH) -> pd.DataFrame:
    """Load and validate the timeline.

    In: a CSV with the columns in :data:`REQUIRED_COLUMNS`.
    Out: a DataFrame sorted by year (stable within a year), ``year`` as int, ``confidence`` as an
    ordered category, and ``confidence_label`` spelling out what the mark means.

    Raises :class:`TimelineError` naming the file, the row (as numbered in the file, header = 1)
    and the problem: missing file or columns, a year that is not a whole number in range, an empty
    field, an unknown confidence mark, or a citation key absent from ``references.bib``.
    """
    path = Path(path)
    frame = read_authored_csv(path, REQUIRED_COLUMNS, TimelineError, "timeline file")
    if frame.empty:
        raise TimelineError(f"{path}: the timeline has no events.")

    known_keys = bibliography_keys(bib_path)
    problems: list[str] = []
    for index, row in frame.iterrows():
        line = int(index) + 2  # header is line 1
        for column in REQUIRED_COLUMNS:
            if not row[column].strip():
                problems.append(f"line {line}: '{column}' is empty")
        year = row["year"].strip()
        if year and not (year.isdigit() and EARLIEST_YEAR <= int(year) <= LATEST_YEAR):
            problems.append(
                f"line {line}: year {year!r} is not a whole number between "
                f"{EARLIEST_YEAR} and {LATEST_YEAR}"
            )
        mark = row["confidence"].strip()
        if mark and mark not in CONFIDENCE_LEVELS:
            problems.append(
                f"line {line}: confidence {mark!r} is not one of {', '.join(CONFIDENCE_LEVELS)}"
            )
        key = row["citation"].strip()
        if key and key not in known_keys:
            problems.append(f"line {line}: citation key {key!r} is not in {bib_path.name}")
    if problems:
        raise TimelineError(f"{path}: " + "; ".join(problems) + ".")

    tidy = frame.loc[:, list(REQUIRED_COLUMNS)].apply(lambda s: s.str.strip())
    tidy["year"] = tidy["year"].astype(int)
    tidy["confidence"] = pd.Categorical(
        tidy["confidence"], categories=list(CONFIDENCE_LEVELS), ordered=True
    )
    tidy["confidence_label"] = tidy["confidence"].map(CONFIDENCE_LEVELS).astype(str)
    return tidy.sort_values("year", kind="stable").reset_index(drop=True)


def events_per_decade(timeline: pd.DataFrame) -> pd.Series:
    """Count events per decade (index: the decade's first year, e.g. 1980)."""
    decades = (timeline["year"] // 10) * 10
    return decades.value_counts().sort_index().rename("events")


def draw_timeline(timeline: pd.DataFrame, ax=None):
    """Draw the timeline as a dot plot, one row per event, and return the matplotlib Axes.

    In: a DataFrame from :func:`load_timeline`. Out: the Axes, with years on the x axis and the
    events (oldest at the top) as row labels. Marker shape and fill say how firmly the date is
    known (filled circle: ``H``; open square: ``M``), so the figure does not rely on colour.
    """
    import matplotlib.pyplot as plt

    from medlead.style import HIGH_CONTRAST

    ordered = timeline.sort_values("year", kind="stable").reset_index(drop=True)
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 0.32 * len(ordered) + 1.5))
    rows = range(len(ordered))
    ax.hlines(list(rows), ordered["year"].min() - 1, ordered["year"], color="#DDDDDD",
              linewidth=0.8, zorder=1)
    styles = {
        "H": {"marker": "o", "facecolors": HIGH_CONTRAST[0], "label": "date seen in a source"},
        "M": {"marker": "s", "facecolors": "white", "label": "date from secondary sources only"},
    }
    for mark, style in styles.items():
        chosen = ordered.index[ordered["confidence"] == mark]
        if len(chosen):
            ax.scatter(ordered.loc[chosen, "year"], list(chosen), s=55, edgecolors=HIGH_CONTRAST[0],
                       linewidths=1.5, zorder=3, **style)
    ax.set_yticks(list(rows), [f"{y}  {e}" for y, e in zip(ordered["year"], ordered["event"],
                                                            strict=True)])
    ax.invert_yaxis()
    ax.set_xlim(ordered["year"].min() - 1, ordered["year"].max() + 1)
    ax.set_xlabel("Year")
    ax.set_ylabel("Event (oldest at the top)")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower left", frameon=True, fontsize=9)
    return ax
