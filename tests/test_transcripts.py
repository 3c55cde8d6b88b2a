"""medlead.transcripts: speaker labels as people type them, every format behind one entry point."""

import warnings
from pathlib import Path

import pytest

from medlead import transcripts
from medlead.transcripts import TranscriptError, TranscriptNotice

HEAD = """---
transcript: t1
date: 2024-03-12
interviewer: INT
participants:
  INT:
  P1: {group: doctor}
  Émilie: {group: nhs_manager}
  Ärztin: {group: doctor}
---
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.mark.parametrize(
    "line, speaker",
    [
        ("**P1:** We met weekly.", "P1"),
        ("**P1**: We met weekly.", "P1"),
        ("<b>P1</b>: We met weekly.", "P1"),
        ("<strong>P1:</strong> We met weekly.", "P1"),
        ("P1 : We met weekly.", "P1"),
        ("P1:\u00a0We met weekly.", "P1"),
        ("P1\u00a0: We met weekly.", "P1"),
        ("P1\uff1aWe met weekly.", "P1"),
        ("P1\uff1a We met weekly.", "P1"),
        ("Émilie: We met weekly.", "Émilie"),
        ("Ärztin: We met weekly.", "Ärztin"),
        ("[00:01:02] **P1:** We met weekly.", "P1"),
    ],
)
def test_label_variants_start_a_new_turn_after_a_first_turn(tmp_path, line, speaker):
    text = HEAD + "INT: Tell me about the board.\n" + line + "\n"
    turns = transcripts.read_transcript(write(tmp_path, "a.txt", text))
    assert turns["speaker"].tolist() == ["INT", speaker]
    assert turns["text"].tolist() == ["Tell me about the board.", "We met weekly."]
    decoded = text
    for row in turns.itertuples():
        assert decoded[row.start:row.end] == row.text


@pytest.mark.parametrize("line", ["**Note:** we paused.", "Bemerkung : we paused.",
                                  "Zoë\uff1a we paused."])
def test_undeclared_labels_in_any_form_are_refused_not_merged(tmp_path, line):
    text = HEAD + "INT: Tell me about the board.\n" + line + "\n"
    with pytest.raises(TranscriptError, match=r"a\.txt: line 12: unknown speaker"):
        transcripts.read_transcript(write(tmp_path, "a.txt", text))


def test_upper_case_extension_is_read_and_other_files_are_named(tmp_path):
    write(tmp_path, "A.TXT", HEAD + "P1: Hello.\n")
    write(tmp_path, "old.doc", "binary")
    with pytest.warns(TranscriptNotice, match=r"old\.doc"):
        turns = transcripts.read_transcripts(tmp_path)
    assert turns["transcript"].tolist() == ["t1"]


def test_yaml_aliases_are_refused_with_a_short_message(tmp_path):
    bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        bomb.append(f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}"] * 9) + "]")
    text = "---\n" + "\n".join(bomb) + "\n---\nP1: hi\n"
    with pytest.raises(TranscriptError) as caught:
        transcripts.read_transcript(write(tmp_path, "bomb.txt", text))
    message = str(caught.value)
    assert "bomb.txt, line 2" in message and "aliases" in message
    assert len(message) < 1000


def test_error_listing_is_capped_with_a_count(tmp_path):
    body = "".join(f"X{i}: unknown speaker\n" for i in range(5000))
    with pytest.raises(TranscriptError) as caught:
        transcripts.read_transcript(write(tmp_path, "big.txt", HEAD + body))
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'big.txt'}: 5000 problems:")
    assert "and 4980 more problem(s)" in message
    assert len(message) < 20 * 500


def test_unknown_extension_is_refused(tmp_path):
    with pytest.raises(TranscriptError, match=r"extension '\.rtf' is not a transcript format"):
        transcripts.read_transcript(write(tmp_path, "a.rtf", "x"))


# --- Word -----------------------------------------------------------------------------------


def _docx(path: Path, paragraphs: list, heading: str | None = None) -> Path:
    """Write a .docx: each paragraph is a str, or a (bold, plain) pair of runs."""
    import docx

    document = docx.Document()
    if heading:
        document.add_heading(heading, level=2)
    for item in paragraphs:
        paragraph = document.add_paragraph()
        if isinstance(item, tuple):
            paragraph.add_run(item[0]).bold = True
            paragraph.add_run(item[1])
        else:
            paragraph.add_run(item)
    document.save(str(path))
    return path


def test_word_typed_labels_with_sidecar_metadata(tmp_path):
    path = _docx(tmp_path / "Interview 3.docx", [
        "Interviewer: How is the board run?",
        "Dr Jane Smith: Monthly, with the medical director.",
        "We also meet the managers.",
        "Interviewer : And budgets?",
    ], heading="Governance")
    write(tmp_path, "Interview 3.yml", "transcript: site-a-07\ndate: 2024-05-01\n"
          "interviewer: Interviewer\nparticipants:\n  Interviewer:\n"
          "  Dr Jane Smith: {group: doctor}\n")
    turns = transcripts.read_transcript(path)
    assert turns["speaker"].tolist() == ["Interviewer", "Dr Jane Smith", "Interviewer"]
    assert turns["text"].tolist()[1] == ("Monthly, with the medical director.\n"
                                         "We also meet the managers.")
    assert turns["turn_id"].tolist()[0] == "site-a-07-0001"
    assert turns["hearing_date"].unique().tolist() == ["2024-05-01"]
    assert turns["group"].isna().tolist() == [True, False, True]
    assert turns["group"][1] == "doctor"
    assert turns["role"].tolist() == ["interviewer", "participant", "interviewer"]
    assert turns["section"].unique().tolist() == ["Governance"]
    text = transcripts.document_text(path)
    for row in turns.itertuples():
        assert text[row.start:row.end] == row.text


def test_word_bold_names_and_defaults_without_sidecar(tmp_path):
    path = _docx(tmp_path / "focus group.DOCX", [
        ("Amira", "  We changed the rota."),
        ("Ben:", " Managers agreed."),
        ("Amira", ""),
        "A bold name alone starts a turn whose text follows.",
    ])
    with pytest.warns(TranscriptNotice, match=r"no sidecar.*'focus-group'"):
        turns = transcripts.read_transcript(path)
    assert turns["speaker"].tolist() == ["Amira", "Ben", "Amira"]
    assert turns["text"].tolist() == ["We changed the rota.", "Managers agreed.",
                                      "A bold name alone starts a turn whose text follows."]
    assert turns["transcript"].unique().tolist() == ["focus-group"]
    assert turns["hearing_date"].isna().all()


def test_word_sentences_with_a_colon_stay_text_and_numbered_labels_count(tmp_path):
    path = _docx(tmp_path / "n.docx", [
        "Participant 3: We agreed.",
        "so the point is: the board decides.",
        "Interviewer: Thank you.",
    ])
    with pytest.warns(TranscriptNotice):
        turns = transcripts.read_transcript(path)
    assert turns["speaker"].tolist() == ["Participant 3", "Interviewer"]
    assert turns["text"].tolist()[0] == "We agreed.\nso the point is: the board decides."
    write(tmp_path, "n.yml", "participants:\n  int:\n  Participant 3:\n")
    path = _docx(tmp_path / "n.docx", ["int: A lower-case code, declared.", "Participant 3: Yes."])
    assert transcripts.read_transcript(path)["speaker"].tolist() == ["int", "Participant 3"]


def test_word_errors_name_the_paragraph_and_undeclared_speakers(tmp_path):
    path = _docx(tmp_path / "a.docx", ["Some preamble.", "P1: text"])
    with pytest.raises(TranscriptError, match=r"a\.docx: paragraph 1 .*before any speaker"):
        transcripts.read_transcript(path)
    # a title as Word writes it: named, with how to keep it (a section) instead of a label to add
    import docx

    titled = _docx(tmp_path / "t.docx", ["P1: text"])
    document = docx.Document(titled)
    document.paragraphs[0].insert_paragraph_before("Interview 3, Site A", style="Title")
    document.save(titled)
    with pytest.raises(TranscriptError, match=r"paragraph 1 .*'Title' style: .*'Heading 1'"):
        transcripts.read_transcript(titled)
    path = _docx(tmp_path / "b.docx", ["P1: text", "P2: more"])
    write(tmp_path, "b.yml", "participants:\n  P1:\n")
    with pytest.raises(TranscriptError, match=r"'P2' \(paragraph 2\) are not declared"):
        transcripts.read_transcript(path)
    (tmp_path / "c.docx").write_text("not a zip")
    with pytest.raises(TranscriptError, match=r"c\.docx: not a Word \.docx file"):
        transcripts.read_transcript(tmp_path / "c.docx")


# --- captions -------------------------------------------------------------------------------

VTT = """WEBVTT

NOTE written by a meeting tool

1
00:00:01.000 --> 00:00:04.000
<v Jane Smith>We meet monthly.</v>

2
00:00:04.500 --> 00:00:06.000
<v Jane Smith>With the <i>medical</i> director.</v>

3
00:01:06.000 --> 00:01:09.000
<v.loud Interviewer>And budgets?</v>

4
00:01:10.000 --> 00:01:12.000
Jane Smith: The manager holds them &amp; reports.
"""

SRT = """1
00:00:01,000 --> 00:00:04,000
INT: How is the board run?

2
00:00:04,500 --> 00:00:08,000
P1: Monthly,
with the director.

3
00:00:08,500 --> 00:00:09,000
And the managers.
"""


def test_webvtt_voice_tags_and_prefixes_make_merged_turns(tmp_path):
    path = write(tmp_path, "zoom.vtt", VTT)
    write(tmp_path, "zoom.yaml", "---\ntranscript: zoom-1\ninterviewer: Interviewer\n---\n")
    turns = transcripts.read_transcript(path)
    assert turns["speaker"].tolist() == ["Jane Smith", "Interviewer", "Jane Smith"]
    assert turns["text"].tolist() == ["We meet monthly.\nWith the medical director.",
                                      "And budgets?", "The manager holds them & reports."]
    assert turns["timestamp"].tolist() == ["00:00:01", "00:01:06", "00:01:10"]
    assert turns["is_witness"].tolist() == [True, False, True]
    text = transcripts.document_text(path)
    for row in turns.itertuples():
        assert text[row.start:row.end] == row.text


def test_srt_prefixes_and_unlabelled_cues_continue(tmp_path):
    path = write(tmp_path, "call.srt", SRT)
    write(tmp_path, "call.yml", "interviewer: INT\n")
    turns = transcripts.read_transcript(path)
    assert turns["speaker"].tolist() == ["INT", "P1"]
    assert turns["text"].tolist()[1] == "Monthly, with the director.\nAnd the managers."
    assert turns["transcript"].unique().tolist() == ["call"]


def test_captions_without_a_first_speaker_or_cues_are_refused(tmp_path):
    path = write(tmp_path, "x.srt", "1\n00:00:01,000 --> 00:00:02,000\nhello\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(TranscriptError, match=r"x\.srt: line 2: the first cue names no"):
            transcripts.read_transcript(path)
        with pytest.raises(TranscriptError, match=r"no caption cues"):
            transcripts.read_transcript(write(tmp_path, "y.srt", "just text\n"))
        with pytest.raises(TranscriptError, match=r"starts with 'WEBVTT'"):
            transcripts.read_transcript(write(tmp_path, "z.vtt", SRT))


def test_mixed_folder_feeds_kwic_keyness_and_coding(tmp_path):
    from medlead import codebook, coding
    from medlead import text as medtext

    write(tmp_path, "a.txt", HEAD + "P1: The budget is the manager's job.\n")
    write(tmp_path, "b.srt", SRT)
    write(tmp_path, "b.yml", "transcript: b\ninterviewer: INT\nparticipants:\n  INT:\n"
          "  P1: {group: doctor}\n")
    _docx(tmp_path / "c.docx", ["P9: The budget again, and the budget after.",
                                "P8: As clinical director I lead the service."])
    write(tmp_path, "c.yml", "participants:\n  P9: {group: nhs_manager}\n"
          "  P8: {group: doctor}\n")
    turns = transcripts.read_transcripts(tmp_path)
    assert turns["transcript"].unique().tolist() == ["t1", "b", "c"]
    assert turns["turn_id"].is_unique
    hits = medtext.kwic(turns, "budget")
    assert hits["turn_id"].tolist() == ["t1-0001", "c-0001", "c-0001"]
    table = medtext.keyness_between(turns, "group", "nhs_manager", "doctor", min_freq=1,
                                    stopwords=None)
    assert table.set_index("word").loc["budget", "freq_a"] == 2
    coded = coding.code_turns(turns, codebook.load_codebook())
    director = coded.loc[coded["code"] == "medical_director_posts"]
    assert director["turn_id"].tolist() == ["c-0002"]
    assert director["matched"].tolist() == ["clinical director"]


def test_the_word_and_caption_example_in_the_format_page_reads_as_documented(tmp_path):
    from medlead.paths import PROJECT_ROOT

    page = (PROJECT_ROOT / "book" / "byo-format.md").read_text(encoding="utf-8")
    section = page.split("## Word files and caption files", 1)[1]
    vtt = section.split("```text\n", 1)[1].split("```", 1)[0]
    sidecar = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    write(tmp_path, "board-call.vtt", vtt)
    write(tmp_path, "board-call.yml", sidecar)
    turns = transcripts.read_transcript(tmp_path / "board-call.vtt")
    assert turns["turn_id"].tolist() == ["site-b-call-01-0001", "site-b-call-01-0002"]
    assert turns["timestamp"].tolist() == ["00:00:01", "00:00:04"]
    assert turns["role"].tolist() == ["interviewer", "participant"]
    assert turns["group"].tolist()[1] == "doctor"
    assert turns["text"].tolist()[1] == ("We meet monthly, the clinical director in the chair.\n"
                                         "The general manager brings the budget.")
    _docx(tmp_path / "board-call.docx", [
        "Interviewer: How does the directorate board work?",
        "Jane Smith: We meet monthly, the clinical director in the chair.",
        "The general manager brings the budget.",
    ])
    word = transcripts.read_transcript(tmp_path / "board-call.docx")
    columns = ["turn_id", "speaker", "role", "group", "text"]
    assert word[columns].equals(turns[columns])


def test_refi_paragraph_labels_in_any_script_and_typing():
    import pandas as pd

    text = ("**Interviewer :** Wie arbeitet der Vorstand?\n"
            "Ärztin：Monatlich, mit der Direktorin.\n"
            "<b>Émilie</b>: Nous nous réunissons chaque semaine.\n"
            "Und ohne Label geht es weiter.")
    tables = {
        "sources": pd.DataFrame({"source_id": ["s"], "name": ["Vorstand"], "text": [text]}),
        "cases": pd.DataFrame({"case_id": [], "name": [], "source_ids": []}),
        "variables": pd.DataFrame({"case_id": [], "variable": [], "value": [], "type": []}),
        "codes": pd.DataFrame({"code_id": [], "name": []}),
        "segments": pd.DataFrame({"source_id": [], "code_id": [], "start": [], "end": []}),
    }
    turns = transcripts.turns_from_refi(tables, speaker_labels=True, interviewers=["Interviewer"])
    assert turns["speaker"].tolist() == ["Interviewer", "Ärztin", "Émilie", "Émilie"]
    assert turns["text"].tolist()[:2] == ["Wie arbeitet der Vorstand?",
                                          "Monatlich, mit der Direktorin."]
    assert turns["is_witness"].tolist() == [False, True, True, True]


def test_a_broken_project_in_a_folder_is_listed_with_the_other_failures(tmp_path):
    write(tmp_path, "a.txt", HEAD + "X: unknown\n")
    write(tmp_path, "b.qdpx", "not a zip")
    with pytest.raises(TranscriptError) as caught:
        transcripts.read_transcripts(tmp_path)
    message = str(caught.value)
    assert message.startswith("2 of 2 transcript file(s)")
    assert "b.qdpx is not a zip archive" in message and "unknown speaker 'X'" in message


@pytest.mark.parametrize(
    "text",
    ["---\na: 1\n---\nP1: hi\n", "a\r\nb\n\nc", "é\nß\r\n\U0001F600 x\n", "", "\n", "no newline"],
)
def test_lines_match_a_split_at_newlines_with_offsets(text):
    from medlead.transcripts.common import Lines

    expected, offset = [], 0
    for raw in text.split("\n"):
        expected.append((offset, raw.removesuffix("\r")))
        offset += len(raw) + 1
    lines = Lines(text)
    assert len(lines) == len(expected)
    assert [lines[i] for i in range(len(lines))] == expected
    assert [(o, line) for _, o, line in lines.numbered(0)] == expected
    assert lines[1:3] == expected[1:3] and lines[-1] == expected[-1]
    for start, line in expected:
        assert text[start:start + len(line)] == line
