"""Checks of the hand-authored speaker table ``data/speakers.csv`` against the Module 3 transcripts.

The table is scholarly coding (see ``data/speakers.md``); these tests check that it is well formed
and that every row points at real transcript text: its evidence line must be the first line of a
speaker turn (``**Speaker**: ...``) in that day's file, and the set of section headings must match
the headings found in the corpus (a line underlined with ``-----``).

The transcripts are read with :func:`medlead.data.fetch`, so set ``MEDLEAD_DATA_MIRROR`` (or have a
filled cache) when running them offline.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from medlead import data, paths

SPEAKERS_CSV: Path = paths.DATA_DIR / "speakers.csv"
FAMILY = "covid-inquiry-m3"

COLUMNS = [
    "section_heading",
    "person_id",
    "name",
    "appearance",
    "group",
    "hybrid_medical_manager",
    "organisation",
    "role_title",
    "evidence_date",
    "evidence_line",
    "evidence",
    "confidence",
]
APPEARANCES = {"witness", "opening statement", "closing statement", "other statement"}
GROUPS = {
    "doctor",
    "nurse_midwife",
    "nhs_manager",
    "civil_servant_minister",
    "counsel",
    "chair",
    "patient_family",
    "union_professional_body",
    "other",
}
CONFIDENCES = {"high", "medium"}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DAY_ID = re.compile(rf"^{FAMILY}/(\d{{4}}-\d{{2}}-\d{{2}})\.rst$")
MAX_EVIDENCE_WORDS = 30


def headings_in(lines: list[str]) -> list[str]:
    """Return the section headings of one transcript: each line directly above a ``-----`` line."""
    return [
        lines[number - 1].strip()
        for number in range(1, len(lines))
        if lines[number].startswith("-----") and lines[number - 1].strip()
    ]


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with SPEAKERS_CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def header() -> list[str]:
    with SPEAKERS_CSV.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


@pytest.fixture(scope="module")
def transcripts() -> dict[str, list[str]]:
    """Every hearing day's transcript as a list of lines, keyed by ISO date."""
    days: dict[str, list[str]] = {}
    for source_id in data.source_ids(FAMILY):
        match = DAY_ID.match(source_id)
        if match:
            text = data.fetch(source_id).read_text(encoding="utf-8")
            days[match.group(1)] = text.split("\n")
    return days


def test_columns_are_the_agreed_ones_in_order(header):
    assert header == COLUMNS


def test_every_field_is_filled_and_trimmed(rows):
    assert rows, f"{SPEAKERS_CSV} has no rows"
    for row in rows:
        for column in COLUMNS:
            value = row[column]
            assert value and value == value.strip(), (row["section_heading"], column, value)


def test_section_headings_are_unique(rows):
    seen = [row["section_heading"] for row in rows]
    duplicates = sorted({h for h in seen if seen.count(h) > 1})
    assert not duplicates, f"headings coded twice: {duplicates}"


def test_categorical_columns_use_allowed_values(rows):
    for row in rows:
        heading = row["section_heading"]
        assert row["appearance"] in APPEARANCES, heading
        assert row["group"] in GROUPS, heading
        assert row["confidence"] in CONFIDENCES, heading
        assert row["hybrid_medical_manager"] in {"true", "false"}, heading
        assert SLUG.match(row["person_id"]), (heading, row["person_id"])


def test_only_doctors_are_hybrid_medical_managers(rows):
    wrong = [
        r["section_heading"]
        for r in rows
        if r["hybrid_medical_manager"] == "true" and r["group"] != "doctor"
    ]
    assert not wrong


def test_witnesses_are_never_coded_as_counsel_or_chair(rows):
    wrong = [
        r["section_heading"]
        for r in rows
        if r["appearance"] == "witness" and r["group"] in {"counsel", "chair"}
    ]
    assert not wrong


def test_one_person_has_one_group(rows):
    groups: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        groups[row["person_id"]].add(row["group"])
    mixed = {person: sorted(g) for person, g in groups.items() if len(g) > 1}
    assert not mixed


def test_evidence_notes_are_short(rows):
    long_notes = [
        r["section_heading"] for r in rows if len(r["evidence"].split()) > MAX_EVIDENCE_WORDS
    ]
    assert not long_notes


def test_evidence_dates_are_hearing_days(rows, transcripts):
    for row in rows:
        date.fromisoformat(row["evidence_date"])
        assert row["evidence_date"] in transcripts, (row["section_heading"], row["evidence_date"])


def test_evidence_line_is_the_start_of_a_speaker_turn(rows, transcripts):
    for row in rows:
        lines = transcripts[row["evidence_date"]]
        number = int(row["evidence_line"])
        assert 1 <= number <= len(lines), (row["section_heading"], number)
        assert lines[number - 1].startswith("**"), (
            f"{row['section_heading']!r}: line {number} of {row['evidence_date']}.rst "
            f"is not a speaker turn: {lines[number - 1][:60]!r}"
        )


def test_every_corpus_heading_is_coded_and_no_row_is_stale(rows, transcripts):
    in_corpus = {h for lines in transcripts.values() for h in headings_in(lines)}
    coded = {row["section_heading"] for row in rows}
    assert sorted(in_corpus - coded) == [], "headings in the transcripts without a row"
    assert sorted(coded - in_corpus) == [], "rows whose heading is not in the transcripts"


def test_headings_in_reads_the_underline_rule():
    lines = ["Ms A Witness", "------------", "", "**Ms A Witness**: Yes.", "", "-----"]
    assert headings_in(lines) == ["Ms A Witness"]
