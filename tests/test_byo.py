"""Bring-your-own transcripts: the documented format, its errors, offsets and the REFI-QDA route."""

from pathlib import Path

import pandas as pd
import pytest

from medlead import atomic, byo
from medlead.byo import TranscriptError

HEAD = """---
transcript: site-a-03
date: 2024-03-12
site: Site A
interviewer: INT
participants:
  INT: {role_title: researcher}
  P1: {group: doctor, hybrid_medical_manager: true, role_title: "Clinical director"}
---
"""

BODY = """## Background

[00:00:05] INT: Can you tell me about your role?
P1: I am a consultant anaesthetist and clinical director.
 Note: the board meets monthly.

  Managers and doctors sit together.
# laughs
### Budgets
[1:02:03] INT: Who holds the budget?
P1:
  The clinical director holds the budget, with the general manager.
"""

GOOD = HEAD + BODY

SECOND = """---
transcript: site-b-01
date: 2024-04-02
site: Site B
interviewer: [INT, NT]
participants:
  INT:
  NT: {role_title: note taker}
  M1: {group: nhs_manager, hybrid_medical_manager: false}
  M2: {group: doctor, hybrid_medical_manager: true}
---
INT: What does medical leadership mean here?
M1: Managers set targets and doctors deliver them.
M2: Doctors lead the service and managers support it.
M1: The budget is the manager's job.
"""


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


# --- the format -------------------------------------------------------------------------------


def test_good_transcript_gives_the_corpus_columns_and_values(tmp_path):
    turns = byo.read_transcript(write(tmp_path, "a.txt", GOOD))
    assert list(turns.columns[: len(byo.TURN_COLUMNS)]) == list(byo.TURN_COLUMNS)
    assert list(turns.columns[len(byo.TURN_COLUMNS):]) == [
        "transcript", "site", "timestamp", "group", "hybrid_medical_manager", "role_title"
    ]
    assert turns["turn_id"].tolist() == [f"site-a-03-{n:04d}" for n in (1, 2, 3, 4)]
    assert turns["speaker"].tolist() == ["INT", "P1", "INT", "P1"]
    assert turns["role"].tolist() == ["interviewer", "participant", "interviewer", "participant"]
    assert turns["is_witness"].tolist() == [False, True, False, True]
    assert turns["witness"].tolist() == ["P1"] * 4  # the sole interviewee
    assert (turns["hearing_date"] == "2024-03-12").all()
    assert turns["section"].tolist() == ["Background"] * 4
    assert turns["subheading"].isna().tolist() == [True, True, False, False]
    assert turns.loc[2, "subheading"] == "Budgets"
    assert turns["timestamp"].fillna("").tolist() == ["00:00:05", "", "1:02:03", ""]
    assert turns.loc[1, "group"] == "doctor" and turns.loc[1, "hybrid_medical_manager"] is True
    assert turns.loc[0, "role_title"] == "researcher"
    assert turns.loc[1, "text"] == (
        "I am a consultant anaesthetist and clinical director.\n"
        " Note: the board meets monthly.\n\n  Managers and doctors sit together."
    )
    # a turn whose text starts on the next line
    assert turns.loc[3, "text"] == (
        "The clinical director holds the budget, with the general manager."
    )
    assert turns["n_words"].tolist() == [7, 18, 4, 10]
    assert turns[["n_words", "start", "end"]].dtypes.eq("int64").all()


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_offsets_point_at_the_turn_text_in_the_file(tmp_path, newline, bom):
    text = bom + GOOD.replace("\n", newline) + "P1: Café, naïve 😀 — fine.\n"
    path = write(tmp_path, "a.txt", text)
    turns = byo.read_transcript(path)
    decoded = path.read_bytes().decode("utf-8-sig")
    assert len(turns) == 5
    for row in turns.itertuples():
        assert decoded[row.start : row.end] == row.text
        assert not row.text.endswith(("\r", "\n", " "))
    assert turns["text"].iloc[-1] == "Café, naïve 😀 — fine."


def test_focus_group_with_two_interviewers(tmp_path):
    turns = byo.read_transcript(write(tmp_path, "b.txt", SECOND))
    assert turns["is_witness"].tolist() == [False, True, True, True]
    assert turns["witness"].fillna("").tolist() == ["", "M1", "M2", "M1"]  # no sole interviewee
    assert turns["section"].isna().all()
    assert turns.loc[1, "hybrid_medical_manager"] is False
    assert turns["site"].unique().tolist() == ["Site B"]


def test_folder_reads_files_in_name_order_and_unions_attributes(tmp_path):
    write(tmp_path, "2-b.txt", SECOND)
    write(tmp_path, "1-a.txt", GOOD)
    write(tmp_path, "notes.md", "not a transcript")
    with pytest.warns(byo.TranscriptNotice, match=r"1 file\(s\) not read.*notes\.md"):
        turns = byo.read_transcripts(tmp_path)
    assert turns["transcript"].unique().tolist() == ["site-a-03", "site-b-01"]
    assert len(turns) == 8
    assert turns["turn_id"].is_unique
    # attributes are unioned: site B's speakers have no role_title, site A's interviewer no group
    assert turns.loc[turns["transcript"] == "site-b-01", "role_title"].isna().all()
    assert turns.loc[turns["turn_id"] == "site-a-03-0001", "group"].isna().all()
    assert turns.loc[turns["turn_id"] == "site-b-01-0003", "group"].tolist() == ["doctor"]


def test_format_transcript_round_trips(tmp_path):
    original = byo.read_transcript(write(tmp_path, "a.txt", GOOD))
    participants = {"INT": {"role_title": "researcher"},
                    "P1": {"group": "doctor", "hybrid_medical_manager": True,
                           "role_title": "Clinical director"}}
    # a text line that looks like a speaker line or a note must survive the trip
    turns = original.copy()
    turns.loc[1, "text"] = "First line.\nPPE: was short.\n# not a note\n[00:01:00]"
    text = byo.format_transcript("site-a-03", "2024-03-12", "INT", participants, turns,
                                 site="Site A", description="Interview: pilot, 2024")
    again = byo.read_transcript(write(tmp_path, "again.txt", text))
    assert again["speaker"].tolist() == turns["speaker"].tolist()
    assert again["text"].str.split().tolist() == turns["text"].str.split().tolist()
    assert again["section"].tolist() == turns["section"].tolist()
    assert again["subheading"].fillna("").tolist() == turns["subheading"].fillna("").tolist()
    assert again["timestamp"].fillna("").tolist() == turns["timestamp"].fillna("").tolist()
    assert again.loc[1, "hybrid_medical_manager"] is True


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"the file is empty"),
        ("  \n\n", r"the file is empty"),
        ("INT: hello\n", r"line 1: expected '---' to open the front-matter block"),
        ("---\ntranscript: a\n", r"line 1: the front-matter block opened here is never closed"),
        ("---\ntranscript: [a\n---\nINT: x\n", r"line \d: the front matter is not valid"),
        ("---\njust words\n---\nINT: x\n", r"expected 'key: value' lines"),
        (HEAD.replace("date:", "dat:"), r"line 3: unknown key 'dat' \(did you mean 'date'\?\)"),
        (HEAD.replace("interviewer: INT\n", ""),
         r"front matter \(lines 1-8\): the required key 'interviewer' is missing"),
        (HEAD.replace("2024-03-12", "12/03/2024") + "INT: x\n",
         r"line 3: date '12/03/2024' is not a date"),
        (HEAD.replace("2024-03-12", "2024-02-30") + "INT: x\n",
         r"line 3: date '2024-02-30' is not a date"),
        (HEAD.replace("site-a-03", "site a 03") + "INT: x\n",
         r"line 2: transcript 'site a 03' is not"),
        (HEAD.replace("interviewer: INT", "interviewer: IV") + "INT: x\n",
         r"line 5: the interviewer 'IV' is not declared under participants"),
        (HEAD.replace("  INT: {role_title: researcher}", "  INT: {role: researcher}") + "INT: x\n",
         r"line 7: attribute 'role' of INT is reserved"),
        (HEAD.replace("  INT: {role_title: researcher}", "  INT: researcher") + "INT: x\n",
         r"line 7: the attributes of INT must be 'name: value' pairs"),
        (HEAD.replace("  INT: {role_title: researcher}",
                      "  INT: {role_title: researcher}\n  INT: {}") + "INT: x\n",
         r"line 8: .*the key 'INT' appears twice \(first on front-matter line 7\)"),
        (HEAD, r"no speaker turns after the front matter"),
        (HEAD + "Hello there.\nINT: x\n", r"line 10: text outside any speaker turn\. Start it"),
        (HEAD + "INT: x\n# pause\nmore words\n",
         r"line 12: text outside any speaker turn \(the turn before was ended by the note on "
         r"line 11\)"),
        (HEAD + "INT: x\nP2: hello\n", r"line 11: unknown speaker 'P2' \(did you mean P1\?\)"),
        (HEAD + "INT: x\nNote: the lights failed\n",
         r"line 11: unknown speaker 'Note'.*indent it by a space"),
        (HEAD + "INT:\nP1: y\n", r"line 10: INT's turn has no text"),
        (HEAD + "INT: x\n#### deep\n", r"line 11: '#### deep' is neither a note"),
    ],
)
def test_malformed_transcripts_are_refused_with_file_line_and_fix(tmp_path, text, message):
    path = write(tmp_path, "bad.txt", text)
    with pytest.raises(TranscriptError, match=message) as caught:
        byo.read_transcript(path)
    assert str(path) in str(caught.value)


def test_every_body_problem_is_reported_at_once(tmp_path):
    path = write(tmp_path, "bad.txt", HEAD + "stray\nINT: x\nP9: y\nQ: z\n")
    with pytest.raises(TranscriptError) as caught:
        byo.read_transcript(path)
    message = str(caught.value)
    assert "line 10: text outside" in message
    assert "line 12: unknown speaker 'P9'" in message
    assert "line 13: unknown speaker 'Q'" in message


def test_non_utf8_bytes_are_named_with_line_and_fix(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes((HEAD + "INT: hello\nP1: caf").encode("utf-8") + b"\xe9 au lait\n")
    with pytest.raises(TranscriptError, match=r"latin1.txt, line 11: byte 0xe9 .* is not UTF-8\. "
                       r"Save the file as UTF-8"):
        byo.read_transcript(path)


def test_missing_file_and_folder_are_named(tmp_path):
    with pytest.raises(TranscriptError, match=r"nope.txt: file not found"):
        byo.read_transcript(tmp_path / "nope.txt")
    with pytest.raises(TranscriptError, match=r"no such folder"):
        byo.read_transcripts(tmp_path / "nowhere")
    with pytest.raises(TranscriptError,
                       match=r"no transcript files \(\*\.docx, \*\.qdpx, \*\.srt, \*\.txt"):
        byo.read_transcripts(tmp_path)


def test_duplicate_transcript_ids_across_a_folder_name_both_files(tmp_path):
    write(tmp_path, "a.txt", GOOD)
    write(tmp_path, "copy.txt", GOOD)
    with pytest.raises(TranscriptError, match=r"copy.txt, line 2: the transcript id 'site-a-03' "
                       r"is already used by .*a\.txt"):
        byo.read_transcripts(tmp_path)


def test_folder_errors_list_every_failing_file(tmp_path):
    write(tmp_path, "a.txt", GOOD)
    write(tmp_path, "b.txt", "")
    write(tmp_path, "c.txt", HEAD + "X: y\n")
    with pytest.raises(TranscriptError) as caught:
        byo.read_transcripts(tmp_path)
    message = str(caught.value)
    assert message.startswith("2 of 3 transcript file(s)")
    assert "b.txt: the file is empty" in message
    assert "c.txt: line 10: unknown speaker 'X'" in message


# --- end to end: the book's text tools on your own transcripts ---------------------------------


def test_turn_columns_are_the_corpus_columns():
    from medlead import corpus

    assert byo.TURN_COLUMNS == corpus.TURN_COLUMNS


def test_read_transcripts_then_kwic_and_keyness(tmp_path):
    from medlead import text

    write(tmp_path, "a.txt", GOOD)
    write(tmp_path, "b.txt", SECOND)
    turns = byo.read_transcripts(tmp_path)
    hits = text.kwic(turns, "budget", window=3, attributes=("turn_id", "speaker", "group"))
    assert hits[["turn_id", "speaker", "left", "keyword", "right"]].values.tolist() == [
        ["site-a-03-0003", "INT", "who holds the", "budget", ""],
        ["site-a-03-0004", "P1", "director holds the", "budget", "with the general"],
        ["site-b-01-0004", "M1", "the", "budget", "is the manager"],
    ]
    assert hits["group"].fillna("").tolist() == ["", "doctor", "nhs_manager"]
    participants = turns.loc[turns["is_witness"]]
    table = text.keyness_between(participants, "group", "doctor", "nhs_manager", min_freq=2,
                                 stopwords=None)
    doctors = participants.loc[participants["group"] == "doctor", "text"]
    n_doctor_tokens = sum(len(text.tokenize(t)) for t in doctors)
    row = table.set_index("word").loc["doctors"]
    assert row["freq_a"] == sum(text.tokenize(t).count("doctors") for t in doctors)
    assert row["per_1000_a"] == pytest.approx(1000 * row["freq_a"] / n_doctor_tokens)


# --- REFI-QDA ---------------------------------------------------------------------------------

INTERVIEW_A = (
    "Interviewer: What is your role?\nDr A: I am a clinical director.\n\nI chair the board."
)
INTERVIEW_B = "Managers hold the budget.\nDoctors hold the risk."


def refi_tables() -> dict:
    return {
        "sources": pd.DataFrame({"source_id": ["s1", "s2"], "name": ["Interview A", "Interview B"],
                                 "text": [INTERVIEW_A, INTERVIEW_B]}),
        "cases": pd.DataFrame({"case_id": ["c1", "c2"], "name": ["Dr A", "Ms B"],
                               "source_ids": [["s1"], ["s2"]]}),
        "variables": pd.DataFrame({
            "case_id": ["c1", "c1", "c2", "c2", "c1"],
            "variable": ["group", "hybrid", "group", "hybrid", "date"],
            "value": ["doctor", "true", "nhs_manager", "false", "2024-03-12"],
            "type": ["Text", "Boolean", "Text", "Boolean", "Date"],
        }),
        "codes": pd.DataFrame({"code_id": ["k1", "k2"], "name": ["Hybrid roles", "Money"],
                               "parent": ["", ""], "description": ["", ""], "colour": ["", ""],
                               "codable": [True, True]}),
        "segments": pd.DataFrame({
            "source_id": ["s1", "s2"],
            "code_id": ["k1", "k2"],
            "start": [INTERVIEW_A.index("clinical director"), 0],
            "end": [INTERVIEW_A.index("clinical director") + 17, len("Managers hold the budget")],
            "coder": ["me", "me"],
        }),
    }


@pytest.fixture()
def qdpx(tmp_path) -> Path:
    from medlead import refi

    return refi.export_qdpx(refi_tables(), tmp_path / "project.qdpx")


def test_qdpx_paragraphs_become_turns_with_case_variables_and_codes(qdpx):
    turns = byo.turns_from_refi(qdpx)
    assert turns.columns[: len(byo.TURN_COLUMNS)].tolist() == list(byo.TURN_COLUMNS)
    assert turns.columns[len(byo.TURN_COLUMNS):].tolist() == [
        "transcript", "site", "timestamp", "qda_codes", "date", "group", "hybrid"
    ]
    assert turns["turn_id"].tolist() == [
        "interview-a-0001", "interview-a-0002", "interview-a-0003",
        "interview-b-0001", "interview-b-0002",
    ]
    assert turns["text"].tolist() == [
        "Interviewer: What is your role?", "Dr A: I am a clinical director.",
        "I chair the board.", "Managers hold the budget.", "Doctors hold the risk.",
    ]
    assert turns["speaker"].tolist() == ["Dr A"] * 3 + ["Ms B"] * 2
    assert turns["qda_codes"].tolist() == ["", "Hybrid roles", "", "Money", ""]
    assert turns["hybrid"].tolist() == [True, True, True, False, False]
    assert turns["hearing_date"].fillna("").tolist() == ["2024-03-12"] * 3 + [""] * 2
    sources = dict(zip(refi_tables()["sources"]["name"], refi_tables()["sources"]["text"],
                       strict=True))
    for row in turns.itertuples():
        assert sources[row.transcript][row.start : row.end] == row.text


def test_qdpx_speaker_labels_and_interviewers(qdpx):
    turns = byo.turns_from_refi(qdpx, speaker_labels=True, interviewers=["Interviewer"])
    first = turns.loc[turns["transcript"] == "Interview A"]
    assert first["speaker"].tolist() == ["Interviewer", "Dr A", "Dr A"]
    assert first["text"].tolist() == ["What is your role?", "I am a clinical director.",
                                      "I chair the board."]
    assert first["is_witness"].tolist() == [False, True, True]
    assert first["role"].tolist() == ["interviewer", "participant", "participant"]
    assert (first["witness"] == "Dr A").all()
    for row in first.itertuples():
        assert INTERVIEW_A[row.start : row.end] == row.text


def test_qdpx_one_turn_per_source_and_csv_folder_route(qdpx, tmp_path):
    from medlead import refi

    by_source = byo.turns_from_refi(qdpx, unit="source")
    assert by_source["text"].tolist() == [INTERVIEW_A, INTERVIEW_B]
    assert by_source["qda_codes"].tolist() == ["Hybrid roles", "Money"]
    refi.import_qdpx(qdpx, tmp_path / "tables")
    from_csv = byo.turns_from_refi(tmp_path / "tables")
    pd.testing.assert_frame_equal(from_csv, byo.turns_from_refi(qdpx))


def test_qdpx_end_to_end_keyness(qdpx):
    from medlead import text

    turns = byo.turns_from_refi(qdpx)
    table = text.keyness_between(turns, "group", "doctor", "nhs_manager", min_freq=1,
                                 stopwords=None)
    assert table.set_index("word").loc["hold", ["freq_a", "freq_b"]].tolist() == [0, 2]
    assert text.kwic(turns, "director")["turn_id"].tolist() == ["interview-a-0002"]


def test_refi_route_errors(tmp_path, qdpx):
    with pytest.raises(TranscriptError, match="unit 'sentence' is not one of paragraph, source"):
        byo.turns_from_refi(qdpx, unit="sentence")
    other = tmp_path / "notes.docx"
    other.write_text("x")
    with pytest.raises(TranscriptError, match=r"notes.docx: expected a .qdpx project file"):
        byo.turns_from_refi(other)
    tables = refi_tables()
    tables["sources"]["text"] = ["  ", ""]
    with pytest.raises(TranscriptError, match="no text sources with any text"):
        byo.turns_from_refi(tables)
    tables = refi_tables()
    tables["cases"] = pd.DataFrame({"case_id": ["c1", "c2"], "name": ["Dr A", "Ms B"],
                                    "source_ids": [["s1"], ["s1", "s2"]]})
    with pytest.raises(TranscriptError, match=r"source s1 is in several cases that give the "
                       r"variable 'group' different values"):
        byo.turns_from_refi(tables)
    tables = refi_tables()
    del tables["segments"]
    with pytest.raises(TranscriptError, match=r"missing table\(s\) segments"):
        byo.turns_from_refi(tables)


def test_the_example_in_the_format_page_reads_as_documented(tmp_path):
    from medlead.paths import PROJECT_ROOT

    page = (PROJECT_ROOT / "book" / "byo-format.md").read_text(encoding="utf-8")
    example = page.split("## A complete example", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    turns = byo.read_transcript(write(tmp_path, "site-a-int-03.txt", example))
    assert turns["turn_id"].tolist() == [f"site-a-int-03-000{n}" for n in (1, 2, 3, 4)]
    assert turns["section"].tolist() == ["Background", "Background", "Budgets", "Budgets"]
    assert turns["subheading"].fillna("").tolist() == ["", "", "Who decides", "Who decides"]
    assert turns["timestamp"].fillna("").tolist() == ["00:00:05", "", "00:14:30", ""]
    assert "written into my job plan" in turns.loc[1, "text"]
    assert "laughs" not in " ".join(turns["text"])
    assert turns.loc[3, "text"] == "The general manager and I sign it off together."


def test_refi_unlabelled_paragraphs_continue_the_last_label_and_label_lists_filter():
    text_ = "INT: First question.\nIt has two parts.\nP1: Answer.\nPPE: was short.\nINT: Thanks."
    tables = refi_tables()
    tables["sources"] = pd.DataFrame({"source_id": ["s1"], "name": ["Focus"], "text": [text_]})
    tables["cases"] = pd.DataFrame({"case_id": ["c1"], "name": ["Group 1"], "source_ids": [["s1"]]})
    tables["variables"] = tables["variables"].iloc[0:0]
    tables["segments"] = tables["segments"].iloc[0:0]
    any_label = byo.turns_from_refi(tables, speaker_labels=True, interviewers=["INT"])
    assert any_label["speaker"].tolist() == ["INT", "INT", "P1", "PPE", "INT"]
    listed = byo.turns_from_refi(tables, speaker_labels=["INT", "P1"], interviewers=["INT"])
    assert listed["speaker"].tolist() == ["INT", "INT", "P1", "P1", "INT"]
    assert listed["text"].tolist() == ["First question.", "It has two parts.", "Answer.",
                                       "PPE: was short.", "Thanks."]
    assert listed["is_witness"].tolist() == [False, False, True, True, False]
    assert listed["witness"].unique().tolist() == ["Group 1"]
    for row in listed.itertuples():
        assert text_[row.start : row.end] == row.text


def test_qdpx_with_an_uncoded_source_exports_and_reads(tmp_path):
    from medlead import refi

    tables = refi_tables()
    tables["segments"] = tables["segments"].iloc[:1]  # Interview B has no coded segment
    turns = byo.turns_from_refi(refi.export_qdpx(tables, tmp_path / "p.qdpx"))
    assert turns["qda_codes"].tolist() == ["", "Hybrid roles", "", "", ""]


def test_utf16_and_zip_files_are_named_for_what_they_are(tmp_path):
    utf16 = tmp_path / "notepad.txt"
    utf16.write_bytes(GOOD.encode("utf-16"))
    with pytest.raises(TranscriptError, match=r"notepad.txt, line 1: the file is UTF-16"):
        byo.read_transcript(utf16)
    docx = tmp_path / "word.txt"
    docx.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(TranscriptError, match=r"word.txt, line 1: this is a zip archive"):
        byo.read_transcript(docx)


def test_only_newlines_end_lines_so_line_numbers_match_an_editor(tmp_path):
    # a form feed and a Unicode line separator stay inside the turn; line 12 is still line 12
    path = write(tmp_path, "ff.txt", HEAD + "INT: page one\x0cpage two\u2028more\nP1: ok\nQ: x\n")
    with pytest.raises(TranscriptError, match=r"line 12: unknown speaker 'Q'"):
        byo.read_transcript(path)
    turns = byo.read_transcript(write(tmp_path, "ok.txt", HEAD + "INT: a\x0cb\u2028c\nP1: ok\n"))
    assert turns["text"].tolist() == ["a\x0cb\u2028c", "ok"]


def test_write_transcript_is_atomic_and_reads_back(tmp_path, monkeypatch):
    target = byo.write_transcript(tmp_path / "a.txt", GOOD)
    assert byo.read_transcript(target)["turn_id"].tolist()[-1] == "site-a-03-0004"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        byo.write_transcript(tmp_path / "a.txt", SECOND)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]  # no temporary file left
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == GOOD  # the old file is intact
