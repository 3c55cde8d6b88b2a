"""The sampling rule on small hand-made frames (no source files needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from medlead import sampling


def _frame() -> pd.DataFrame:
    """Twelve made-up trusts of three types, four regions, both FT statuses."""
    rows = [
        # code, type, region, FT, size, senior-manager score, Well-led score
        ("A01", "acute", "North", True, 9000, 40.0, 1),
        ("A02", "acute", "North", False, 3000, 55.0, 2),
        ("A03", "acute", "South", True, 6000, 47.0, 2),
        ("A04", "acute", "South", False, 12000, 35.0, 0),
        ("A05", "acute", "East", True, 4500, 50.0, 3),
        ("A06", "acute", "West", False, 7000, 45.0, 2),
        ("M01", "mental health", "North", True, 2500, 52.0, 2),
        ("M02", "mental health", "East", False, 1500, 44.0, 1),
        ("M03", "mental health", "West", True, 3500, 58.0, 3),
        ("C01", "community", "South", False, 1200, 49.0, 2),
        ("C02", "community", "East", True, 900, 41.0, 1),
        ("C03", "community", "West", False, 2000, 53.0, 2),
    ]
    frame = pd.DataFrame(
        rows,
        columns=["org_code", "org_type", "region", "foundation_trust", "size_fte",
                 "senior_manager_score", "well_led_score"],
    )
    frame["log_size"] = np.log10(frame["size_fte"])
    frame["org_name"] = "Trust " + frame["org_code"]
    return frame


def test_allocation_gives_each_stratum_its_minimum_and_the_rest_in_proportion():
    sizes = pd.Series({"acute": 97, "mental health": 36, "specialist acute": 13,
                       "community": 11, "ambulance": 8})
    seats = sampling.allocate_seats(sizes, 9, minimum=1)
    assert seats.sum() == 9
    assert (seats >= 1).all()
    # Four seats are left after the minimum. Quotas: acute 97/165*4 = 2.35, mental health 0.87,
    # the rest below 0.32. Whole parts give acute 2; the two seats left go by largest remainder
    # to mental health (0.87) and acute (0.35).
    assert seats.to_dict() == {"acute": 4, "ambulance": 1, "community": 1,
                               "mental health": 2, "specialist acute": 1}


def test_allocation_never_exceeds_a_stratum_and_refuses_impossible_requests():
    seats = sampling.allocate_seats(pd.Series({"big": 10, "tiny": 1}), 6, minimum=2)
    assert seats.to_dict() == {"big": 5, "tiny": 1}
    with pytest.raises(ValueError, match="minimum"):
        sampling.allocate_seats(pd.Series({"a": 5, "b": 5, "c": 5}), 2, minimum=1)
    with pytest.raises(ValueError, match="Cannot pick 12"):
        sampling.allocate_seats(pd.Series({"a": 5, "b": 5}), 12)


def test_sample_covers_every_stratum_with_its_seats():
    frame = _frame()
    sample = sampling.maximum_variation_sample(frame, n=6, seed=1)
    expected = sampling.allocate_seats(frame["org_type"].value_counts(), 6)
    assert sample["org_type"].value_counts().sort_index().to_dict() == expected.to_dict()
    assert set(sample["org_type"]) == {"acute", "mental health", "community"}
    assert list(sample["pick"]) == list(range(1, 7))
    assert sample["org_code"].is_unique


def test_sample_is_deterministic_given_the_seed_and_order_of_rows():
    frame = _frame()
    first = sampling.maximum_variation_sample(frame, n=6, seed=7)
    shuffled = frame.sample(frac=1, random_state=3)
    again = sampling.maximum_variation_sample(shuffled, n=6, seed=7)
    pd.testing.assert_frame_equal(first, again)


def test_seed_only_changes_the_start_and_never_the_seats():
    frame = _frame()
    samples = {seed: sampling.maximum_variation_sample(frame, n=6, seed=seed) for seed in range(8)}
    starts = {s["org_code"].iloc[0] for s in samples.values()}
    assert len(starts) > 1  # different seeds do start elsewhere
    for seed, sample in samples.items():
        rng_pick = np.random.default_rng(seed).integers(len(frame))
        assert sample["org_code"].iloc[0] == sorted(frame["org_code"])[rng_pick]
        assert sample["org_type"].value_counts().to_dict() == (
            samples[0]["org_type"].value_counts().to_dict()
        )
    assert len({tuple(s["org_code"]) for s in samples.values()}) > 1


def test_second_pick_is_the_farthest_trust_in_an_unused_region_and_other_ft_status():
    frame = _frame()
    sample = sampling.maximum_variation_sample(frame, n=6, seed=1)
    first = frame.set_index("org_code").loc[sample["org_code"].iloc[0]]
    z = sampling.standardise(frame, sampling.SPREAD_COLUMNS)
    z.index = frame["org_code"]
    pool = frame[
        (frame["region"] != first["region"])
        & (frame["foundation_trust"] != first["foundation_trust"])
    ]["org_code"]
    distance = ((z.loc[pool] - z.loc[first.name]) ** 2).sum(axis=1) ** 0.5
    assert sample["org_code"].iloc[1] == distance.idxmax()
    assert sample["distance"].iloc[1] == pytest.approx(distance.max(), abs=1e-6)
    assert "(first such pick)" in sample["reason"].iloc[1]


def test_regions_and_ft_status_are_spread_when_the_frame_allows():
    sample = sampling.maximum_variation_sample(_frame(), n=4, seed=2)
    assert sample["region"].is_unique
    assert sample["foundation_trust"].sum() == 2


def test_ties_go_to_the_smallest_org_code():
    frame = pd.DataFrame({
        "org_code": ["Z9", "B2", "A1", "C3"],
        "org_name": ["z", "b", "a", "c"],
        "org_type": ["acute"] * 4,
        "region": ["R"] * 4,
        "foundation_trust": [True] * 4,
        "log_size": [0.0, 1.0, 1.0, 1.0],
        "senior_manager_score": [0.0, 0.0, 0.0, 0.0],
        "well_led_score": [0.0, 0.0, 0.0, 0.0],
    })
    # seed 0 draws position 3 of the sorted codes A1, B2, C3, Z9 -> Z9; the three others tie
    assert np.random.default_rng(0).integers(4) == 3
    sample = sampling.maximum_variation_sample(frame, n=2, seed=0)
    assert list(sample["org_code"]) == ["Z9", "A1"]


def test_refuses_n_larger_than_the_frame_and_missing_values():
    frame = _frame()
    with pytest.raises(ValueError, match="Cannot pick 13 trusts from a frame of 12"):
        sampling.maximum_variation_sample(frame, n=13)
    with pytest.raises(ValueError, match="at least 1"):
        sampling.maximum_variation_sample(frame, n=0)
    gappy = frame.copy()
    gappy.loc[gappy["org_code"] == "M02", "senior_manager_score"] = np.nan
    with pytest.raises(ValueError, match=r"missing values .*M02.*complete_cases"):
        sampling.maximum_variation_sample(gappy, n=5)


def _panel() -> pd.DataFrame:
    from medlead.sources.cqc import RATING_DTYPE

    panel = pd.DataFrame({
        "org_code": ["R1", "R2", "R3", "R1"],
        "year": [2017, 2017, 2017, 2016],
        "org_name": ["One", "Two", "Three", "One"],
        "org_type": ["acute", "mental health", "acute", "acute"],
        "region": ["North", "South", "North", "North"],
        "foundation_trust": [True, False, False, True],
        "ss_q8a_agree_pct": [80.0, 70.0, 60.0, 1.0],
        "ss_q8b_agree_pct": [40.0, 30.0, np.nan, 1.0],
        "ss_q8c_agree_pct": [30.0, 30.0, 20.0, 1.0],
        "ss_q8d_agree_pct": [30.0, 30.0, 20.0, 1.0],
        "cqc_well_led": pd.Series(["Good", None, "Outstanding", "Good"], dtype=RATING_DTYPE),
    })
    return panel


def test_sampling_frame_derives_scores_and_names_what_is_missing():
    size = pd.DataFrame({"org_code": ["R1", "R2", "R3"], "size_fte": [1000.0, 100.0, 10.0]})
    frame = sampling.sampling_frame(_panel(), 2017, size=size)
    assert list(frame.columns) == list(sampling.FRAME_COLUMNS)
    row = frame.set_index("org_code")
    # items 8b-8d only (the book's one definition); 8a (80) is left out
    assert row.loc["R1", "senior_manager_score"] == pytest.approx(100.0 / 3)
    assert row.loc["R1", "well_led_score"] == 2 and row.loc["R3", "well_led_score"] == 3
    assert row.loc["R1", "log_size"] == pytest.approx(3.0)
    assert row.loc["R1", "missing"] == ""
    assert row.loc["R2", "missing"] == "well_led"
    assert np.isnan(row.loc["R3", "senior_manager_score"])  # one item missing: no score
    assert row.loc["R3", "missing"] == "senior_manager_score"
    complete, excluded = sampling.complete_cases(frame)
    assert list(complete["org_code"]) == ["R1"]
    assert list(excluded["org_code"]) == ["R2", "R3"]


def test_sampling_frame_refuses_years_without_rows_or_size():
    with pytest.raises(ValueError, match="no rows for year 2030"):
        sampling.sampling_frame(_panel(), 2030)
    with pytest.raises(ValueError, match="No staff size for financial year 2016"):
        sampling.staff_size(_panel(), 2016)


def test_coverage_reports_share_of_range():
    frame = _frame()
    sample = frame[frame["org_code"].isin(["A02", "A04"])]
    table = sampling.coverage(frame, sample, ["size_fte"])
    expected = round(100 * (12000 - 3000) / (12000 - 900), 1)
    assert table.loc["size_fte", "range_covered_pct"] == expected


def _card_panel() -> pd.DataFrame:
    from medlead.panel import PANEL_COLUMNS
    from medlead.sources.cqc import RATING_DTYPE

    rows = []
    for code, kind, shmi in (("R1", "acute", 1.02), ("R2", "mental health", np.nan)):
        row = dict.fromkeys(PANEL_COLUMNS, np.nan)
        row.update(org_code=code, year=2017, org_name=f"Trust {code}", org_type=kind,
                   region="Health Education North East", nhse_region="North of England",
                   foundation_trust=code == "R1", shmi=shmi, managers_fte=123.4,
                   ss_q8a_agree_pct=80.0, ss_q8b_agree_pct=40.0, ss_q8c_agree_pct=30.0,
                   ss_q8d_agree_pct=30.0, cqc_well_led="Good",
                   cqc_well_led_date=pd.Timestamp("2017-02-01"), cqc_overall=None)
        rows.append(row)
    panel = pd.DataFrame(rows)
    panel["cqc_well_led"] = panel["cqc_well_led"].astype(RATING_DTYPE)
    panel["cqc_overall"] = panel["cqc_overall"].astype(RATING_DTYPE)
    return panel


def test_profile_card_labels_values_official_or_derived_and_says_what_is_absent():
    from medlead import profiles

    picked = pd.Series({"org_code": "R1", "size_fte": 4321.0, "senior_manager_score": 45.0})
    card = profiles.profile_card(_card_panel(), picked, 2017).set_index("measure")
    assert set(card["status"]) == {"official", "derived"}
    assert card.loc["Foundation trust", "value"] == "yes"
    assert card.loc["Region (HEE)", "value"] == "North East"
    assert card.loc["CQC Well-led", "value"] == "Good (01 Feb 2017)"
    assert card.loc["CQC Well-led", "status"] == "official"
    assert card.loc["CQC overall", "value"] == "no value"
    assert card.loc["Managers FTE", "value"] == "123"
    assert card.loc["Managers FTE", "status"] == "derived"
    assert card.loc["Total staff FTE", "value"] == "4,321"
    assert card.loc["SHMI", "value"] == "1.020"
    other = pd.Series({"org_code": "R2", "size_fte": 10.0, "senior_manager_score": 1.0})
    card = profiles.profile_card(_card_panel(), other, 2017).set_index("measure")
    shmi = card.loc["SHMI", "value"]
    assert shmi == "not published for this type of trust"
    with pytest.raises(ValueError, match="0 rows for R1 in 2016"):
        profiles.profile_card(_card_panel(), picked, 2016)
    assert list(card.index[-2:]) == ["Senior-manager score (%)", "SHMI"]
    text = profiles.card_markdown(card.reset_index(), "2. Trust R2", note="Picked because.")
    assert text.startswith("````{grid-item-card} 2. Trust R2\n")
    assert "| Managers FTE † | 123 |" in text and "| Type † | mental health |" in text
    assert "| SHMI | not published for this type of trust |" in text
    assert "Picked because." in text
    grid = profiles.cards_grid([text, text])
    assert grid.startswith("`````{grid} 1 1 2 2") and grid.count("grid-item-card") == 2
    key = profiles.card_key(card.reset_index())
    assert key.loc["SHMI", "status"] == "official" and key.index.is_unique
