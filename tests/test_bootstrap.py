"""Tests for medlead.bootstrap: the seeded cluster bootstrap of rates by group."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from medlead import bootstrap

# Witness A (doctor): 2 turns, 1 flagged, 30 words, 3 hits. Witness B (doctor): 1 turn, none,
# 10 words, 0 hits. Witness C (manager, alone in the group): 2 turns, both flagged.
TINY = pd.DataFrame(
    {
        "person_id": ["a", "a", "b", "c", "c"],
        "group": ["doctor", "doctor", "doctor", "manager", "manager"],
        "flag": [True, False, False, True, True],
        "hits": [2, 1, 0, 1, 0],
        "n_words": [20, 10, 10, 5, 5],
    }
)


def realistic_turns(seed: int = 1, spread: float = 0.1) -> pd.DataFrame:
    """Three groups of witnesses with different rates and witness-level heterogeneity."""
    rng = np.random.default_rng(seed)
    rows = []
    for group, n_people, base in (("doctor", 30, 0.3), ("nurse", 9, 0.15), ("manager", 6, 0.5)):
        for person in range(n_people):
            p = np.clip(base + rng.normal(0, spread), 0.01, 0.99)
            for _ in range(int(rng.integers(5, 60))):
                words = int(rng.integers(5, 200))
                rows.append({"person_id": f"{group}-{person}", "group": group,
                             "flag": bool(rng.random() < p), "n_words": words,
                             "hits": int(rng.poisson(p * words / 50))})
    return pd.DataFrame(rows)


def test_point_estimates_are_ratios_of_sums_by_hand():
    shares = bootstrap.share_of_turns(TINY, ["flag"], reps=200, seed=3)
    doctor = shares.set_index("group").loc["doctor"]
    assert doctor["estimate"] == pytest.approx(1 / 3)
    assert doctor["n_clusters"] == 2 and doctor["n_rows"] == 3
    rates = bootstrap.rate_per_thousand(TINY, ["hits"], reps=200, seed=3).set_index("group")
    assert rates.loc["doctor", "estimate"] == pytest.approx(1000 * 3 / 40)
    assert rates.loc["manager", "estimate"] == pytest.approx(1000 * 1 / 10)


def test_hand_checked_replicates_of_two_witnesses():
    # Drawing two of {A, B} with replacement gives AA (2 flagged of 4 turns), AB or BA (1 of 3)
    # or BB (0 of 1), with probabilities 1/4, 1/2, 1/4.
    totals, denominators, n = bootstrap.cluster_totals(
        TINY[TINY["group"] == "doctor"], ["flag"], None, "person_id")
    assert n == 2
    assert totals.ravel().tolist() == [1.0, 0.0] and denominators.tolist() == [2.0, 1.0]
    reps = bootstrap.replicate_ratios(totals, denominators, 20_000, np.random.default_rng(0))
    values, counts = np.unique(np.round(reps.ravel(), 6), return_counts=True)
    assert values.tolist() == [0.0, round(1 / 3, 6), 0.5]
    assert counts / counts.sum() == pytest.approx([0.25, 0.5, 0.25], abs=0.02)
    shares = bootstrap.share_of_turns(TINY, ["flag"], reps=2000, seed=0).set_index("group")
    assert shares.loc["doctor", "lower"] == 0.0
    assert shares.loc["doctor", "upper"] == 0.5


def test_same_seed_same_result_and_different_seed_differs():
    turns = realistic_turns()
    first = bootstrap.share_of_turns(turns, ["flag"], reps=300, seed=7)
    again = bootstrap.share_of_turns(turns.sample(frac=1, random_state=2), ["flag"], reps=300,
                                     seed=7)
    pd.testing.assert_frame_equal(first, again)
    other = bootstrap.share_of_turns(turns, ["flag"], reps=300, seed=8)
    assert not np.allclose(first["lower"], other["lower"])
    pd.testing.assert_series_equal(first["estimate"], other["estimate"])


def test_group_interval_does_not_depend_on_other_groups():
    turns = realistic_turns()
    all_groups = bootstrap.rate_per_thousand(turns, ["hits"], reps=300, seed=1)
    doctors_only = bootstrap.rate_per_thousand(turns[turns["group"] == "doctor"], ["hits"],
                                               reps=300, seed=1)
    pd.testing.assert_frame_equal(
        all_groups[all_groups["group"] == "doctor"].reset_index(drop=True), doctors_only)


def test_intervals_contain_the_estimate_and_cluster_intervals_are_wider():
    turns = realistic_turns()
    by_witness = bootstrap.share_of_turns(turns, ["flag"], reps=1000, seed=0)
    assert (by_witness["lower"] <= by_witness["estimate"]).all()
    assert (by_witness["estimate"] <= by_witness["upper"]).all()
    # Witnesses differ strongly here, so resampling turns as if they were independent
    # understates the uncertainty.
    varied = realistic_turns(spread=0.3)
    by_witness = bootstrap.share_of_turns(varied, ["flag"], reps=1000, seed=0)
    by_turn = bootstrap.share_of_turns(varied, ["flag"], cluster=None, reps=1000, seed=0)
    width = lambda t: (t["upper"] - t["lower"]).to_numpy()  # noqa: E731
    assert (width(by_witness) > width(by_turn)).all()
    assert by_turn["n_clusters"].tolist() == by_turn["n_rows"].tolist()


def test_single_witness_group_has_no_interval_and_says_so():
    shares = bootstrap.share_of_turns(TINY, ["flag"], reps=100, seed=0).set_index("group")
    manager = shares.loc["manager"]
    assert manager["estimate"] == 1.0
    assert math.isnan(manager["lower"]) and math.isnan(manager["upper"])
    assert manager["note"] == bootstrap.SINGLE_CLUSTER_NOTE
    assert shares.loc["doctor", "note"] == ""


def test_several_codes_at_once_match_one_at_a_time():
    turns = realistic_turns().assign(other=lambda t: t["hits"] > 1)
    both = bootstrap.share_of_turns(turns, ["flag", "other"], reps=200, seed=5)
    assert list(both.columns) == list(bootstrap.ESTIMATE_COLUMNS)
    one = bootstrap.share_of_turns(turns, ["flag"], reps=200, seed=5)
    pd.testing.assert_frame_equal(both[both["numerator"] == "flag"].reset_index(drop=True), one)


def test_difference_between_groups():
    turns = realistic_turns()
    diff = bootstrap.difference_between_groups(turns, ["flag"], "manager", "nurse", reps=1000,
                                               seed=0).iloc[0]
    shares = bootstrap.share_of_turns(turns, ["flag"], reps=10, seed=0).set_index("group")
    assert diff["difference"] == pytest.approx(
        shares.loc["manager", "estimate"] - shares.loc["nurse", "estimate"])
    assert diff["lower"] <= diff["difference"] <= diff["upper"]
    # simulated managers flag about 0.5 of turns, nurses about 0.15: clearly apart
    assert diff["lower"] > 0
    single = bootstrap.difference_between_groups(TINY, ["flag"], "manager", "doctor", reps=50)
    assert single.loc[0, "note"] == bootstrap.SINGLE_CLUSTER_NOTE
    assert math.isnan(single.loc[0, "lower"])


def test_zero_denominator_replicates_are_ignored():
    frame = pd.DataFrame({"person_id": ["a", "b"], "group": ["g", "g"], "hits": [1, 0],
                          "n_words": [10, 0]})
    rates = bootstrap.rate_per_thousand(frame, ["hits"], reps=500, seed=0)
    # replicates drawing only witness b have no words; the rest are all 100 per 1,000
    assert rates.loc[0, "lower"] == rates.loc[0, "upper"] == 100.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"numerators": ["missing"]}, "no column"),
        ({"numerators": []}, "at least one"),
        ({"numerators": ["flag"], "reps": 0}, "reps"),
        ({"numerators": ["flag"], "level": 1.5}, "level"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(kwargs, message):
    with pytest.raises(bootstrap.BootstrapError, match=message):
        bootstrap.bootstrap_ratio_by_group(TINY, **kwargs)
    with pytest.raises(bootstrap.BootstrapError, match="no rows"):
        bootstrap.share_of_turns(TINY.iloc[0:0], ["flag"])
    with pytest.raises(bootstrap.BootstrapError, match="check the group"):
        bootstrap.difference_between_groups(TINY, ["flag"], "doctor", "nobody")
