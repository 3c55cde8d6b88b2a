"""Tests for medlead.text: tokens, stopwords, KWIC, collocations, frequencies and keyness."""

from __future__ import annotations

import math
from collections import Counter

import nltk
import pandas as pd
import pytest
from nltk.collocations import BigramAssocMeasures, BigramCollocationFinder
from nltk.tokenize import RegexpTokenizer

from medlead import text

TURNS = pd.DataFrame(
    {
        "turn_id": ["d-0001", "d-0002", "d-0003", "d-0004"],
        "speaker": ["Dr A", "Counsel", "Dr A", "Ms B"],
        "group": ["doctor", "counsel", "doctor", "nhs_manager"],
        "text": [
            "We didn't have enough PPE. The PPE we had was the wrong size.",
            "What about PPE in care homes?",
            "Clinical leadership mattered: the medical director led. Leadership, yes.",
            "The trust's managers and clinical leadership worked together on PPE supply.",
        ],
    }
)


def test_tokenize_splits_clitics_like_treebank_and_drops_punctuation():
    assert text.tokenize("We didn't know the NHS’s plan -- e.g. 3.5% self-isolate.") == [
        "we", "did", "n't", "know", "the", "nhs", "'s", "plan", "e.g", "3.5", "self-isolate",
    ]
    assert text.tokenize("") == []


def test_tokenizer_matches_nltk_regexp_tokenizer():
    sample = TURNS["text"].tolist() + ["", "PPE... ok", "It\u2019s the Trust\u2019s plan"]
    reference = RegexpTokenizer(text.TOKEN_PATTERN)
    for item in sample:
        prepared = item.lower().replace("n't", " n't")
        assert text.TOKENIZER.tokenize(prepared) == reference.tokenize(prepared)
    assert text.tokenize_texts(sample) == [text.tokenize(t) for t in sample]
    assert text.tokenize(sample[-1]) == ["it", "'s", "the", "trust", "'s", "plan"]


def test_shipped_stopwords_are_documented_and_include_fillers():
    shipped = (text.resources.files("medlead") / "stopwords.txt").read_text(encoding="utf-8")
    assert shipped.startswith("# medlead stopword list")
    for filler in ("um", "er", "erm", "yes", "yeah", "lady", "okay", "the", "n't"):
        assert filler in text.STOPWORDS
    for content in ("ppe", "leadership", "doctor", "manager", "patients"):
        assert content not in text.STOPWORDS


def test_load_stopwords_from_a_file(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text("# my list\nFoo  # a comment\n\nbar\n", encoding="utf-8")
    assert text.load_stopwords(path) == frozenset({"foo", "bar"})


def test_kwic_rows_context_and_attributes():
    hits = text.kwic(TURNS, "ppe", window=3, attributes=("turn_id", "speaker"))
    assert hits[["turn_id", "left", "keyword", "right", "position"]].values.tolist() == [
        ["d-0001", "n't have enough", "ppe", "the ppe we", 5],
        ["d-0001", "enough ppe the", "ppe", "we had was", 7],
        ["d-0002", "what about", "ppe", "in care homes", 2],
        ["d-0004", "worked together on", "ppe", "supply", 10],
    ]
    assert hits["speaker"].tolist() == ["Dr A", "Dr A", "Counsel", "Ms B"]
    # context stops at the turn's edges: the first turn's last words are not before turn 2's hit
    assert hits.loc[2, "left"] == "what about"


def test_kwic_phrases_and_absent_terms():
    hits = text.kwic(TURNS, ["clinical leadership", "medical director", "ventilator"], window=2)
    assert hits["term"].tolist() == ["clinical leadership", "clinical leadership",
                                     "medical director"]
    assert hits["keyword"].tolist() == ["clinical leadership", "clinical leadership",
                                        "medical director"]
    assert hits.loc[2, "left"] == "mattered the" and hits.loc[2, "right"] == "led leadership"


def test_kwic_finds_exactly_nltk_concordance_offsets():
    tokens = text.tokenize_texts(TURNS["text"])
    index = text.TokenIndex(TURNS, tokens)
    flat = [t for turn in tokens for t in turn]
    concordance = nltk.ConcordanceIndex(flat, key=lambda s: s.lower())
    for term in ("ppe", "leadership", "the", "clinical"):
        assert index.positions(term).tolist() == concordance.offsets(term)


def test_collocations_match_nltk_scores():
    tokens = text.tokenize_texts(TURNS["text"])
    table = text.collocations(tokens, measure="likelihood_ratio", top=50, min_freq=1,
                              stopwords=frozenset())
    finder = BigramCollocationFinder.from_documents(tokens)
    expected = dict(finder.score_ngrams(BigramAssocMeasures.likelihood_ratio))
    row = table.set_index(["first", "second"]).loc[("clinical", "leadership")]
    assert row["frequency"] == 2
    assert row["score"] == pytest.approx(expected[("clinical", "leadership")])
    pmi = text.collocations(tokens, measure="pmi", min_freq=2, stopwords=frozenset())
    assert ("clinical", "leadership") in set(zip(pmi["first"], pmi["second"], strict=True))
    with pytest.raises(text.TextError, match="Unknown measure"):
        text.collocations(tokens, measure="dice")


def test_collocations_drop_stopword_pairs():
    tokens = text.tokenize_texts(TURNS["text"])
    table = text.collocations(tokens, min_freq=1, top=100)
    assert not (set(table["first"]) | set(table["second"])) & text.STOPWORDS


def test_frequency_per_thousand_by_group():
    freq = text.frequency_per_thousand(TURNS, ["ppe", "leadership"], by="group")
    doctor = freq[(freq["group"] == "doctor") & (freq["term"] == "ppe")].iloc[0]
    # doctor turns: 13 + 10 = 23 tokens, 'ppe' twice -> 2 / 23 * 1000
    assert doctor["tokens"] == 23 and doctor["count"] == 2
    assert doctor["per_1000"] == pytest.approx(2000 / 23)
    with pytest.raises(text.TextError, match="no 'site' column"):
        text.frequency_per_thousand(TURNS, ["ppe"], by="site")


# --- keyness ----------------------------------------------------------------------------------


def test_log_likelihood_reproduces_published_worked_example():
    # Lancaster University's corpus-linguistics teaching example for the UCREL log-likelihood
    # calculator (https://ucrel.lancs.ac.uk/llwizard.html): a word occurring 52 times in a
    # corpus of 50,000 tokens and 57 times in one of 75,000 gives "+ 2.65" (more frequent in
    # corpus 1; below 3.84, so not significant at p < 0.05).
    assert round(float(text.log_likelihood(52, 57, 50_000, 75_000)), 2) == 2.65


def test_log_likelihood_and_log_ratio_by_hand():
    # Hand calculation (Rayson & Garside 2000 form): a = 10 in c = 1,000; b = 5 in d = 4,000.
    #   E1 = 1000 * 15 / 5000 = 3;  E2 = 4000 * 15 / 5000 = 12
    #   G2 = 2 * (10 ln(10/3) + 5 ln(5/12)) = 2 * (12.0397 - 4.3773) = 15.3248
    #   Log Ratio = log2((10/1000) / (5/4000)) = log2(8) = 3
    g2 = float(text.log_likelihood(10, 5, 1000, 4000))
    assert g2 == pytest.approx(2 * (10 * math.log(10 / 3) + 5 * math.log(5 / 12)))
    assert g2 == pytest.approx(15.3248, abs=1e-4)
    assert float(text.log_ratio(10, 5, 1000, 4000)) == pytest.approx(3.0)
    # Equal relative frequencies: no evidence and no effect.
    assert float(text.log_likelihood(20, 40, 1000, 2000)) == pytest.approx(0.0, abs=1e-12)
    assert float(text.log_ratio(20, 40, 1000, 2000)) == pytest.approx(0.0)


def test_zero_frequency_conventions():
    # b = 0: the b-term of G2 is 0 (x ln x -> 0); E1 = 100 * 4 / 200 = 2, G2 = 2 * 4 ln 2.
    assert float(text.log_likelihood(4, 0, 100, 100)) == pytest.approx(8 * math.log(2))
    # Log Ratio replaces the zero by 0.5: log2((4/100) / (0.5/100)) = log2(8) = 3.
    assert float(text.log_ratio(4, 0, 100, 100)) == pytest.approx(3.0)


def test_keyness_table():
    a = Counter({"ppe": 10, "the": 500, "ward": 1, "beds": 489})  # 1,000 tokens
    b = Counter({"ppe": 5, "the": 2000, "ward": 9, "beds": 1986})  # 4,000 tokens
    table = text.keyness(a, b, min_freq=5)
    assert table["word"].tolist() == ["ppe", "ward", "beds"]  # 'the' is a stopword
    first = table.iloc[0]
    assert first["g2"] == pytest.approx(15.3248, abs=1e-4)
    assert first["log_ratio"] == pytest.approx(3.0)
    assert first["direction"] == "A" and first["p_value"] < 0.001
    assert table.set_index("word").loc["ward", "direction"] == "B"
    everything = text.keyness(a, b, min_freq=0, stopwords=None)
    assert "the" in set(everything["word"])
    with pytest.raises(text.TextError, match="non-empty"):
        text.keyness(a, Counter())


def test_keyness_between_groups():
    table = text.keyness_between(TURNS, "group", "doctor", "nhs_manager", min_freq=1)
    assert set(table["direction"]) <= {"A", "B"}
    assert table.set_index("word").loc["ppe", "freq_a"] == 2
    with pytest.raises(text.TextError, match="No tokens for group == 'nurse'"):
        text.keyness_between(TURNS, "group", "doctor", "nurse")
