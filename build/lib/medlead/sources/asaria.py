"""The Asaria, McGuire & Street trust panel (source family ``asaria-panel``).

Derived data: the author assembled these files from official NHS Digital, CQC and NHS England
statistics for *The impact of management on hospital performance*. ``YEAR`` is the NHS financial
year by its first calendar year (``2016`` is 2016/17): the author's own code derives it from CQC
publication dates as ``year(date - 3 months)``, and ``RTT.csv`` dates 31/03/2019 as year 2018.

Each loader returns tidy, validated columns in snake case; ODS codes are stripped of the trailing
spaces found in ``nhs_provider.csv``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from medlead.sources.common import (
    ODS_CODE_PATTERN,
    normalise_ods,
    read_csv,
    resolve,
    validate,
)
from medlead.sources.cqc import KEY_QUESTIONS, rating_from_score

FAMILY = "asaria-panel"
PROVIDERS_ID = f"{FAMILY}/nhs_provider.csv"
HEE_REGIONS_ID = f"{FAMILY}/hee_region.csv"
MANAGERS_ID = f"{FAMILY}/managers_simple_def.csv"
CONSULTANTS_ID = f"{FAMILY}/consultants_simple_def.csv"
ALL_STAFF_ID = f"{FAMILY}/all_staff_simple_def.csv"
SHMI_ID = f"{FAMILY}/shmi.csv"
STAFF_SURVEY_ID = f"{FAMILY}/NHS_SS_management.csv"
SURVEY_QUESTIONS_ID = f"{FAMILY}/NHS_SS_questions.csv"
CQC_ID = f"{FAMILY}/CQC_ratings.csv"
VARIABLES_ID = f"{FAMILY}/variable_definitions.csv"

#: Provider types in ``nhs_provider.csv`` and the book's trust types (CCGs are not trusts).
RAW_ORG_TYPES: tuple[str, ...] = (
    "Acute", "Mental Health", "Community Provider Trust", "Ambulance",
    "Clinical Commissioning Group",
)
TRUST_TYPES: tuple[str, ...] = (
    "acute", "specialist acute", "mental health", "community", "ambulance"
)
_TRUST_TYPE = {
    "Acute": "acute",
    "Mental Health": "mental health",
    "Community Provider Trust": "community",
    "Ambulance": "ambulance",
}
#: Likert answer columns of the staff-survey file, in scale order, and their tidy names.
LIKERT = {
    "SD": "pct_strongly_disagree",
    "D": "pct_disagree",
    "NAND": "pct_neither",
    "A": "pct_agree",
    "SA": "pct_strongly_agree",
    "N": "respondents",
}
SENIOR_MANAGER_ITEMS: tuple[str, ...] = ("8a", "8b", "8c", "8d")
IMMEDIATE_MANAGER_ITEMS: tuple[str, ...] = ("7a", "7b", "7c", "7d", "7e", "7f", "7g")

_YEARS = pa.Check.in_range(2009, 2019)
_ODS = pa.Check.str_matches(ODS_CODE_PATTERN)


def load_providers(path: Path | str | None = None) -> pd.DataFrame:
    """Load the provider lookup ``nhs_provider.csv``.

    Out: ``org_code`` (stripped), ``org_name`` (stripped), ``raw_org_type``, ``hee_region_code``,
    ``specialist`` (bool), ``trust_type`` (one of :data:`TRUST_TYPES`; missing for CCGs: an acute
    trust flagged SPECIALIST is "specialist acute") and ``foundation_trust`` (bool: the name
    contains "Foundation Trust"; the status when the lookup was made, not year by year).
    """
    file = resolve(PROVIDERS_ID, path)
    columns = ["ORG_CODE", "ORG_NAME", "ORG_TYPE", "HEE_REGION_CODE", "SPECIALIST"]
    raw = read_csv(PROVIDERS_ID, file, columns, dtype=str, keep_default_na=False)
    tidy = pd.DataFrame(
        {
            "org_code": normalise_ods(raw["ORG_CODE"]),
            "org_name": raw["ORG_NAME"].str.strip(),
            "raw_org_type": raw["ORG_TYPE"].str.strip(),
            "hee_region_code": raw["HEE_REGION_CODE"].str.strip(),
            "specialist": raw["SPECIALIST"].str.strip().str.upper(),
        }
    )
    schema = pa.DataFrameSchema(
        {
            "org_code": pa.Column(str, _ODS, unique=True),
            "org_name": pa.Column(str, pa.Check.str_length(min_value=1)),
            "raw_org_type": pa.Column(str, pa.Check.isin(RAW_ORG_TYPES)),
            "hee_region_code": pa.Column(str, pa.Check.str_matches(r"^YDF\d\d$")),
            "specialist": pa.Column(str, pa.Check.isin(["TRUE", "FALSE"])),
        }
    )
    tidy = validate(tidy, schema, PROVIDERS_ID, file)
    tidy["specialist"] = tidy["specialist"] == "TRUE"
    trust_type = tidy["raw_org_type"].map(_TRUST_TYPE)
    trust_type = trust_type.mask(trust_type.eq("acute") & tidy["specialist"], "specialist acute")
    tidy["trust_type"] = pd.Categorical(trust_type, categories=list(TRUST_TYPES))
    tidy["foundation_trust"] = tidy["org_name"].str.contains("Foundation Trust", case=False)
    return tidy


def load_hee_regions(path: Path | str | None = None) -> pd.DataFrame:
    """Load ``hee_region.csv``: ``hee_region_code`` and ``hee_region`` (the local office name)."""
    file = resolve(HEE_REGIONS_ID, path)
    raw = read_csv(HEE_REGIONS_ID, file, ["HEE_REGION_CODE", "HEE_REGION_NAME"], dtype=str)
    tidy = pd.DataFrame(
        {
            "hee_region_code": raw["HEE_REGION_CODE"].str.strip(),
            "hee_region": raw["HEE_REGION_NAME"].str.strip(),
        }
    )
    schema = pa.DataFrameSchema({"hee_region_code": pa.Column(str, unique=True)})
    return validate(tidy, schema, HEE_REGIONS_ID, file)


def _load_yearly_value(
    source_id: str, path: Path | str | None, raw_column: str, name: str
) -> pd.DataFrame:
    """Load a file of ``YEAR, ORG_CODE, <value>``: one non-negative value per organisation-year."""
    file = resolve(source_id, path)
    raw = read_csv(source_id, file, ["YEAR", "ORG_CODE", raw_column], dtype={"ORG_CODE": str})
    tidy = pd.DataFrame(
        {
            "org_code": normalise_ods(raw["ORG_CODE"]),
            "year": raw["YEAR"],
            name: raw[raw_column],
        }
    )
    schema = pa.DataFrameSchema(
        {
            "org_code": pa.Column(str, _ODS),
            "year": pa.Column(int, _YEARS),
            name: pa.Column(float, pa.Check.ge(0), coerce=True),
        },
        unique=["org_code", "year"],
    )
    return validate(tidy, schema, source_id, file)


def load_managers(path: Path | str | None = None) -> pd.DataFrame:
    """Managers FTE (basic definition) by organisation and year.

    Out: ``org_code, year, managers_fte``.
    """
    return _load_yearly_value(MANAGERS_ID, path, "SIMPLE_MANAGERS_FTE", "managers_fte")


def load_consultants(path: Path | str | None = None) -> pd.DataFrame:
    """Consultant FTE by organisation and year: ``org_code, year, consultants_fte``."""
    return _load_yearly_value(CONSULTANTS_ID, path, "SIMPLE_CONSULTANTS_FTE", "consultants_fte")


def load_all_staff(path: Path | str | None = None) -> pd.DataFrame:
    """All-staff FTE by trust and year (2009-2015): ``org_code, year, all_staff_fte``."""
    return _load_yearly_value(ALL_STAFF_ID, path, "SIMPLE_ALL_STAFF_FTE", "all_staff_fte")


def load_shmi(path: Path | str | None = None) -> pd.DataFrame:
    """Summary Hospital-level Mortality Indicator by trust and year: ``org_code, year, shmi``."""
    return _load_yearly_value(SHMI_ID, path, "SHMI", "shmi")


def load_staff_survey_management(path: Path | str | None = None) -> pd.DataFrame:
    """Load the staff-survey manager items ``NHS_SS_management.csv`` in long form.

    Out: one row per trust, year and item (``7a``..``8d``) with the percentages answering each
    point of the five-point scale (``pct_strongly_disagree``..``pct_strongly_agree``) and the
    number of ``respondents``. Items not asked in a year (all ``NA``) are dropped, not filled.
    """
    file = resolve(STAFF_SURVEY_ID, path)
    items = IMMEDIATE_MANAGER_ITEMS + SENIOR_MANAGER_ITEMS
    value_columns = [f"{item}_{answer}" for item in items for answer in LIKERT]
    raw = read_csv(
        STAFF_SURVEY_ID, file, ["ORG_CODE", "YEAR", *value_columns], dtype={"ORG_CODE": str}
    )
    raw["ORG_CODE"] = normalise_ods(raw["ORG_CODE"])
    long = raw.melt(id_vars=["ORG_CODE", "YEAR"], value_vars=value_columns)
    parts = long["variable"].str.split("_", n=1, expand=True)
    long["item"], long["answer"] = parts[0], parts[1].map(LIKERT)
    tidy = (
        long.pivot_table(
            index=["ORG_CODE", "YEAR", "item"], columns="answer", values="value",
            aggfunc="first", dropna=True,
        )
        .reset_index()
        .rename(columns={"ORG_CODE": "org_code", "YEAR": "year"})
    )
    tidy.columns.name = None
    tidy = tidy.dropna(subset=list(LIKERT.values()), how="all")
    tidy = tidy[["org_code", "year", "item", *LIKERT.values()]]
    pct = pa.Column(float, pa.Check.in_range(0, 100), nullable=True, coerce=True)
    schema = pa.DataFrameSchema(
        {
            "org_code": pa.Column(str, _ODS),
            "year": pa.Column(int, _YEARS),
            "item": pa.Column(str, pa.Check.isin(items)),
            **{name: pct for name in list(LIKERT.values())[:-1]},
            "respondents": pa.Column(float, pa.Check.gt(0), coerce=True),
        },
        unique=["org_code", "year", "item"],
    )
    return validate(tidy.reset_index(drop=True), schema, STAFF_SURVEY_ID, file)


def load_survey_questions(path: Path | str | None = None) -> pd.DataFrame:
    """Load the wording of the staff-survey items: ``item, wording``."""
    file = resolve(SURVEY_QUESTIONS_ID, path)
    raw = read_csv(SURVEY_QUESTIONS_ID, file, ["QUESTION", "DESCRIPTION"], dtype=str)
    return pd.DataFrame({"item": raw["QUESTION"].str.strip(), "wording": raw["DESCRIPTION"]})


def load_cqc_ratings(path: Path | str | None = None) -> pd.DataFrame:
    """Load ``CQC_ratings.csv``.

    Out: ``org_code`` (ODS code for NHS trusts; CQC ids such as ``1-102643363`` for others),
    ``date`` (publication), ``population`` (service or ``Overall``), ``question`` (key question
    or ``Overall``), ``score`` (0..3) and ``rating`` on the ordered scale of
    :data:`medlead.sources.cqc.RATING_DTYPE`.
    """
    file = resolve(CQC_ID, path)
    columns = ["ORG_CODE", "DATE", "POPULATION", "QUESTION", "RATING_SCORE"]
    raw = read_csv(CQC_ID, file, columns, dtype={"ORG_CODE": str, "DATE": str})
    tidy = pd.DataFrame(
        {
            "org_code": normalise_ods(raw["ORG_CODE"]),
            "date": pd.to_datetime(raw["DATE"], format="%d/%m/%Y", errors="coerce"),
            "population": raw["POPULATION"].str.strip(),
            "question": raw["QUESTION"].str.strip(),
            "score": raw["RATING_SCORE"],
        }
    )
    schema = pa.DataFrameSchema(
        {
            "org_code": pa.Column(str, pa.Check.str_matches(r"^([A-Z0-9]{3,5}|1-\d+)$")),
            "date": pa.Column("datetime64[ns]", nullable=False),
            "question": pa.Column(str, pa.Check.isin(KEY_QUESTIONS)),
            "score": pa.Column(int, pa.Check.isin([0, 1, 2, 3])),
        },
        unique=["org_code", "date", "population", "question"],
    )
    tidy = validate(tidy, schema, CQC_ID, file)
    tidy["rating"] = rating_from_score(tidy["score"])
    return tidy


def load_variable_definitions(path: Path | str | None = None) -> pd.DataFrame:
    """Load ``variable_definitions.csv``: ``code, variable, label`` for the author's variables."""
    file = resolve(VARIABLES_ID, path)
    return read_csv(VARIABLES_ID, file, ["code", "variable", "label"], dtype=str)
