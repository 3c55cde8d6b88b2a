"""Tests for medlead.codebook: the authored codebook, its validation, examples and renderings."""

import re
import textwrap

import pandas as pd
import pytest
from lxml import etree

from medlead import codebook as cbm
from medlead import data, refi
from medlead.codebook import CodebookError, load_codebook, resolve_example_turns

SPEAKER_LINE = re.compile(r"^\*\*(.+?)\*\*:")


@pytest.fixture(scope="module")
def book_codebook() -> pd.DataFrame:
    return load_codebook()


def test_codebook_has_eight_themes_with_two_to_four_codes_each(book_codebook):
    themes = book_codebook[book_codebook["level"] == "theme"]
    assert len(themes) == 8
    per_theme = book_codebook[book_codebook["level"] == "code"].groupby("theme").size()
    assert set(per_theme.index) == set(themes["code"])
    assert per_theme.between(2, 4).all()
    assert list(book_codebook.columns) == cbm.CODEBOOK_COLUMNS


def test_every_code_pattern_matches_its_own_example(book_codebook):
    patterns = cbm.compiled_patterns(book_codebook)
    codes = book_codebook[book_codebook["level"] == "code"]
    for row in codes.itertuples():
        assert any(p.search(row.example_quote) for p in patterns[row.code]), row.code
        assert len(row.example_quote.split()) <= cbm.MAX_QUOTE_WORDS


def test_examples_are_exact_extracts_of_witness_turns_in_the_transcripts(book_codebook):
    """Each example sits on its recorded line, inside a turn by the recorded speaker."""
    codes = book_codebook[book_codebook["level"] == "code"]
    for row in codes.itertuples():
        path = data.fetch(f"covid-inquiry-m3/{row.example_date}.rst")
        lines = path.read_text(encoding="utf-8").split("\n")
        assert row.example_quote in " ".join(lines[row.example_line - 1].split()), row.code
        speaker = next(
            SPEAKER_LINE.match(line).group(1)
            for line in reversed(lines[: row.example_line])
            if SPEAKER_LINE.match(line)
        )
        assert speaker == row.example_speaker, row.code


def _write(tmp_path, body: str):
    path = tmp_path / "codebook.yml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


GOOD = """
themes_and_codes:
  - name: voice
    parent: ""
    label: Voice
    colour: "#000000"
    definition: Raising concerns.
    source: [francis2013report]
  - name: speaking_up
    parent: voice
    label: Speaking up
    definition: Staff raising concerns.
    use_when: Someone speaks up.
    not_when: Fear of infection.
    source: [francis2013report]
    patterns: ['\\bspeak up\\b']
    example: {quote: people can speak up, speaker: Dr A, date: "2024-10-28", line: 3}
"""


def test_a_small_valid_codebook_loads(tmp_path):
    table = load_codebook(_write(tmp_path, GOOD))
    assert table["code"].tolist() == ["voice", "speaking_up"]
    assert table.loc[1, "theme"] == "voice" and table.loc[1, "colour"] == "#000000"
    assert table.loc[1, "patterns"] == ["\\bspeak up\\b"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("parent: voice", "parent: silence", "unknown parent 'silence'"),
        ("name: speaking_up", "name: voice", "defined twice"),
        ("['\\bspeak up\\b']", "['\\bspeak (up\\b']", "bad pattern"),
        ("['\\bspeak up\\b']", "['speak up']", "no word boundary"),
        ("    use_when: Someone speaks up.\n", "", "lacks use_when"),
        (
            "[francis2013report]\n    patterns",
            "[nobody2099]\n    patterns",
            "not in references.bib",
        ),
        ('date: "2024-10-28"', 'date: "28/10/2024"', "not YYYY-MM-DD"),
        ("quote: people can speak up", "quote: " + "word " * 31, "31 words"),
        ("parent: voice", "parent: speaking_up", "cycle: speaking_up -> speaking_up"),
        ('    colour: "#000000"\n', "", "lacks colour"),
        (
            "definition: Staff raising",
            "definiton: x\n    definition: Staff raising",
            "unknown fields",
        ),
    ],
)
def test_bad_codebooks_are_refused_naming_file_code_and_problem(tmp_path, old, new, message):
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(CodebookError, match=re.escape(message)) as caught:
        load_codebook(path)
    assert str(path) in str(caught.value)


def test_missing_or_non_yaml_file_is_refused(tmp_path):
    with pytest.raises(CodebookError, match="does not exist"):
        load_codebook(tmp_path / "nope.yml")
    with pytest.raises(CodebookError, match="not valid YAML"):
        load_codebook(_write(tmp_path, "themes_and_codes: [unclosed"))


def test_resolve_example_turns_finds_the_turn_holding_the_quote(tmp_path):
    table = load_codebook(_write(tmp_path, GOOD))
    turns = pd.DataFrame(
        {
            "turn_id": ["2024-10-28-0001", "2024-10-28-0002", "2024-10-28-0003"],
            "date": ["2024-10-28"] * 3,
            "speaker": ["Counsel Inquiry", "Dr A", "Dr A"],
            "text": [
                "Can people speak up?",
                "Yes.",
                "We need a space where\npeople  can speak up and feel safe.",
            ],
        }
    )
    resolved = resolve_example_turns(table, turns)
    assert resolved.loc[1, "example_turn_id"] == "2024-10-28-0003"
    assert resolved.loc[0, "example_turn_id"] == ""  # themes have no example
    with pytest.raises(CodebookError, match="not found in any turn by 'Dr A'"):
        resolve_example_turns(table, turns.iloc[:2])


def test_resolve_uses_the_line_to_choose_between_identical_turns(tmp_path):
    table = load_codebook(_write(tmp_path, GOOD))
    turns = pd.DataFrame(
        {
            "turn_id": ["d-0001", "d-0002"],
            "date": ["2024-10-28"] * 2,
            "speaker": ["Dr A"] * 2,
            "text": ["people can speak up"] * 2,
            "line": [1, 9],
        }
    )
    assert resolve_example_turns(table, turns).loc[1, "example_turn_id"] == "d-0001"


def test_codes_table_exports_as_a_schema_valid_qdc(tmp_path, book_codebook):
    codes = cbm.codes_table(book_codebook)
    path = refi.export_qdc(codes, tmp_path / "codebook.qdc")
    schema = etree.XMLSchema(etree.parse(str(refi.SCHEMA_DIR / "Codebook.xsd")))
    document = etree.parse(str(path))
    assert schema.validate(document), schema.error_log
    ns = {"c": refi.CODEBOOK_NS}
    assert len(document.findall("c:Codes/c:Code", ns)) == 8
    assert len(document.findall("c:Codes/c:Code/c:Code", ns)) == int(codes["codable"].sum())


def test_markdown_rendering_attributes_every_example(book_codebook):
    text = cbm.codebook_markdown(book_codebook)
    assert text.count("### ") >= 8
    for row in book_codebook[book_codebook["level"] == "code"].itertuples():
        assert f"“{row.example_quote}”" in text
        assert f"— {row.example_speaker}, hearing of" in text
    assert "{cite:p}`francis2013report" in text
    assert "{cite:p}" not in cbm.codebook_markdown(book_codebook, citations=False)


def test_garbled_example_is_marked_sic_in_the_rendered_codebook():
    from medlead.codebook import codebook_markdown

    book = load_codebook()
    marked = book[book["example_sic"]]
    assert list(marked["code"]) == ["clinical_judgement"]
    text = codebook_markdown(book)
    quote = marked["example_quote"].iloc[0]
    assert f"> “{quote}” [sic]" in text
    assert text.count("[sic]") == 1
