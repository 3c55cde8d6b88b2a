"""Tests for medlead.coding: keyword hits, matrices, framework, validation sample, REFI export."""

from __future__ import annotations

import pandas as pd
import pytest

from medlead import codebook, coding, corpus, data, refi
from medlead.coding import CodingError

# --- small fixtures ----------------------------------------------------------------------------


def tiny_codebook() -> pd.DataFrame:
    """Two themes and three codes; code ``pets`` has two patterns, ``food`` overlaps it."""
    rows = [
        {"code": "animals", "parent": "", "level": "theme", "label": "Animals",
         "patterns": [], "theme": "animals"},
        {"code": "pets", "parent": "animals", "level": "code", "label": "Pets",
         "patterns": [r"\bcats?\b", r"\bdogs?\b"], "theme": "animals"},
        {"code": "food", "parent": "animals", "level": "code", "label": "Food",
         "patterns": [r"\bcat food\b"], "theme": "animals"},
        {"code": "money", "parent": "", "level": "theme", "label": "Money",
         "patterns": [], "theme": "money"},
        {"code": "cost", "parent": "money", "level": "code", "label": "Cost",
         "patterns": [r"\bpounds?\b"], "theme": "money"},
    ]
    return pd.DataFrame(rows)


def tiny_turns() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "turn_id": ["d-0001", "d-0002", "d-0003", "d-0004"],
            "text": [
                "My cat. It likes cat food, and the dog ate it.",
                "Nothing here but a catalogue and a hotdog.",
                "It ends with a cat",
                "food costs ten pounds. A second sentence.",
            ],
            "start": [100, 200, 300, 400],
            "group": ["doctor", "doctor", "nhs_manager", "nhs_manager"],
            "n_words": [11, 8, 5, 7],
            "name": ["Dr A", "Dr A", "Ms B", "Ms B"],
        }
    )


@pytest.fixture
def tiny_hits() -> pd.DataFrame:
    return coding.code_turns(tiny_turns(), tiny_codebook())


def test_hits_record_code_pattern_and_offsets_in_turn_and_source(tiny_hits):
    hits = tiny_hits
    assert list(hits.columns) == coding.HIT_COLUMNS
    assert list(zip(hits.turn_id, hits.code, hits.matched, strict=True)) == [
        ("d-0001", "pets", "cat"),
        ("d-0001", "pets", "cat"),
        ("d-0001", "food", "cat food"),
        ("d-0001", "pets", "dog"),
        ("d-0003", "pets", "cat"),
        ("d-0004", "cost", "pounds"),
    ]
    texts = tiny_turns().set_index("turn_id")["text"]
    starts = tiny_turns().set_index("turn_id")["start"]
    for hit in hits.itertuples():
        assert texts[hit.turn_id][hit.start:hit.end] == hit.matched
        assert hit.source_start == starts[hit.turn_id] + hit.start
        assert hit.source_end - hit.source_start == len(hit.matched)
    assert hits.loc[hits.matched == "dog", "pattern"].item() == r"\bdogs?\b"
    assert hits.loc[hits.matched == "cat food", "pattern"].item() == r"\bcat food\b"
    # word boundaries hold: no hit in "catalogue" or "hotdog"; no match across two turns
    assert "d-0002" not in set(hits.turn_id)
    assert not ((hits.turn_id == "d-0003") & (hits.code == "food")).any()


def _plain_hits(turns: pd.DataFrame, book: pd.DataFrame) -> list[tuple]:
    """Reference: the original case-insensitive alternation, run turn by turn."""
    patterns = {row.code: row.patterns for row in book[book["level"] == "code"].itertuples()}
    found, compiled = [], coding.compile_codes(book)
    for turn_id, text in zip(turns["turn_id"], turns["text"], strict=True):
        for code, regex in compiled.items():
            for m in regex.finditer(text):
                pattern = patterns[code][int(m.lastgroup[1:])]
                found.append((turn_id, code, pattern, m.start(), m.end(), m.group()))
    return sorted(found)


def _as_tuples(hits: pd.DataFrame) -> list[tuple]:
    columns = ["turn_id", "code", "pattern", "start", "end", "matched"]
    return sorted(tuple(r) for r in hits[columns].itertuples(index=False))


def test_fast_scan_gives_exactly_the_matches_of_the_original_patterns():
    book = pd.DataFrame([
        {"code": "t", "parent": "", "level": "theme", "label": "T", "patterns": [], "theme": "t"},
        {"code": "ab", "parent": "t", "level": "code", "label": "AB", "theme": "t",
         "patterns": [r"\ba b\b|\bb c\b", r"\bGMC\b"]},
        {"code": "w", "parent": "t", "level": "code", "label": "W", "theme": "t",
         "patterns": [r"\bstill (practis|practic)\w*\b", r"\b[A-Z]{2}\b"]},
        {"code": "nob", "parent": "t", "level": "code", "label": "N", "theme": "t",
         "patterns": [r"cat\b"]},  # no leading boundary: the plain path is used
    ])
    turns = pd.DataFrame({
        "turn_id": ["a", "b", "c"],
        "text": ["xa b c and a b; the GMC, gmcs and _GMC", "Still practising. bobcat cat",
                 "NHS OK ok İstanbul A"],
        "start": [0, 50, 100],
    })
    hits = coding.code_turns(turns, book)
    assert _as_tuples(hits) == _plain_hits(turns, book)
    assert ("a", "ab", r"\ba b\b|\bb c\b", 3, 6, "b c") in _as_tuples(hits)


def test_code_turns_refuses_missing_columns_and_repeated_ids():
    with pytest.raises(CodingError, match="lacks the column"):
        coding.code_turns(tiny_turns().drop(columns=["start"]), tiny_codebook())
    doubled = pd.concat([tiny_turns(), tiny_turns().head(1)])
    with pytest.raises(CodingError, match="repeats turn ids"):
        coding.code_turns(doubled, tiny_codebook())


def test_coded_turns_and_cooccurrence(tiny_hits):
    coded = coding.coded_turns(tiny_hits, tiny_turns(), ["pets", "food", "cost"])
    assert coded.index.tolist() == ["d-0001", "d-0002", "d-0003", "d-0004"]
    assert coded.astype(int).to_numpy().tolist() == [[1, 1, 0], [0, 0, 0], [1, 0, 0], [0, 0, 1]]
    together = coding.cooccurrence(coded)
    assert together.loc["pets", "pets"] == 2
    assert together.loc["pets", "food"] == together.loc["food", "pets"] == 1
    assert together.loc["pets", "cost"] == 0


def test_code_group_matrix_measures_by_hand(tiny_hits):
    turns, codes = tiny_turns(), ["pets", "food", "cost"]
    count = coding.code_group_matrix(tiny_hits, turns, codes, measure="count")
    assert count.loc["pets"].tolist() == [1, 1]  # doctor, nhs_manager (sorted)
    hits = coding.code_group_matrix(tiny_hits, turns, codes, measure="hits")
    assert hits.loc["pets", "doctor"] == 3 and hits.loc["pets", "nhs_manager"] == 1
    share = coding.code_group_matrix(tiny_hits, turns, codes, measure="share")
    assert share.loc["pets", "doctor"] == pytest.approx(1 / 2)
    assert share.loc["cost", "nhs_manager"] == pytest.approx(1 / 2)
    rate = coding.code_group_matrix(tiny_hits, turns, codes, measure="per_1000_words")
    assert rate.loc["pets", "doctor"] == pytest.approx(3 / 19 * 1000)
    assert rate.loc["food", "nhs_manager"] == 0
    with pytest.raises(CodingError, match="Unknown measure"):
        coding.code_group_matrix(tiny_hits, turns, codes, measure="mean")


def test_framework_matrix_counts_and_quotes_are_attributed_and_short(tiny_hits):
    frame = coding.framework_matrix(tiny_turns(), tiny_hits, tiny_codebook(), max_words=5, seed=3)
    cell = frame[(frame.group == "doctor") & (frame.theme == "animals")].iloc[0]
    assert cell.turns == 1 and cell.speaker == "Dr A" and cell.turn_id == "d-0001"
    assert len(cell.quote.replace("…", "").split()) <= 5
    empty = frame[(frame.group == "doctor") & (frame.theme == "money")].iloc[0]
    assert empty.turns == 0 and empty.quote == ""
    cost = frame[(frame.group == "nhs_manager") & (frame.theme == "money")].iloc[0]
    assert cost.quote == "food costs ten pounds."  # the sentence holding the match
    again = coding.framework_matrix(tiny_turns(), tiny_hits, tiny_codebook(), max_words=5, seed=3)
    pd.testing.assert_frame_equal(frame, again)
    table = coding.framework_table(frame)
    assert table.loc["nhs_manager", "Money"].startswith("1 turns: “food costs ten pounds.” (Ms B")


def test_sentence_trim_keeps_the_match_inside_the_window():
    text = "one two three four five six seven eight nine ten eleven twelve."
    start = text.index("nine")
    quote = coding._sentence_around(text, start, start + 4, max_words=4)
    assert "nine" in quote and quote.startswith("…")
    assert len(quote.replace("…", "").split()) == 4


def test_validation_sample_is_seeded_stratified_and_skips_short_turns():
    groups = ["doctor", "nurse_midwife", "nhs_manager", "civil_servant_minister", "other",
              "patient_family"]
    turns = pd.DataFrame(
        {
            "turn_id": [f"t-{i:04d}" for i in range(120)],
            "group": [groups[i % 6] for i in range(120)],
            "n_words": [5 if i % 4 == 0 else 30 for i in range(120)],
        }
    )
    sample = coding.validation_sample(turns, n=12, seed=1)
    sizes = sample.groupby("stratum").size()
    assert sizes.sum() == 12 and set(sizes) <= {2, 3}
    assert set(sample.turn_id).isdisjoint(set(turns.loc[turns.n_words < 15, "turn_id"]))
    pd.testing.assert_frame_equal(sample, coding.validation_sample(turns, n=12, seed=1))
    assert not sample.equals(coding.validation_sample(turns, n=12, seed=2))
    with pytest.raises(CodingError, match="Lower n or min_words"):
        coding.validation_sample(turns, n=200, seed=1)


def test_load_manual_codes_refuses_bad_values(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("turn_id,coder,a,b,note\nx,c,0,1,\ny,c,2,0,\n", encoding="utf-8")
    with pytest.raises(CodingError, match="line 3 holds a value other than 0 or 1"):
        coding.load_manual_codes(path)
    path.write_text("turn_id,coder,a,note\nx,c,0,\n", encoding="utf-8")
    with pytest.raises(CodingError, match="missing \\['b'\\]"):
        coding.load_manual_codes(path, codes=["a", "b"])


def test_witness_sources_offsets_point_at_each_turn():
    turns = tiny_turns().assign(person_id=["a", "a", "b", "b"])
    sources, offsets = coding.witness_sources(turns)
    text = sources.set_index("person_id")["text"]
    for row in turns.itertuples():
        begin = offsets[row.turn_id]
        assert text[row.person_id][begin:begin + len(row.text)] == row.text
        assert text[row.person_id][:begin].endswith(f"[{row.turn_id}]\n")


# --- the real corpus ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real():
    turns = corpus.load_turns()
    witnesses = corpus.witness_turns(turns)
    book = codebook.load_codebook()
    hits = coding.cached_code_turns(witnesses, book)
    return turns, witnesses, book, hits


def test_real_hits_slice_the_turn_and_the_day_source_to_the_matched_words(real):
    _, witnesses, _, hits = real
    assert len(hits) > 500
    texts = witnesses.set_index("turn_id")["text"]
    for hit in hits.itertuples():
        assert texts[hit.turn_id][hit.start:hit.end] == hit.matched
    for date, day_hits in hits.groupby(hits.turn_id.str[:10]):
        path = data.fetch(f"{corpus.SOURCE_FAMILY}/{date}.rst")
        source = corpus.decode_transcript(path.read_bytes(), str(path))
        for hit in day_hits.itertuples():
            assert source[hit.source_start:hit.source_end] == hit.matched


def test_real_hits_equal_the_plain_per_turn_scan_on_two_days(real):
    turns, _, book, _ = real
    days = turns[turns.hearing_date.isin(["2024-10-08", "2024-11-07"])]
    assert _as_tuples(coding.code_turns(days, book)) == _plain_hits(days, book)


def test_cached_hits_equal_fresh_hits_on_a_day(real):
    _, witnesses, book, _ = real
    one_day = witnesses[witnesses.hearing_date == "2024-11-07"]
    pd.testing.assert_frame_equal(
        coding.cached_code_turns(one_day, book), coding.code_turns(one_day, book)
    )


def test_manual_sample_file_is_the_seeded_draw_and_is_fully_coded(real):
    _, witnesses, book, _ = real
    saved = pd.read_csv(coding.MANUAL_SAMPLE_PATH, dtype=str)
    drawn = coding.validation_sample(witnesses, n=200, seed=20241127)
    pd.testing.assert_frame_equal(saved, drawn.astype(str))
    manual = coding.load_manual_codes(codes=coding.code_names(book))
    assert sorted(manual.index) == sorted(saved.turn_id)
    assert manual.to_numpy().sum() > 0


def test_example_turns_hold_the_codebook_examples(real):
    turns, _, book, _ = real
    resolved = coding.codebook_with_example_turns(book, turns)
    texts = turns.set_index("turn_id")["text"]
    for row in resolved[resolved.level == "code"].itertuples():
        assert " ".join(row.example_quote.split()) in " ".join(texts[row.example_turn_id].split())


def test_coded_corpus_exports_valid_qdpx_and_reads_back_the_same_tables(real, tmp_path):
    _, witnesses, book, hits = real
    tables = coding.coded_corpus_tables(witnesses, book, hits)
    assert len(tables["sources"]) == witnesses.person_id.nunique()
    assert len(tables["segments"]) == len(hits)
    texts = tables["sources"].set_index("source_id")["text"]
    for seg in tables["segments"].itertuples():
        assert texts[seg.source_id][seg.start:seg.end] == seg.text
    variables = tables["variables"]
    assert set(variables.variable) == {"group", "hybrid_medical_manager", "organisation", "role"}
    path = refi.export_qdpx(tables, tmp_path / "coded.qdpx")  # validates against Project.xsd
    back = refi.read_qdpx(path)
    # Source names are written as safe file names ("M3/WI" becomes "M3-WI"); all else is kept.
    expected = dict(tables)
    expected["sources"] = tables["sources"].assign(
        name=tables["sources"]["name"].map(refi.safe_source_name)
    )
    assert (expected["sources"]["name"] != tables["sources"]["name"]).sum() == 1
    for name, columns in refi.TABLE_COLUMNS.items():
        pd.testing.assert_frame_equal(
            back[name][columns].reset_index(drop=True),
            expected[name][columns].reset_index(drop=True),
            check_dtype=False,
            obj=name,
        )
    # deterministic: the same input gives the same bytes
    again = refi.export_qdpx(coding.coded_corpus_tables(witnesses, book, hits), tmp_path / "b.qdpx")
    assert again.read_bytes() == path.read_bytes()
    qdc = refi.export_qdc(tables["codes"], tmp_path / "codebook.qdc")  # validates Codebook.xsd
    assert qdc.stat().st_size > 0


def test_framework_markdown_lists_each_group_with_counts_and_quotes(tiny_hits):
    frame = coding.framework_matrix(tiny_turns(), tiny_hits, tiny_codebook(), max_words=5, seed=3)
    text = coding.framework_markdown(frame, groups=["nhs_manager"])
    assert text.splitlines()[0] == "**Nhs manager**"
    assert "- *Money* (1 turns): “food costs ten pounds.” — Ms B, turn d-0004" in text
    assert "- *Animals* (1 turns): “" in text and "Dr A" not in text


def test_theme_flags_mark_a_theme_when_any_of_its_codes_is_in_the_turn():
    book, turns = tiny_codebook(), tiny_turns()
    hits = coding.code_turns(turns, book)
    coded = coding.coded_turns(hits, turns, coding.code_names(book))
    flags = coding.theme_flags(coded, book)
    assert list(flags.columns) == ["animals", "money"]
    assert list(flags.index) == list(turns["turn_id"])
    assert flags["animals"].tolist() == [True, False, True, False]
    assert flags["money"].tolist() == [False, False, False, True]
