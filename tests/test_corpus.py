"""Tests for medlead.corpus: parsing hearing days, speakers, bad input, and the real corpus."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from medlead import corpus, data

# A made-up hearing day in the source's layout, with each quirk the parser must handle.
DAY = """\
1 January 2030
==============

*(10.00 am)*

**Lady Hallett**: Good morning.

Opening Statement by Lead Counsel to the Inquiry
------------------------------------------------

**Lead 3**: My Lady, this module is about healthcare.

It has a second paragraph.

Dr Jane Roe
-----------

*DR JANE ROE (sworn).*

Questions From Counsel to the Inquiry
^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^

**Counsel Inquiry**: Please give your full name.

**Dr Roe**: Jane Roe.

**The Witness**: Sorry, Jane Mary Roe.

*(11.15 am)*

**Counsel Inquiry**: What happened to supplies?

**Dr Jane Roe**: Two problems.

**Ppe**: one, getting it; two, moving it.

**Ms Roe KC**: I am not the witness.

**Mr Smith KC**: Nor am I.

*(The witness withdrew)*

Dr Ann Bee
----------

*DR ANN BEE (affirmed).*

Mr Cee
------

*MR CEE (affirmed).*

**Mr Smith**: Both of you, please.

**Dr Bee**: Yes.

**Mr Cee**: Yes too.

**Unknown Speaker**: (Inaudible).

**Broken** label without a colon

Closing Submissions
-------------------

Ms Doe
------

**Ms Doe**: Closing on behalf of a group.
"""


@pytest.fixture
def day() -> corpus.DayParse:
    parsed = corpus.parse_day(DAY, "2030-01-01", "fixture")
    corpus.assign_speakers(parsed)
    return parsed


def test_turns_have_stable_ids_and_exact_offsets(day):
    turns = day.turns
    assert [t["turn_id"] for t in turns[:3]] == [
        "2030-01-01-0001", "2030-01-01-0002", "2030-01-01-0003",
    ]
    assert len(turns) == 15  # every '**Label**: ' line, including the 'Ppe' artefact
    for turn in turns:
        assert DAY[turn["start"] : turn["end"]] == turn["text"]
        assert turn["n_words"] == len(turn["text"].split())
    assert turns[1]["text"] == (
        "My Lady, this module is about healthcare.\n\nIt has a second paragraph."
    )


def test_sections_subheadings_and_witness(day):
    by_label = {t["speaker_label"]: t for t in day.turns}
    assert day.turns[0]["section"] is None and day.turns[0]["witness"] is None
    assert by_label["Lead 3"]["section"] == "Opening Statement by Lead Counsel to the Inquiry"
    assert by_label["Lead 3"]["witness"] is None
    assert by_label["Dr Roe"]["subheading"] == "Questions From Counsel to the Inquiry"
    assert by_label["Counsel Inquiry"]["witness"] == "Dr Jane Roe"
    kinds = {s["heading"]: s["kind"] for s in day.sections}
    assert kinds == {
        "Opening Statement by Lead Counsel to the Inquiry": "statement",
        "Dr Jane Roe": "witness",
        "Dr Ann Bee": "witness",
        "Mr Cee": "witness",
        "Closing Submissions": "statement",
        "Ms Doe": "statement",  # a name heading once the closing submissions began
    }
    assert [s["oath"] for s in day.sections if s["heading"] == "Dr Jane Roe"] == [
        "DR JANE ROE (sworn)."
    ]


def test_speaker_roles_and_normalisation(day):
    rows = [(t["speaker_label"], t["speaker"], t["role"], t["is_witness"]) for t in day.turns]
    assert rows[0] == ("Lady Hallett", "Lady Hallett", "chair", False)
    assert rows[1] == ("Lead 3", "Lead Counsel to the Inquiry", "counsel_to_the_inquiry", False)
    assert ("Dr Roe", "Dr Jane Roe", "witness", True) in rows
    assert ("The Witness", "Dr Jane Roe", "witness", True) in rows
    assert ("Dr Jane Roe", "Dr Jane Roe", "witness", True) in rows
    # 'Ppe' is the word PPE before a colon: the preceding speaker goes on.
    assert ("Ppe", "Dr Jane Roe", "witness", True) in rows
    # Counsel who shares the witness's surname: the KC suffix marks counsel.
    assert ("Ms Roe KC", "Ms Roe", "counsel", False) in rows
    assert ("Mr Smith KC", "Mr Smith", "counsel", False) in rows
    assert ("Unknown Speaker", "Unidentified speaker", "unidentified", False) in rows
    assert ("Ms Doe", "Ms Doe", "counsel", False) in rows


def test_panel_turns_are_matched_to_each_panel_member(day):
    panel = [t for t in day.turns if t["section"] == "Mr Cee"]
    witnesses = {t["speaker_label"]: t["witness"] for t in panel if t["is_witness"]}
    assert witnesses == {"Dr Bee": "Dr Ann Bee", "Mr Cee": "Mr Cee"}
    questioner = next(t for t in panel if t["speaker_label"] == "Mr Smith")
    assert questioner["witness"] == "Dr Ann Bee / Mr Cee"
    assert not questioner["is_witness"]


def test_every_skipped_line_is_reported_with_its_reason(day):
    reasons = {s["text"]: s["reason"] for s in day.skipped}
    assert reasons["*(10.00 am)*"] == "time stamp"
    assert reasons["*DR JANE ROE (sworn).*"] == "oath line"
    assert reasons["*(The witness withdrew)*"] == "stage direction"
    assert reasons["Questions From Counsel to the Inquiry"] == "questioner sub-heading"
    assert reasons["1 January 2030"] == "day title"
    assert reasons["**Broken** label without a colon"].startswith("unrecognised turn format")
    assert day.skipped[0]["line"] == 1
    broken = next(s for s in day.skipped if s["text"].startswith("**Broken"))
    assert DAY.splitlines()[broken["line"] - 1] == broken["text"]


def word_count_accounting(text: str, day: corpus.DayParse) -> tuple[int, int]:
    """(words in the file, words in turns + label markup + skipped lines)."""
    in_turns = sum(t["n_words"] for t in day.turns)
    in_labels = sum(len(f"**{t['speaker_label']}**:".split()) for t in day.turns)
    in_skipped = sum(len(s["text"].split()) for s in day.skipped)
    return len(text.split()), in_turns + in_labels + in_skipped


def test_no_word_of_the_fixture_is_lost(day):
    in_file, accounted = word_count_accounting(DAY, day)
    assert in_file == accounted


@pytest.mark.parametrize(
    ("label", "heading", "expected"),
    [
        ("Professor Sir Powis", "Professor Sir Stephen Powis", True),
        ("Michael McBride", "Professor Sir Michael McBride", True),
        ("Dr Suntharalingam", "Dr Ganesh Suntharalingam", True),
        ("Professor Evans", "Dr Rachael Evans", True),
        ("Mr Scott", "Ms Chloe Scott", False),  # honorifics disagree
        ("Ms Scott", "Ms Chloe Scott", True),
        ("Dr Paul Jones", "Dr Barry Jones", False),  # a forename the heading lacks
        ("Lady Hallett", "Dr Barry Jones", False),
        ("Ms Jones KC", "Ms Julia Jones", False),  # counsel
        ("Counsel Inquiry", "Dr Barry Jones", False),
    ],
)
def test_label_matching_rules(label, heading, expected):
    assert corpus.label_matches_heading(label, heading) is expected


# --- bad input --------------------------------------------------------------------------------


def test_day_without_headings_is_an_error():
    with pytest.raises(corpus.CorpusError, match="no section headings"):
        corpus.parse_day("**Lady Hallett**: Hello.\n\nJust text.\n", "2030-01-01", "bare.rst")


def test_empty_file_is_an_error():
    with pytest.raises(corpus.CorpusError, match="empty"):
        corpus.parse_day("  \n\n", "2030-01-01", "empty.rst")


def test_non_utf8_bytes_name_the_file_and_position(tmp_path):
    bad = tmp_path / "2030-01-02.rst"
    bad.write_bytes(DAY.encode("utf-8") + b"\n**Lady Hallett**: caf\xe9\n")
    with pytest.raises(corpus.CorpusError, match=r"2030-01-02\.rst: byte \d+ \(line \d+\)"):
        corpus.parse_file(bad)


def test_empty_corpus_is_an_error():
    with pytest.raises(corpus.CorpusError, match="corpus is empty"):
        corpus.build_corpus([])


def test_a_corpus_of_files_without_turns_is_an_error(tmp_path):
    path = tmp_path / "2030-01-03.rst"
    path.write_text("3 January 2030\n==============\n\nDr A\n----\n\n*(Pause)*\n", encoding="utf-8")
    with pytest.raises(corpus.CorpusError, match="holds a speaker turn"):
        corpus.build_corpus([("2030-01-03", path)])


def test_text_outside_any_turn_is_reported_not_dropped():
    text = "Dr A\n----\n\nA stray paragraph.\n\n**Dr A**: Hello.\n"
    parsed = corpus.parse_day(text, "2030-01-04", "stray.rst")
    assert parsed.skipped[-1]["reason"].startswith("text outside any turn")
    assert parsed.skipped[-1]["text"] == "A stray paragraph."


def test_file_name_without_a_date_is_an_error():
    with pytest.raises(corpus.CorpusError, match="hearing date"):
        corpus.hearing_date_of("module-3/index.rst")


# --- speakers table ---------------------------------------------------------------------------

SPEAKERS_HEADER = (
    "section_heading,person_id,name,appearance,group,hybrid_medical_manager,organisation,"
    "role_title,evidence_date,evidence_turn,evidence"
)


def write_speakers(tmp_path, rows: list[str]):
    path = tmp_path / "speakers.csv"
    path.write_text("\n".join([SPEAKERS_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


GOOD_ROWS = [
    "Dr Jane Roe,roe-jane,Jane Roe,witness,doctor,true,A Trust,Medical director,2030-01-01,"
    "2030-01-01-0004,says she leads the trust's doctors",
    "Dr Ann Bee,bee-ann,Ann Bee,witness,nurse_midwife,false,B Trust,Chief nurse,,,",
    "Mr Cee,cee,Cee,witness,nhs_manager,FALSE,C Trust,Chief executive,,,",
]


def test_load_speakers_types(tmp_path):
    speakers = corpus.load_speakers(write_speakers(tmp_path, GOOD_ROWS))
    assert speakers["hybrid_medical_manager"].tolist() == [True, False, False]
    assert list(speakers["group"].cat.categories) == list(corpus.GROUPS)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (GOOD_ROWS[0].replace(",doctor,", ",surgeon,"), "group 'surgeon' is not one of"),
        (GOOD_ROWS[0].replace(",true,", ",maybe,"), "'maybe' is not true or false"),
        (GOOD_ROWS[0].replace(",witness,", ",guest,"), "appearance 'guest'"),
        (GOOD_ROWS[0].replace("2030-01-01-0004", "turn 4"), "is not a turn id"),
    ],
)
def test_load_speakers_rejects_bad_values(tmp_path, row, message):
    with pytest.raises(corpus.CorpusError, match=re.escape(message)):
        corpus.load_speakers(write_speakers(tmp_path, [row, *GOOD_ROWS[1:]]))


def test_load_speakers_rejects_duplicate_headings_and_missing_columns(tmp_path):
    with pytest.raises(corpus.CorpusError, match="appears on lines 2, 5"):
        corpus.load_speakers(write_speakers(tmp_path, [*GOOD_ROWS, GOOD_ROWS[0]]))
    path = tmp_path / "short.csv"
    path.write_text("section_heading,group\nDr A,doctor\n", encoding="utf-8")
    with pytest.raises(corpus.CorpusError, match="missing column"):
        corpus.load_speakers(path)


def test_load_speakers_accepts_evidence_lines_and_extra_columns(tmp_path):
    path = tmp_path / "speakers.csv"
    header = SPEAKERS_HEADER.replace("evidence_turn", "evidence_line") + ",confidence"
    rows = [GOOD_ROWS[0].replace("2030-01-01-0004", "17") + ",high"]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    speakers = corpus.load_speakers(path)
    assert speakers.loc[0, "confidence"] == "high"
    path.write_text("\n".join([header, rows[0].replace(",17,", ",line 17,")]) + "\n",
                    encoding="utf-8")
    with pytest.raises(corpus.CorpusError, match="not a positive line number"):
        corpus.load_speakers(path)
    path.write_text(SPEAKERS_HEADER.replace(",evidence_turn", "") + "\n", encoding="utf-8")
    with pytest.raises(corpus.CorpusError, match="evidence_turn or evidence_line"):
        corpus.load_speakers(path)


def fixture_turns(day: corpus.DayParse) -> pd.DataFrame:
    return pd.DataFrame(day.turns, columns=list(corpus.TURN_COLUMNS))


def test_witness_turns_join_attributes(day, tmp_path):
    speakers = corpus.load_speakers(write_speakers(tmp_path, GOOD_ROWS))
    joined = corpus.witness_turns(fixture_turns(day), speakers)
    assert joined["is_witness"].all()
    assert dict(zip(joined["speaker_label"], joined["group"].astype(str), strict=True)) == {
        "Dr Roe": "doctor", "The Witness": "doctor", "Dr Jane Roe": "doctor", "Ppe": "doctor",
        "Dr Bee": "nurse_midwife", "Mr Cee": "nhs_manager",
    }


def test_witness_turns_name_missing_headings(day, tmp_path):
    speakers = corpus.load_speakers(write_speakers(tmp_path, GOOD_ROWS[:1]))
    with pytest.raises(corpus.CorpusError, match="Dr Ann Bee; Mr Cee"):
        corpus.witness_turns(fixture_turns(day), speakers)


def test_turns_with_groups_gives_everyone_a_group(day, tmp_path):
    speakers = corpus.load_speakers(write_speakers(tmp_path, GOOD_ROWS))
    grouped = corpus.turns_with_groups(fixture_turns(day), speakers)
    by_label = dict(zip(grouped["speaker_label"], grouped["group"].astype(str), strict=True))
    assert by_label["Lady Hallett"] == "chair"
    assert by_label["Counsel Inquiry"] == "counsel"
    assert by_label["Unknown Speaker"] == "other"
    assert by_label["Dr Bee"] == "nurse_midwife"
    assert grouped["group"].notna().all()


# --- the real corpus --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> corpus.Corpus:
    return corpus.load_corpus()


def test_every_hearing_day_and_every_turn_is_parsed(real):
    ids = corpus.day_ids()
    assert len(ids) == 43
    assert real.turns["hearing_date"].nunique() == 43
    expected_turns = 0
    for source_id in ids:
        lines = data.fetch(source_id).read_text(encoding="utf-8").splitlines()
        expected_turns += sum(1 for ln in lines if ln.startswith("**") and "**: " in ln)
    assert len(real.turns) == expected_turns
    assert real.turns["turn_id"].is_unique


def test_no_word_of_the_real_corpus_is_lost(real):
    for source_id in corpus.day_ids():
        date = corpus.hearing_date_of(source_id)
        text = data.fetch(source_id).read_text(encoding="utf-8")
        turns = real.turns[real.turns["hearing_date"] == date]
        skipped = real.skipped[real.skipped["hearing_date"] == date]
        labels = turns["speaker_label"].map(lambda s: len(f"**{s}**:".split())).sum()
        accounted = turns["n_words"].sum() + labels + skipped["text"].str.split().str.len().sum()
        assert accounted == len(text.split()), source_id
        sample = turns.iloc[:: max(1, len(turns) // 20)]
        for row in sample.itertuples():
            assert text[row.start : row.end] == row.text


def test_real_corpus_speakers_are_resolved(real):
    turns = real.turns
    assert set(turns["role"]) <= {"witness", "chair", "counsel_to_the_inquiry", "counsel",
                                  "unidentified"}
    assert (turns.loc[turns["role"] == "unidentified"].shape[0]) <= 5
    witness_sections = real.sections.loc[real.sections["kind"] == "witness", "heading"]
    spoke = set(turns.loc[turns["is_witness"], "witness"])
    assert set(witness_sections) == spoke  # every witness heading has turns of its witness
    powis = turns.loc[turns["speaker_label"] == "Professor Sir Powis"]
    assert powis["is_witness"].all() and set(powis["witness"]) == {"Professor Sir Powis"}


def test_disk_cache_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDLEAD_CACHE_DIR", str(tmp_path / "cache"))
    ids = corpus.day_ids()[:2]
    corpus._MEMO.clear()
    first = corpus.load_turns(ids)
    # The source files are fetched into the new cache too, so pick out the parsed-corpus file.
    files = list((tmp_path / "cache" / "corpus").glob("turns-*.pkl"))
    assert len(files) == 1 and not list((tmp_path / "cache" / "corpus").glob("*.part"))
    corpus._MEMO.clear()
    second = corpus.load_turns(ids)
    pd.testing.assert_frame_equal(first, second)
    corpus._MEMO.clear()


def test_speaker_report_counts_assumed_counsel_in_witness_sections(day):
    report = corpus.speaker_report(fixture_turns(day)).set_index("speaker_label")
    assert report.loc["Mr Smith KC", "role"] == "counsel"
    assert report.loc["Mr Smith KC", "unmatched_in_witness_section"] == 1
    assert report.loc["Ms Doe", "unmatched_in_witness_section"] == 0  # a closing statement
    assert report.loc["Lead 3", "speaker"] == "Lead Counsel to the Inquiry"
    assert report["turns"].sum() == len(day.turns)


def test_parse_report_totals_skipped_lines_by_reason():
    report = corpus.parse_report()
    assert report["lines"].sum() == len(corpus.load_corpus().skipped)
    assert {"time stamp", "oath line", "section heading", "questioner sub-heading"} <= set(
        report.index
    )


def test_witness_turns_with_cadre_splits_doctors_by_post_and_keeps_the_years():
    turns, speakers = corpus.load_turns(), corpus.load_speakers()
    witness = corpus.witness_turns_with_cadre(turns, speakers, years=[2024])
    assert set(witness["hearing_date"].str[:4]) == {"2024"}
    assert list(witness.index) == list(range(len(witness)))
    doctors = witness[witness["group"] == "doctor"]
    assert set(doctors["cadre"]) == {"hybrid medical manager", "other doctor"}
    assert (doctors["cadre"] == "hybrid medical manager").eq(
        doctors["hybrid_medical_manager"].astype(bool)).all()
    others = witness[witness["group"] != "doctor"]
    assert (others["cadre"] == others["group"]).all()
