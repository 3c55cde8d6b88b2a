"""Loaders on tiny hand-made files: required columns, schema checks, ODS codes, the CQC scale."""

from __future__ import annotations

import pandas as pd
import pytest

from medlead.data import DataError
from medlead.sources import asaria, cqc, ods, staff_survey, workforce
from medlead.sources.common import normalise_ods


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


PROVIDERS = (
    "\ufeffORG_CODE,ORG_NAME,ORG_TYPE,HEE_REGION_CODE,SPECIALIST\n"
    "00D ,NHS Somewhere CCG ,Clinical Commissioning Group,YDF30,FALSE\n"
    "RAN ,Royal National Orthopaedic Hospital NHS Trust,Acute,YDF28,TRUE\n"
    "RA2 ,Royal Surrey County Hospital NHS Foundation Trust,Acute,YDF29,FALSE\n"
    "RHA ,Nottinghamshire Healthcare NHS Foundation Trust,Mental Health,YDF21,FALSE\n"
)


def test_providers_strip_codes_and_derive_trust_type(tmp_path):
    tidy = asaria.load_providers(_write(tmp_path, "nhs_provider.csv", PROVIDERS))
    assert list(tidy["org_code"]) == ["00D", "RAN", "RA2", "RHA"]
    assert tidy["org_name"].iloc[0] == "NHS Somewhere CCG"
    assert tidy["trust_type"].tolist()[1:] == ["specialist acute", "acute", "mental health"]
    assert pd.isna(tidy["trust_type"].iloc[0])  # CCGs are not trusts
    assert tidy["foundation_trust"].tolist() == [False, False, True, True]


def test_missing_column_names_file_columns_and_fix(tmp_path):
    path = _write(tmp_path, "nhs_provider.csv", PROVIDERS.replace(",SPECIALIST", ",SPECIAL"))
    with pytest.raises(DataError) as error:
        asaria.load_providers(path)
    message = str(error.value)
    assert "asaria-panel/nhs_provider.csv" in message and str(path) in message
    assert "missing column(s) SPECIALIST" in message and "fetch it again" in message


def test_unknown_org_type_breaks_schema(tmp_path):
    path = _write(tmp_path, "p.csv", PROVIDERS.replace("Mental Health", "Hospice"))
    with pytest.raises(DataError, match=r"raw_org_type: isin.*'Hospice'"):
        asaria.load_providers(path)


def test_yearly_values_reject_duplicates_and_negative_fte(tmp_path):
    text = "\ufeffYEAR,ORG_CODE,SIMPLE_MANAGERS_FTE\n2012,RA2,10\n2012,RA2,11\n2013,RA3,-1\n"
    with pytest.raises(DataError) as error:
        asaria.load_managers(_write(tmp_path, "m.csv", text))
    assert "managers_simple_def.csv" in str(error.value)
    assert "greater_than_or_equal_to(0)" in str(error.value)
    assert "duplicates" in str(error.value) or "unique" in str(error.value)


def test_year_outside_the_panel_is_refused(tmp_path):
    text = "YEAR,ORG_CODE,SHMI\n2031,RA2,1.01\n"
    with pytest.raises(DataError, match=r"shmi.csv.*in_range\(2009, 2019\)"):
        asaria.load_shmi(_write(tmp_path, "shmi.csv", text))


def test_truncated_csv_row_is_reported(tmp_path):
    text = "YEAR,ORG_CODE,SHMI\n2012,RA2,1.01\n2013,RA2\n"
    with pytest.raises(DataError, match=r"shmi.csv"):
        asaria.load_shmi(_write(tmp_path, "shmi.csv", text))


def test_normalise_ods_strips_and_capitalises():
    assert normalise_ods(pd.Series([" ra2 ", "00D ", "RHA"])).tolist() == ["RA2", "00D", "RHA"]


def test_cqc_scores_map_to_one_ordered_scale(tmp_path):
    text = (
        "ORG_CODE,DATE,POPULATION,QUESTION,RATING_SCORE\n"
        "RA2,10/02/2015,Overall,Overall,0\nRA2,10/02/2015,Overall,Well-led,3\n"
        "RA3 ,01/06/2016,Overall,Overall,2\n"
    )
    tidy = asaria.load_cqc_ratings(_write(tmp_path, "cqc.csv", text))
    assert tidy["rating"].tolist() == ["Inadequate", "Outstanding", "Good"]
    assert tidy["rating"].cat.ordered
    assert (tidy["rating"] > "Requires improvement").tolist() == [False, True, True]
    assert tidy["rating"].max() == "Outstanding" and tidy["rating"].min() == "Inadequate"
    assert tidy["org_code"].iloc[2] == "RA3"


def test_cqc_score_outside_scale_is_refused(tmp_path):
    text = "ORG_CODE,DATE,POPULATION,QUESTION,RATING_SCORE\nRA2,10/02/2015,Overall,Overall,4\n"
    with pytest.raises(DataError, match=r"CQC_ratings.csv.*isin"):
        asaria.load_cqc_ratings(_write(tmp_path, "cqc.csv", text))


def test_rating_in_force_takes_latest_before_year_end_and_never_earlier():
    ratings = pd.DataFrame(
        {
            "org_code": ["RA2", "RA2", "RA2"],
            "date": pd.to_datetime(["2015-06-01", "2017-03-31", "2017-04-01"]),
            "population": ["Overall", "Overall", "Overall"],
            "question": ["Overall", "Overall", "Overall"],
            "rating": pd.Categorical(
                ["Inadequate", "Good", "Outstanding"], dtype=cqc.RATING_DTYPE
            ),
        }
    )
    result = cqc.ratings_in_force(ratings, [2014, 2015, 2016, 2017]).set_index("year")
    assert 2014 not in result.index  # before the first rating: unknown, not carried back
    assert result.loc[2015, "rating"] == "Inadequate"
    assert result.loc[2016, "rating"] == "Good"  # published on the last day of 2016/17
    assert result.loc[2017, "rating"] == "Outstanding"


def test_staff_survey_items_are_tidy_and_all_na_items_dropped(tmp_path):
    items = asaria.IMMEDIATE_MANAGER_ITEMS + asaria.SENIOR_MANAGER_ITEMS
    header = ["ORG_CODE", "YEAR"] + [f"{i}_{a}" for i in items for a in asaria.LIKERT]
    values = []
    for item in items:
        values += ["NA"] * 6 if item == "7f" else ["1", "2", "3", "40", "54", "300"]
    text = ",".join(header) + "\n" + ",".join(["RA2", "2013", *values]) + "\n"
    tidy = asaria.load_staff_survey_management(_write(tmp_path, "ss.csv", text))
    assert "7f" not in set(tidy["item"]) and len(tidy) == len(items) - 1
    row = tidy[tidy["item"] == "8a"].iloc[0]
    assert (row["pct_agree"], row["pct_strongly_agree"], row["respondents"]) == (40, 54, 300)


def test_etr_without_24_columns_is_refused(tmp_path):
    with pytest.raises(DataError, match=r"ods-trusts/etr.csv.*expected 24 columns"):
        ods.load_etr(_write(tmp_path, "etr.csv", "R1A,NAME,Y55\n"))


def _xlsx(tmp_path, sheets: dict[str, list[list]]):
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    path = tmp_path / "book.xlsx"
    book.save(path)
    return path


def test_hchs_sums_over_nationality_and_reports_missing_sheet(tmp_path):
    header = ["Month", "Organisation code", "Organisation name", "Staff group", "Nationality",
              "FTE"]
    rows = [
        header,
        ["2017-SEP", "RA2", "Trust A", "HCHS doctors", "British", 10.5],
        ["2017-SEP", "RA2", "Trust A", "HCHS doctors", "Irish", 1.5],
        ["2018-JUN", "RA2", "Trust A", "HCHS doctors", "British", 11.0],
    ]
    tidy = workforce.load_hchs_fte(_xlsx(tmp_path, {"Data": rows}))
    sept = tidy[tidy["date"] == "2017-09-30"]
    assert sept["fte"].tolist() == [12.0]
    wide = workforce.panel_fte_2017(tidy)
    assert wide.loc[0, "nhsd_doctors_fte_2017"] == 12.0
    assert pd.isna(wide.loc[0, "nhsd_nurses_fte_2017"])  # absent group stays missing
    with pytest.raises(DataError, match=r"cannot read sheet\(s\) Data"):
        workforce.load_hchs_fte(_xlsx(tmp_path, {"Other": rows}))


def test_hchs_missing_column_is_named(tmp_path):
    rows = [["Month", "Organisation code", "Staff group", "FTE"], ["2017-SEP", "RA2", "x", 1]]
    with pytest.raises(DataError, match=r"missing column\(s\) Organisation name, Nationality"):
        workforce.load_hchs_fte(_xlsx(tmp_path, {"Data": rows}))


def test_staff_survey_2019_keeps_trust_codes_only(tmp_path):
    columns = staff_survey.COLUMNS_2019
    row = ["RA2", "Trust A", "Acute Trusts", 900, 0.5] + [6.5] * len(staff_survey.THEMES_2019)
    sheets = {name: [columns] for name in staff_survey.TRUST_SHEETS_2019}
    sheets["Acute"] = [["See summary responses at bottom"], columns, row,
                       ["R1F1", "Isle of Wight (acute sector)", "Acute Trusts", 50, 0.4]
                       + [6.0] * len(staff_survey.THEMES_2019),
                       ["count:", 85]]
    tidy = staff_survey.load_staff_survey_2019(_xlsx(tmp_path, sheets))
    assert tidy["org_code"].tolist() == ["RA2"]
    assert tidy.loc[0, "theme_engagement_2019"] == 6.5


def test_missing_file_is_named_with_the_fix(tmp_path):
    missing = tmp_path / "gone.csv"
    with pytest.raises(DataError, match=r"asaria-panel/shmi.csv .*gone.csv\): no such file"):
        asaria.load_shmi(missing)
    with pytest.raises(DataError, match=r"ods-trusts/etr.csv .*no such file"):
        ods.load_etr(missing)


def test_empty_file_is_reported(tmp_path):
    with pytest.raises(DataError, match=r"etr.csv.*cannot be read as a UTF-8 CSV"):
        ods.load_etr(_write(tmp_path, "etr.csv", ""))
    with pytest.raises(DataError, match=r"managers_simple_def.csv.*cannot be read"):
        asaria.load_managers(_write(tmp_path, "m.csv", ""))
