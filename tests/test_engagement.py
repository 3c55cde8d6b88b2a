"""Tests for the chapter helpers (medlead.engagement) and the waiting-time loaders."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from medlead import engagement
from medlead.data import DataError
from medlead.sources import performance

RATINGS = pd.CategoricalDtype(
    ["Inadequate", "Requires improvement", "Good", "Outstanding"], ordered=True
)


@pytest.fixture
def panel() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "org_code": ["RAA", "RAA", "RBB", "RBB", "RCC"],
            "year": [2017, 2018, 2017, 2018, 2018],
            "org_name": ["A", "A", "B", "B", "C"],
            "org_type": ["acute", "acute", "ambulance", "ambulance", "acute"],
            "region": ["North"] * 5,
            "foundation_trust": [True, True, False, False, True],
            "managers_fte": [50.0, 60.0, 100.0, 0.0, np.nan],
            "consultants_fte": [150.0, 140.0, 0.5, 0.0, 80.0],
            "ss_q8a_agree_pct": [80.0, 81.0, 70.0, 72.0, 90.0],
            "ss_q8b_agree_pct": [40.0, 42.0, 30.0, np.nan, 50.0],
            "ss_q8c_agree_pct": [30.0, 33.0, 20.0, 25.0, 45.0],
            "ss_q8d_agree_pct": [35.0, 36.0, 25.0, 26.0, 40.0],
            "cqc_well_led": pd.Series(
                [None, "Good", None, "Inadequate", "Outstanding"], dtype=RATINGS
            ),
        }
    )


def test_senior_manager_score_is_the_mean_of_chosen_items(panel):
    score = engagement.senior_manager_score(panel, ["8b", "8c", "8d"])
    assert score.name == "senior_manager_score"
    assert score.iloc[0] == pytest.approx((40 + 30 + 35) / 3)
    assert np.isnan(score.iloc[3])  # 8b missing: no partial average
    assert engagement.senior_manager_score(panel, ["8c"]).tolist() == panel[
        "ss_q8c_agree_pct"
    ].tolist()
    # the default is the book's one definition of the score, items 8b-8d
    assert engagement.SCORE_ITEMS == ("8b", "8c", "8d")
    assert engagement.senior_manager_score(panel).tolist() == pytest.approx(
        score.tolist(), nan_ok=True
    )


def test_unknown_item_and_empty_list_are_refused(panel):
    with pytest.raises(ValueError, match="'8e'"):
        engagement.senior_manager_score(panel, ["8b", "8e"])
    with pytest.raises(ValueError, match="at least one"):
        engagement.senior_manager_score(panel, [])


def test_manager_share_is_bounded_and_missing_when_undefined(panel):
    share = engagement.manager_share(panel)
    assert share.iloc[0] == pytest.approx(0.25)
    assert share.iloc[2] == pytest.approx(100 / 100.5)
    assert np.isnan(share.iloc[3]) and np.isnan(share.iloc[4])


def test_cross_section_takes_each_measure_from_its_year(panel):
    table = engagement.cross_section(
        panel, {"ss_q8c_agree_pct": 2017, "cqc_well_led": 2018}
    )
    assert table["org_code"].tolist() == ["RAA", "RBB", "RCC"]
    assert table["ss_q8c_agree_pct"].tolist()[:2] == [30.0, 20.0]
    assert np.isnan(table.loc[2, "ss_q8c_agree_pct"])  # RCC has no 2017 row
    assert table["cqc_well_led"].astype(str).tolist() == ["Good", "Inadequate", "Outstanding"]
    assert table["cqc_well_led"].dtype == RATINGS


def test_cross_section_refuses_duplicate_rows_and_unknown_columns(panel):
    with pytest.raises(ValueError, match="more than one row"):
        engagement.cross_section(pd.concat([panel, panel.iloc[[0]]]), {"managers_fte": 2017})
    with pytest.raises(KeyError, match="shmi"):
        engagement.cross_section(panel, {"shmi": 2017})


def test_rating_band(panel):
    bands = engagement.rating_band(panel["cqc_well_led"])
    assert bands.isna().tolist() == [True, False, True, False, False]
    assert bands.iloc[1] == "Good or Outstanding"
    assert bands.iloc[3] == "Inadequate or Requires improvement"
    assert bands.cat.ordered
    with pytest.raises(ValueError, match="ordered categorical"):
        engagement.rating_band(pd.Series(["Good"], name="r"))


def test_add_performance_keeps_panel_rows(panel):
    ae = pd.DataFrame({"org_code": ["RAA", "RCC"], "year": [2018, 2018], "ae_4h_pct": [90.0, 80.0]})
    rtt = pd.DataFrame({"org_code": ["RAA"], "year": [2017], "rtt_18w_pct": [92.0]})
    joined = engagement.add_performance(panel, ae, rtt)
    assert len(joined) == len(panel) and (joined.index == panel.index).all()
    assert joined["ae_4h_pct"].tolist()[1] == 90.0 and joined["ae_4h_pct"].tolist()[4] == 80.0
    assert joined["rtt_18w_pct"].notna().sum() == 1


# --- loaders on hand-made files --------------------------------------------------------------


def test_load_ae_strips_the_x_suffix_and_converts_to_percent(tmp_path):
    file = tmp_path / "AE.csv"
    file.write_text("\ufeffYEAR,ORG_CODE,AE_SCORE\n2016,RQQ-X,0.79\n2016,RNA,0.90\n")
    ae = performance.load_ae(file)
    assert ae["org_code"].tolist() == ["RQQ", "RNA"]
    assert ae["ae_4h_pct"].tolist() == pytest.approx([79.0, 90.0])
    assert ae["ae_code_suffixed"].tolist() == [True, False]


def test_load_ae_refuses_a_trust_written_both_ways(tmp_path):
    file = tmp_path / "AE.csv"
    file.write_text("YEAR,ORG_CODE,AE_SCORE\n2016,RQQ-X,0.79\n2016,RQQ,0.80\n")
    with pytest.raises(DataError, match="AE.csv"):
        performance.load_ae(file)


def test_load_ae_names_a_missing_column(tmp_path):
    file = tmp_path / "AE.csv"
    file.write_text("YEAR,ORG_CODE,SCORE\n2016,RQQ,0.79\n")
    with pytest.raises(DataError, match="missing column.*AE_SCORE"):
        performance.load_ae(file)


def test_load_rtt_blanks_an_empty_waiting_list(tmp_path):
    file = tmp_path / "RTT.csv"
    file.write_text(
        "DATE,YEAR,ORG_CODE,N_TOTAL,N_18_WEEKS,RTT_SCORE\n"
        "31/03/2019,2018,RAE,200,150,0.75\n31/03/2019,2018,RT2,0,0,0\n"
    )
    rtt = performance.load_rtt(file)
    assert rtt.loc[0, "rtt_18w_pct"] == pytest.approx(75.0)
    assert np.isnan(rtt.loc[1, "rtt_18w_pct"])


def test_load_rtt_refuses_more_within_18_weeks_than_waiting(tmp_path):
    file = tmp_path / "RTT.csv"
    file.write_text(
        "DATE,YEAR,ORG_CODE,N_TOTAL,N_18_WEEKS,RTT_SCORE\n31/03/2019,2018,RAE,100,150,1.5\n"
    )
    with pytest.raises(DataError, match="RTT.csv.*rtt_within_18w"):
        performance.load_rtt(file)
