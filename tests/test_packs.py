"""Tests for medlead.packs: the contents of the seminars' teacher's packs."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from medlead import packs, text

# --- seminar 1 -----------------------------------------------------------------------------------


def _speakers(**change) -> pd.DataFrame:
    table = pd.DataFrame({
        "person_id": ["a", "b", "c", "d"],
        "name": ["Dr A", "Dr B", "Dr C", "Ms D"],
        "group": ["doctor", "doctor", "doctor", "nurse_midwife"],
        "hybrid_medical_manager": [True, True, False, False],
        "organisation": ["Welsh Government", "Hywel Dda University Health Board",
                         "A Hospital", "NHS England"],
        "role_title": ["Chief Medical Officer for Wales", "Medical director", "Consultant",
                       "Chief Nursing Officer"],
    })
    for column, values in change.items():
        table[column] = values
    return table


def test_hybrid_makeup_places_each_hybrid_by_rule():
    makeup = packs.hybrid_makeup(_speakers())
    assert makeup["name"].tolist() == ["Dr A", "Dr B"]  # national bodies first; hybrids only
    assert makeup["level"].tolist() == ["national body", "NHS trust or health board"]
    assert makeup["nation"].tolist() == ["Wales", "Wales"]
    assert makeup["chief_medical_officer"].tolist() == [True, False]
    summary = packs.makeup_summary(makeup)
    assert summary == {"n": 2, "n_national": 1, "n_cmo": 1, "n_trust": 1, "n_nations": 1,
                       "nations": ["Wales"]}


def test_hybrid_makeup_refuses_unplaced_posts_and_non_doctors():
    with pytest.raises(ValueError, match="Dr B.*Somewhere"):
        packs.hybrid_makeup(_speakers(organisation=["Welsh Government", "Somewhere", "x", "y"]))
    with pytest.raises(ValueError, match="not doctors.*Ms D"):
        packs.hybrid_makeup(_speakers(hybrid_medical_manager=[True, True, False, True]))


def test_real_hybrids_are_doctors_mostly_national_across_four_nations():
    from medlead import corpus

    makeup = packs.hybrid_makeup(corpus.load_speakers())
    summary = packs.makeup_summary(makeup)
    assert summary["n_national"] > summary["n"] / 2
    assert set(summary["nations"]) == {"England or UK-wide", "Scotland", "Wales",
                                       "Northern Ireland"}


@pytest.fixture
def tiny_index() -> text.TokenIndex:
    turns = pd.DataFrame({
        "turn_id": ["t1", "t2", "t3", "t4"],
        "name": ["Dr A", "Dr A", "Dr B", "Ms C"],
        "role_title": ["CMO", "CMO", "Surgeon", "Nurse"],
        "cadre": ["hybrid", "hybrid", "other", "nurse"],
        "text": ["the policy and the medical director", "policy again policy",
                 "my medical director said policy", "the medical director"],
    })
    return text.TokenIndex(turns)


def test_keyword_lines_count_uses_and_people_in_the_group(tiny_index):
    lines = packs.keyword_lines(tiny_index, ["policy"], "cadre", "hybrid", window=2, seed=0)
    row = lines.iloc[0]
    assert (row["uses"], row["speakers"], row["speaker"]) == (3, 1, "Dr A")
    assert "[policy]" in row["line"] and row["turn_id"] in {"t1", "t2"}
    with pytest.raises(ValueError, match="'surgery'"):
        packs.keyword_lines(tiny_index, ["surgery"], "cadre", "hybrid")


def test_term_counts_and_one_line_per_speaker(tiny_index):
    table = packs.term_by_group(tiny_index, ["medical director"], "cadre",
                                labels={"hybrid": "Hybrids"})
    assert set(zip(table["group"], table["uses"], table["speakers"], strict=True)) == {
        ("Hybrids", 1, 1), ("other", 1, 1), ("nurse", 1, 1)}
    lines = packs.lines_per_speaker(tiny_index, "medical director", "cadre")
    assert lines["speaker"].tolist() == ["Dr A", "Ms C", "Dr B"]  # by group, then name
    assert lines["line"].str.contains(r"\[medical director\]").all()


# --- seminar 2 -----------------------------------------------------------------------------------


@pytest.fixture
def codebook() -> pd.DataFrame:
    rows = [
        ("structures", "theme", "structures", "Structures", []),
        ("posts", "code", "structures", "Posts", [r"\bmedical directors?\b"]),
        ("voice", "theme", "voice", "Voice", []),
        ("speaking_up", "code", "voice", "Speaking up", [r"\bspeak(ing)? up\b"]),
    ]
    return pd.DataFrame([{"code": c, "level": lv, "theme": t, "label": lab, "patterns": p,
                          "definition": f"def {c}", "use_when": f"use {c}",
                          "not_when": f"not {c}"} for c, lv, t, lab, p in rows])


@pytest.fixture
def framework() -> pd.DataFrame:
    quotes = [("structures", "posts", "the medical director decided", "t1"),
              ("structures", "posts", "medical directors met", "t2"),
              ("voice", "speaking_up", "staff could speak up to the medical director", "t3"),
              ("voice", "speaking_up", "nobody would speak up", "t4"),
              ("voice", "", "", "")]
    return pd.DataFrame([{"group": "g", "theme": th, "code": c, "quote": q, "speaker": "Dr X",
                          "turn_id": t} for th, c, q, t in quotes])


def test_handout_extracts_are_seeded_numbered_and_balanced(framework):
    extracts = packs.handout_extracts(framework, ["structures"], n_from_themes=2, n_other=1,
                                      seed=3, speakers=pd.DataFrame(
                                          {"name": ["Dr X"], "role_title": ["Medical director"]}))
    assert extracts["number"].tolist() == [1, 2, 3]
    assert (extracts["drawn_under"] == "structures").sum() == 2
    assert set(extracts["post"]) == {"Medical director"}
    again = packs.handout_extracts(framework, ["structures"], 2, 1, seed=3)
    assert again["turn_id"].tolist() == extracts["turn_id"].tolist()
    with pytest.raises(ValueError, match="asked for 3"):
        packs.handout_extracts(framework, ["structures"], n_from_themes=3, n_other=1)
    with pytest.raises(ValueError, match="'hybrid'"):
        packs.handout_extracts(framework, ["hybrid"])


def test_answer_key_reports_codes_and_matched_words_of_the_extract(framework, codebook):
    extracts = framework[framework["quote"] != ""].assign(
        number=[1, 2, 3, 4], drawn_under=lambda d: d["theme"])
    key = packs.answer_key(extracts, codebook, ["structures"]).set_index("number")
    assert key.loc[2, "grid_codes"] == "posts ('medical directors')"
    # drawn under voice, yet it also matches a code on the grid
    assert key.loc[3, "grid_codes"] == "posts ('medical director')"
    assert key.loc[3, "other_codes"] == "speaking_up ('speak up')"
    assert key.loc[4, "grid_codes"] == "none"


def test_coding_grid_lists_the_themes_codes_without_patterns(codebook):
    grid = packs.coding_grid(codebook, ["voice"])
    assert grid["code"].tolist() == ["speaking_up"]
    assert "patterns" not in grid.columns and grid["theme"].tolist() == ["Voice"]
    with pytest.raises(ValueError, match="'nope'"):
        packs.coding_grid(codebook, ["nope"])


def test_kappa_steps_match_scikit_learn():
    rng = np.random.default_rng(0)
    for _ in range(20):
        a = rng.integers(0, 2, 50)
        b = np.where(rng.random(50) < 0.8, a, 1 - a)
        counts = (int(((a == 1) & (b == 1)).sum()), int(((a == 1) & (b == 0)).sum()),
                  int(((a == 0) & (b == 1)).sum()), int(((a == 0) & (b == 0)).sum()))
        steps = packs.kappa_steps(*counts)
        assert steps["kappa"] == pytest.approx(cohen_kappa_score(a, b))
        assert steps["observed"] == pytest.approx((a == b).mean())
    worked = packs.kappa_steps(3, 0, 3, 194)  # the coding chapter's medical director posts
    assert worked["chance"] == pytest.approx(0.985 * 0.97 + 0.015 * 0.03)
    assert np.isnan(packs.kappa_steps(0, 0, 0, 10)["kappa"])
    with pytest.raises(ValueError, match="non-negative"):
        packs.kappa_steps(1, -1, 0, 3)


# --- seminar 3 (real panel) ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    from medlead import engagement
    from medlead.panel import trust_panel

    return engagement.add_performance(trust_panel())


def test_engagement_results_defaults_are_the_chapters_correlation(panel):
    from medlead import engagement, stats

    result = packs.engagement_results(panel)
    with_score = panel.assign(senior_manager_score=engagement.senior_manager_score(
        panel, ["8b", "8c", "8d"]))
    trusts = engagement.cross_section(with_score, {"senior_manager_score": 2017,
                                                   "cqc_well_led": 2018})
    trusts = trusts[trusts["org_type"] == "acute"]
    direct = stats.correlation(trusts, "senior_manager_score", "cqc_well_led")
    first = result["correlations"].iloc[0]
    assert first["outcome"] == "CQC Well-led rating"
    assert (first["rho"], first["trusts"]) == (pytest.approx(direct["r"]), direct["n"])
    assert result["models"]["model"].tolist()[:2] == ["year only", "adjusted"]


def test_station_c_fits_no_rank_deficient_model(panel):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the chapter's cell warns here; the pack must not
        result = packs.engagement_results(panel, trust_types=("acute", "specialist acute"))
    terms = result["models"].set_index(["outcome", "model"])["terms"]
    assert "trust type" not in terms[(packs.OUTCOMES["shmi"], "adjusted")]
    assert "trust type" in terms[(packs.OUTCOMES["rtt_18w_pct"], "adjusted")]
    with pytest.raises(ValueError, match="'hospice'"):
        packs.engagement_results(panel, trust_types=("hospice",))


def test_trust_effects_shrink_the_shmi_association(panel):
    models = packs.engagement_results(panel, trust_effects=True)["models"]
    shmi = models[models["outcome"] == packs.OUTCOMES["shmi"]].set_index("model")
    within, between = shmi.loc["each trust against itself"], shmi.loc["year only"]
    assert abs(within["estimate"]) < abs(between["estimate"])
    assert within["ci_low"] < 0 < within["ci_high"]
