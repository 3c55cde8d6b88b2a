"""NHS Staff Survey files (source families ``staff-survey-2019``, ``staff-survey-indices``,
``staff-survey-2021-2024``).

Only the 2019 file is official (lightly edited by the repository author); the other two are
derived by their repositories' authors. In ``staff-survey-indices``, ``Engagement.Index`` is the
mean of items q2a-q2c (motivation) only, not the official three-part engagement score, and
``FreedomSpeak.Index`` and ``Openness.Index`` are all zero in the 2012-2019 file: use the 2019
file's ``theme_engagement_2019`` for staff engagement.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from medlead.data import DataError
from medlead.sources.common import (
    TRUST_CODE_PATTERN,
    describe,
    normalise_ods,
    read_csv,
    read_sheets,
    require_columns,
    resolve,
    validate,
)

SURVEY_2019_ID = "staff-survey-2019/ST19-Organisation-Data-2019-Only-v1f.xlsx"
INDICES_2012_2019_ID = "staff-survey-indices/data.NHS.2012_2019.csv"
INDICES_2015_2019_ID = "staff-survey-indices/data.NHS.2015_2019.csv"
DETAILED_2017_ID = "staff-survey-indices/2017.NHS-detailed.csv"
WELLBEING_2021_2024_ID = (
    "staff-survey-2021-2024/data_trusts_well-being - organisational results.csv"
)

#: The 2019 sheets that hold NHS trusts (benchmarking groups); CCGs, CSUs and social
#: enterprises are left out.
TRUST_SHEETS_2019: tuple[str, ...] = (
    "Acute", "Combined Acute & Community", "Acute Specialist", "MH LD",
    "Combined MH LD and Community", "Community", "Ambulance",
)
THEMES_2019: dict[str, str] = {
    "theme_engagement_2019": "Staff engagement",
    "theme_morale_2019": "Morale",
    "theme_managers_2019": "Quality of immediate management",
    "theme_sculture_2019": "Safety culture",
    "theme_hwb_2019": "Health and wellbeing",
    "theme_teamwork_2019": "Team working",
    "theme_diversity_2019": "Equality, diversity and inclusion",
    "theme_qualapp_2019": "Quality of appraisals",
    "theme_qualcare_2019": "Quality of care",
    "theme_sebh_2019": "Safe environment - bullying and harassment",
    "theme_seviol_2019": "Safe environment - violence",
}
COLUMNS_2019 = ["trust", "trustname", "trtname", "responses", "rr_2019", *THEMES_2019]


def load_staff_survey_2019(path: Path | str | None = None) -> pd.DataFrame:
    """Load the official 2019 theme scores for NHS trusts.

    The ``Acute`` sheet has a note row above its header and summary rows at its foot; every
    trust sheet is read, and only rows whose ``trust`` is a 3-character trust ODS code are kept
    (this drops the summary rows and the Isle of Wight's per-sector rows R1F1..R1F4).
    Out: ``org_code``, ``org_name``, ``benchmark_group``, ``responses``, ``response_rate`` and
    the eleven theme scores (0-10) named in :data:`THEMES_2019`.
    """
    file = resolve(SURVEY_2019_ID, path)
    sheets = read_sheets(SURVEY_2019_ID, file, TRUST_SHEETS_2019)
    frames = []
    for name, sheet in sheets.items():
        header_rows = sheet.index[sheet.iloc[:, 0].astype(str).str.strip().eq("trust")]
        if header_rows.empty:
            raise DataError(
                f"{describe(SURVEY_2019_ID, file)}: sheet {name!r} has no header row starting "
                "with 'trust'. The file may have changed: fetch it again."
            )
        header = header_rows[0]
        table = sheet.iloc[header + 1 :].set_axis(sheet.iloc[header].astype(str), axis=1)
        require_columns(table, COLUMNS_2019, SURVEY_2019_ID, Path(f"{file}, sheet {name}"))
        frames.append(table[COLUMNS_2019])
    raw = pd.concat(frames, ignore_index=True)
    codes = normalise_ods(raw["trust"].astype(str))
    raw = raw[codes.str.match(TRUST_CODE_PATTERN)].copy()
    tidy = pd.DataFrame(
        {
            "org_code": normalise_ods(raw["trust"].astype(str)),
            "org_name": raw["trustname"].astype(str).str.strip(),
            "benchmark_group": raw["trtname"].astype(str),
            "responses": pd.to_numeric(raw["responses"]),
            "response_rate": pd.to_numeric(raw["rr_2019"]),
            **{theme: pd.to_numeric(raw[theme]) for theme in THEMES_2019},
        }
    )
    score = pa.Column(float, pa.Check.in_range(0, 10), nullable=True)
    schema = pa.DataFrameSchema(
        {
            "org_code": pa.Column(str, unique=True),
            "responses": pa.Column(float, pa.Check.gt(0), coerce=True),
            "response_rate": pa.Column(float, pa.Check.in_range(0, 1)),
            **{theme: score for theme in THEMES_2019},
        }
    )
    return validate(tidy.reset_index(drop=True), schema, SURVEY_2019_ID, file)


def load_staff_survey_indices(path: Path | str | None = None) -> pd.DataFrame:
    """Load ``data.NHS.2012_2019.csv`` (derived): acute trusts by year with SHMI and indices.

    Out: ``org_code``, ``year``, ``org_name``, ``hee_region``, ``shmi``, ``responses``,
    ``motivation_index`` (called ``Engagement.Index`` in the file: mean of q2a-q2c only),
    ``recommend_work_index``, ``recommend_care_index`` and ``work_stress_index``.
    """
    file = resolve(INDICES_2012_2019_ID, path)
    renames = {
        "Code": "org_code", "Year.Index": "year", "Name": "org_name",
        "HEE.region.name": "hee_region", "SHMI.Index": "shmi", "Responses": "responses",
        "Engagement.Index": "motivation_index", "RecommendWork.Index": "recommend_work_index",
        "RecommendCare.Index": "recommend_care_index", "WorkStress.Index": "work_stress_index",
    }
    raw = read_csv(INDICES_2012_2019_ID, file, renames, dtype={"Code": str})
    tidy = raw[list(renames)].rename(columns=renames)
    tidy["org_code"] = normalise_ods(tidy["org_code"])
    schema = pa.DataFrameSchema(
        {
            "org_code": pa.Column(str, pa.Check.str_matches(TRUST_CODE_PATTERN)),
            "year": pa.Column(int, pa.Check.in_range(2012, 2019)),
            "shmi": pa.Column(float, pa.Check.gt(0), nullable=True),
        },
        unique=["org_code", "year"],
    )
    return validate(tidy, schema, INDICES_2012_2019_ID, file)


def load_wellbeing_2021_2024(path: Path | str | None = None) -> pd.DataFrame:
    """Load the merged 2021-2024 well-being file (derived) with its key columns.

    Out: ``org_code``, ``year``, ``org_name``, ``benchmark_group``, ``respondents`` and the rates
    (percent or share, as in the file) ``burned_out_rate``, ``stress_rate``, ``autonomy_rate``,
    ``enough_staff_rate`` and ``med_dental_rate``.
    """
    file = resolve(WELLBEING_2021_2024_ID, path)
    renames = {
        "ODS code": "org_code", "Year": "year", "Organisation name": "org_name",
        "Benchmarking group": "benchmark_group", "Respondents": "respondents",
        "Burned_out_rate": "burned_out_rate", "Stress_rate": "stress_rate",
        "Autonomy_rate": "autonomy_rate", "Enough_staff_rate": "enough_staff_rate",
        "Med_Dental_rate": "med_dental_rate",
    }
    raw = read_csv(WELLBEING_2021_2024_ID, file, renames, dtype={"ODS code": str})
    tidy = raw[list(renames)].rename(columns=renames)
    tidy["org_code"] = normalise_ods(tidy["org_code"])
    schema = pa.DataFrameSchema(
        {"year": pa.Column(int, pa.Check.in_range(2021, 2024))},
        unique=["org_code", "year"],
    )
    return validate(tidy, schema, WELLBEING_2021_2024_ID, file)
