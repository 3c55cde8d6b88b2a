"""The timeline loader accepts the authored file and rejects malformed ones with clear errors."""

from pathlib import Path

import pandas as pd
import pytest

from medlead.timeline import (
    TIMELINE_PATH,
    TimelineError,
    bibliography_keys,
    events_per_decade,
    load_timeline,
)

HEADER = "year,event,description,citation,confidence\n"
GOOD_ROW = (
    '1983,Griffiths inquiry,"General managers replace consensus management.",'
    "griffiths1983inquiry,H\n"
)


@pytest.fixture()
def bib(tmp_path: Path) -> Path:
    path = tmp_path / "refs.bib"
    path.write_text("@techreport{griffiths1983inquiry,\n  title = {X},\n  year = {1983}\n}\n")
    return path


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "timeline.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_authored_timeline_is_valid_and_sorted():
    timeline = load_timeline()
    assert len(timeline) == len(pd.read_csv(TIMELINE_PATH))
    assert timeline["year"].is_monotonic_increasing
    assert set(timeline["confidence"].astype(str)) <= {"H", "M"}
    assert timeline["citation"].isin(bibliography_keys()).all()


def test_good_file_loads(tmp_path, bib):
    timeline = load_timeline(write(tmp_path, HEADER + GOOD_ROW), bib)
    assert timeline.loc[0, "year"] == 1983
    assert timeline.loc[0, "confidence_label"] == "date and content seen in a source"


def test_missing_file_is_named(tmp_path, bib):
    missing = tmp_path / "nope.csv"
    with pytest.raises(TimelineError, match="nope.csv: timeline file not found"):
        load_timeline(missing, bib)


def test_missing_column_is_named(tmp_path, bib):
    path = write(tmp_path, "year,event,description,citation\n1983,a,b,griffiths1983inquiry\n")
    with pytest.raises(TimelineError, match=r"timeline.csv: missing column\(s\) confidence"):
        load_timeline(path, bib)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("19x3,a,b,griffiths1983inquiry,H\n", r"line 2: year '19x3' is not a whole number"),
        ("1833,a,b,griffiths1983inquiry,H\n", r"line 2: year '1833' is not a whole number"),
        ("1983,,b,griffiths1983inquiry,H\n", r"line 2: 'event' is empty"),
        ("1983,a,b,griffiths1983inquiry,L\n", r"line 2: confidence 'L' is not one of H, M"),
        ("1983,a,b,nobody2020,H\n", r"line 2: citation key 'nobody2020' is not in refs.bib"),
    ],
)
def test_bad_rows_are_reported_with_line_and_problem(tmp_path, bib, row, message):
    path = write(tmp_path, HEADER + row)
    with pytest.raises(TimelineError, match=message) as caught:
        load_timeline(path, bib)
    assert str(path) in str(caught.value)


def test_every_problem_is_reported_at_once(tmp_path, bib):
    path = write(tmp_path, HEADER + GOOD_ROW + "abc,a,b,griffiths1983inquiry,Z\n")
    with pytest.raises(TimelineError) as caught:
        load_timeline(path, bib)
    assert "line 3: year 'abc'" in str(caught.value)
    assert "line 3: confidence 'Z'" in str(caught.value)


def test_empty_timeline_is_refused(tmp_path, bib):
    with pytest.raises(TimelineError, match="no events"):
        load_timeline(write(tmp_path, HEADER), bib)


def test_events_per_decade_counts_by_decade(tmp_path, bib):
    rows = "".join(f"{year},a,b,griffiths1983inquiry,H\n" for year in (1983, 1989, 1991))
    counts = events_per_decade(load_timeline(write(tmp_path, HEADER + rows), bib))
    assert counts.to_dict() == {1980: 2, 1990: 1}
