"""The trust panel against the raw source files (needs the mirror or a network).

Expected values are read from the raw files here with plain pandas, independently of the loaders.
"""

from __future__ import annotations

import pandas as pd
import pytest

from medlead import panel
from medlead.data import fetch

ASARIA = "asaria-panel/"


@pytest.fixture(scope="module")
def trust_panel() -> pd.DataFrame:
    return panel.trust_panel()


@pytest.fixture(scope="module")
def providers() -> pd.DataFrame:
    raw = pd.read_csv(fetch(ASARIA + "nhs_provider.csv"), encoding="utf-8-sig", dtype=str)
    raw["ORG_CODE"] = raw["ORG_CODE"].str.strip()
    return raw[raw["ORG_TYPE"] != "Clinical Commissioning Group"]


def _raw_yearly(file: str, column: str, codes) -> pd.DataFrame:
    raw = pd.read_csv(fetch(ASARIA + file), encoding="utf-8-sig", dtype={"ORG_CODE": str})
    raw = raw[raw["ORG_CODE"].isin(codes)]
    return raw.rename(columns={"ORG_CODE": "org_code", "YEAR": "year"})[
        ["org_code", "year", column]
    ]


def test_one_row_per_trust_and_year(trust_panel):
    assert not trust_panel.duplicated(["org_code", "year"]).any()
    assert trust_panel["year"].between(2009, 2019).all()
    assert list(trust_panel.columns) == list(panel.PANEL_COLUMNS)


def test_every_row_has_some_measured_value(trust_panel):
    measured = [c for c in panel.PANEL_COLUMNS if c not in
                ("org_code", "year", "org_name", "org_type", "region", "nhse_region",
                 "foundation_trust")]
    assert trust_panel[measured].notna().any(axis=1).all()


def test_trusts_and_types_match_provider_file(trust_panel, providers):
    assert set(trust_panel["org_code"]) <= set(providers["ORG_CODE"])
    firsts = trust_panel.drop_duplicates("org_code").set_index("org_code")
    raw = providers.set_index("ORG_CODE").loc[firsts.index]
    expected = raw["ORG_TYPE"].map(
        {"Acute": "acute", "Mental Health": "mental health",
         "Community Provider Trust": "community", "Ambulance": "ambulance"}
    )
    expected[(raw["ORG_TYPE"] == "Acute") & (raw["SPECIALIST"] == "TRUE")] = "specialist acute"
    assert (firsts["org_type"].astype(str) == expected).all()
    assert (firsts["foundation_trust"] == raw["ORG_NAME"].str.contains("Foundation Trust")).all()
    assert firsts.loc["RAN", "org_type"] == "specialist acute"


@pytest.mark.parametrize(
    ("file", "raw_column", "column"),
    [
        ("managers_simple_def.csv", "SIMPLE_MANAGERS_FTE", "managers_fte"),
        ("consultants_simple_def.csv", "SIMPLE_CONSULTANTS_FTE", "consultants_fte"),
        ("all_staff_simple_def.csv", "SIMPLE_ALL_STAFF_FTE", "all_staff_fte"),
        ("shmi.csv", "SHMI", "shmi"),
    ],
)
def test_yearly_values_equal_raw_for_every_trust_and_year(
    trust_panel, providers, file, raw_column, column
):
    raw = _raw_yearly(file, raw_column, set(providers["ORG_CODE"]))
    present = trust_panel.dropna(subset=[column])[["org_code", "year", column]]
    merged = raw.merge(present, on=["org_code", "year"], how="outer", indicator=True)
    # Same (trust, year) pairs on both sides: nothing dropped, nothing carried across years.
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
    assert (merged[raw_column] - merged[column]).abs().max() < 1e-9


def test_senior_manager_items_equal_agree_plus_strongly_agree(trust_panel, providers):
    raw = pd.read_csv(
        fetch(ASARIA + "NHS_SS_management.csv"), encoding="utf-8-sig", dtype={"ORG_CODE": str}
    )
    raw = raw[raw["ORG_CODE"].isin(set(providers["ORG_CODE"]))]
    indexed = trust_panel.set_index(["org_code", "year"])
    for item in ("8a", "8b", "8c", "8d"):
        expected = (raw[f"{item}_A"] + raw[f"{item}_SA"]).to_numpy()
        keys = list(zip(raw["ORG_CODE"], raw["YEAR"], strict=True))
        got = indexed.loc[keys, f"ss_q{item}_agree_pct"].to_numpy()
        assert ((got - expected).__abs__() < 1e-9).all()
    assert indexed[["ss_q8a_agree_pct"]].dropna().shape[0] == len(raw)


def _raw_trust_ratings(question: str) -> pd.DataFrame:
    """Trust-level ratings from both raw CQC files, read without the loaders."""
    words = ["Inadequate", "Requires improvement", "Good", "Outstanding"]
    derived = pd.read_csv(fetch(ASARIA + "CQC_ratings.csv"), encoding="utf-8-sig", dtype=str)
    derived = derived[(derived["POPULATION"] == "Overall") & (derived["QUESTION"] == question)]
    derived = pd.DataFrame({
        "code": derived["ORG_CODE"].str.strip(),
        "date": pd.to_datetime(derived["DATE"], format="%d/%m/%Y"),
        "rating": derived["RATING_SCORE"].astype(int).map(dict(enumerate(words))),
    })
    official = pd.read_excel(
        fetch("cqc-ratings-2018/CQC score 3 September 2018 Latest ratings.xlsx"),
        sheet_name="Providers", engine="calamine",
    )
    official = official[(official["Service / Population Group"] == "Overall")
                        & (official["Key Question"] == question)]
    official = pd.DataFrame({
        "code": official["Provider ID"].str.strip(),
        "date": pd.to_datetime(official["Publication Date"]),
        "rating": official["Latest Rating"],
    })
    return pd.concat([derived, official]).drop_duplicates(["code", "date"])


@pytest.mark.parametrize(("question", "column"),
                         [("Overall", "cqc_overall"), ("Well-led", "cqc_well_led")])
def test_cqc_rating_in_force_matches_raw_dates(trust_panel, question, column):
    raw = _raw_trust_ratings(question)
    last_covered = max(y for y in range(2009, 2020) if pd.Timestamp(y, 4, 1) <= raw["date"].max())
    by_code = {code: rows.sort_values("date") for code, rows in raw.groupby("code")}
    empty = raw.iloc[:0]
    checked = 0
    for row in trust_panel.itertuples():
        code, year = row.org_code, row.year
        row = trust_panel.loc[row.Index]
        rated = by_code.get(code, empty)
        published = rated[rated["date"] <= pd.Timestamp(year + 1, 3, 31)]
        if year > last_covered or published.empty:
            assert pd.isna(row[column]), (code, year)  # not yet rated, or beyond the files
        else:
            latest = published.iloc[-1]
            assert row[column] == latest["rating"], (code, year)
            assert row[f"{column}_date"] == latest["date"], (code, year)
            checked += 1
    assert checked > 300


def test_superseded_official_rating_fills_an_earlier_year(trust_panel):
    raw = _raw_trust_ratings("Overall")
    counts = raw.groupby("code")["date"].nunique()
    code = sorted(c for c in counts[counts > 1].index if c in set(trust_panel["org_code"]))[0]
    first = raw[raw["code"] == code].sort_values("date").iloc[0]
    year = (first["date"] - pd.DateOffset(months=3)).year
    row = trust_panel.set_index(["org_code", "year"]).loc[(code, year)]
    assert row["cqc_overall"] == first["rating"] and row["cqc_overall_date"] == first["date"]


def test_well_led_rating_for_a_named_trust(trust_panel):
    raw = pd.read_csv(fetch(ASARIA + "CQC_ratings.csv"), encoding="utf-8-sig", dtype=str)
    row = raw[(raw["ORG_CODE"] == "RHA") & (raw["POPULATION"] == "Overall")
              & (raw["QUESTION"] == "Well-led")].iloc[0]
    year = pd.Timestamp(pd.to_datetime(row["DATE"], format="%d/%m/%Y")) - pd.DateOffset(months=3)
    words = ["Inadequate", "Requires improvement", "Good", "Outstanding"]
    got = trust_panel.set_index(["org_code", "year"]).loc[("RHA", year.year), "cqc_well_led"]
    assert got == words[int(row["RATING_SCORE"])]


def test_staff_engagement_2019_equals_specialist_sheet(trust_panel):
    path = fetch("staff-survey-2019/ST19-Organisation-Data-2019-Only-v1f.xlsx")
    sheet = pd.read_excel(path, sheet_name="Acute Specialist", engine="calamine")
    indexed = trust_panel[trust_panel["year"] == 2019].set_index("org_code")
    in_panel = sheet[sheet["trust"].isin(indexed.index)]
    assert len(in_panel) >= 10
    for code, value in zip(in_panel["trust"], in_panel["theme_engagement_2019"], strict=True):
        assert indexed.loc[code, "staff_engagement_2019"] == pytest.approx(value)
    assert trust_panel.loc[trust_panel["year"] != 2019, "staff_engagement_2019"].isna().all()


def test_2017_staff_counts_sum_nationalities(trust_panel):
    path = fetch(
        "nhs-workforce-2017-2018/hchs-staff-by-staff-group-nationality-and-organisation-"
        "september-2017-and-june-2018_ah2324.xlsx"
    )
    raw = pd.read_excel(path, sheet_name="Data", engine="calamine")
    sept = raw[raw["Month"] == "2017-SEP"]
    indexed = trust_panel[trust_panel["year"] == 2017].set_index("org_code")
    for code in ("RHA", "RA2", "RAN", "RRU"):
        for group, column in (("HCHS doctors", "nhsd_doctors_fte_2017"),
                              ("Nurses & health visitors", "nhsd_nurses_fte_2017"),
                              ("Managers", "nhsd_managers_fte_2017")):
            rows = sept[(sept["Organisation code"] == code) & (sept["Staff group"] == group)]
            if rows.empty:  # no such staff: missing, not zero
                assert pd.isna(indexed.loc[code, column]), (code, group)
            else:
                assert indexed.loc[code, column] == pytest.approx(rows["FTE"].sum())
    assert trust_panel.loc[trust_panel["year"] != 2017, "nhsd_doctors_fte_2017"].isna().all()


def test_panel_is_cached_on_disk_atomically_and_returned_as_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDLEAD_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(panel, "_memo", {})
    built = panel.trust_panel()  # an empty cache: built from the sources, then saved
    fresh = built.copy()
    files = sorted(p.name for p in (tmp_path / "derived").iterdir())
    assert files == [f"trust_panel-{panel.cache_key()}.pkl"]  # no temporary file left behind
    built.loc[0, "managers_fte"] = -1.0
    monkeypatch.setattr(panel, "_memo", {})
    from_disk = panel.trust_panel()
    assert from_disk.loc[0, "managers_fte"] != -1.0
    pd.testing.assert_frame_equal(from_disk, fresh)


def test_panel_source_list_matches_the_loaders():
    from medlead.sources import asaria, cqc, ods, staff_survey, workforce

    expected = {
        asaria.PROVIDERS_ID, asaria.HEE_REGIONS_ID, asaria.MANAGERS_ID, asaria.CONSULTANTS_ID,
        asaria.ALL_STAFF_ID, asaria.SHMI_ID, asaria.STAFF_SURVEY_ID, asaria.CQC_ID, ods.ETR_ID,
        staff_survey.SURVEY_2019_ID, workforce.HCHS_ID, cqc.LATEST_2018_ID,
    }
    assert set(panel.PANEL_SOURCES) == expected
    assert list(panel.PANEL_COLUMNS[-4:]) == list(workforce.PANEL_STAFF_GROUPS.values())


def test_data_dictionary_describes_every_column_in_order(trust_panel):
    from medlead.provenance import panel_dictionary

    dictionary = panel_dictionary(trust_panel)
    assert list(dictionary["column"]) == list(panel.PANEL_COLUMNS)
    assert set(dictionary["status"]) <= {"official", "derived"}
    row = dictionary.set_index("column").loc["staff_engagement_2019"]
    assert row["years"] == "2019-2019"
    assert row["trust_years"] == trust_panel["staff_engagement_2019"].notna().sum()
