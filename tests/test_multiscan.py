"""Tests for medlead.multiscan: one pass for many expressions gives finditer's matches."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from medlead import codebook, coding, corpus, multiscan


def _spans(matches: list[re.Match]) -> list[tuple]:
    return [(m.start(), m.end(), m.lastgroup, m.lastindex, m.group()) for m in matches]


def _assert_same_as_finditer(regexes: dict, text: str) -> dict:
    found = multiscan.finditer_each(regexes, text)
    assert list(found) == list(regexes)
    for key, regex in regexes.items():
        assert _spans(found[key]) == _spans(list(regex.finditer(text))), key
    return found


def _alternation(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?P<p{i}>{p})" for i, p in enumerate(patterns)), re.IGNORECASE)


TEXT = (
    "The Medical Director's group met; medical directors' meetings, MEDICAL DIRECTOR. "
    "Job appointments and appointment; disappointment. A front-line, frontline, front line "
    "worker. Two hats, both hats; twohats. Standardised, nonstandardised, STANDARDISATION. "
    "clinical leadership and clinical leaders; strong clinical leaders. Café à la carte, £5.\n"
    "\x00\nline managers supported by my line manager. Level 4 incident; level four incident."
)


def test_overlapping_codes_and_first_listed_pattern_wins_within_a_code():
    regexes = {
        "posts": _alternation(r"\bmedical directors?\b", r"\bdirectors?\b"),
        "groups": _alternation(r"\bmedical directors?('s?)? (group|meetings?)\b"),
        "lead": _alternation(r"\b(strong|effective|good) clinical leader(s|ship)?\b",
                             r"\bclinical leaders?(hip)?\b"),
        "line": _alternation(r"\bfront[- ]?line\b", r"\bline managers?\b",
                             r"\b(supported|backed) by (my |our )?(line )?managers?\b"),
        "hats": _alternation(r"\b(two|both) hats\b"),
        "std": _alternation(r"\bstandardis\w*\b"),
        "jobs": _alternation(r"\b(job )?appointments?\b"),
        "level": _alternation(r"\b(level 4|level four) incident\b"),
    }
    found = _assert_same_as_finditer(regexes, TEXT)
    # the same words can belong to two codes; within a code matches do not overlap
    assert any(m.group().lower() == "medical director's group" for m in found["groups"])
    assert [m.lastgroup for m in found["posts"]][:1] == ["p0"]
    assert [m.group() for m in found["std"]] == ["Standardised", "STANDARDISATION"]
    assert "appointment" not in [m.group() for m in found["jobs"]][2:]  # not in disappointment


@pytest.mark.parametrize(
    "pattern",
    [
        r"\bcaf\w\b",  # non-ASCII word characters after lower-casing
        r"[A-Z]{2}\b",  # upper case in a class: scanned on its own
        r"\x41 la\b",  # an escape naming a character: scanned on its own
        r"(?<=a )la\b",  # look-behind first
        r"(?:a|b)+ la",  # quantified leading group
        r"\b£\d",  # a leading symbol
        r"x*",  # matches the empty string everywhere
        r"[^a-z]\d",  # a negated class
        r"(?P<word>\w+)-(?P=word)",  # a named back-reference: scanned on its own
    ],
)
def test_unusual_patterns_give_finditers_matches(pattern: str):
    regexes = {"it": _alternation(pattern), "other": _alternation(r"\bline\b")}
    _assert_same_as_finditer(regexes, TEXT + " AB ab front-front x")


def test_text_that_lower_casing_would_change_is_scanned_one_by_one():
    # the long s matches "s" case-insensitively but str.lower() keeps it; the dotted I lengthens
    text = "mandatory ſtandardised İstanbul standardised"
    regexes = {"std": _alternation(r"\bstandardis\w*\b"), "m": _alternation(r"\bmandatory\b")}
    found = _assert_same_as_finditer(regexes, text)
    assert len(found["std"]) == 2


def test_case_sensitive_expressions_keep_their_flags():
    regexes = {"cs": re.compile(r"\bGMC\b"), "ci": _alternation(r"\bgmc\b")}
    found = _assert_same_as_finditer(regexes, "GMC gmc Gmc")
    assert len(found["cs"]) == 1 and len(found["ci"]) == 3


def test_trie_alternation_finds_exactly_the_positions_of_its_branches():
    branches = ["medical directors?", "medical director's group", "mentoring", "(job )?appoint",
                "(two|both) hats", "x?y", "[^a-z]\\d"]
    text = "medical director's group; job appointments; two hats; mentoring; xy y; m 4 5"
    for extra in ([], ["m"]):  # "m" alone: every "m" is a position, longer branches add none
        trie = re.compile(multiscan.trie_alternation(branches + extra))
        flat = re.compile("|".join(f"(?:{b})" for b in branches + extra))
        assert multiscan.match_starts(trie, text) == multiscan.match_starts(flat, text)
    assert multiscan.trie_alternation(branches).startswith("m(?:e")  # shared prefixes factored


def test_code_turns_equals_finditer_per_code_on_the_full_corpus():
    """The single pass gives the hits of one case-insensitive ``finditer`` per code over all
    turns joined (what code_turns did before; it was itself checked against a per-turn scan)."""
    turns = corpus.load_turns()
    book = codebook.load_codebook()
    hits = coding.code_turns(turns, book)
    joined = coding._SEPARATOR.join(turns["text"].astype(str))
    lengths = turns["text"].astype(str).str.len().to_numpy()
    offsets = pd.Series(lengths + len(coding._SEPARATOR)).cumsum().shift(fill_value=0).to_numpy()
    patterns = {row.code: row.patterns for row in book[book.level == "code"].itertuples()}
    expected = []
    for code, regex in coding.compile_codes(book).items():
        for m in regex.finditer(joined):
            which = int(offsets.searchsorted(m.start(), side="right")) - 1
            inside = m.start() - int(offsets[which])
            if inside + len(m.group()) <= lengths[which]:
                turn = turns.iloc[which]
                expected.append((turn.turn_id, code, patterns[code][int(m.lastgroup[1:])], inside,
                                 inside + len(m.group()), int(turn.start) + inside, m.group()))
    got = list(zip(hits.turn_id, hits.code, hits.pattern, hits.start, hits.end,
                   hits.source_start, hits.matched, strict=True))
    assert len(got) > 2000
    assert sorted(got) == sorted(expected)
