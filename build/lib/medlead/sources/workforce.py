"""NHS Digital staff numbers, 2017-2018 (three official source families).

- ``nhs-workforce-2017-2018``: full-time equivalent (FTE) staff by organisation, staff group and
  nationality, September 2017 and June 2018. :func:`load_hchs_fte` sums over nationality.
- ``nhs-medical-staff-2017``: doctors FTE by organisation, grade and specialty, 30 September 2017.
- ``nhs-non-medical-staff-2017``: non-medical staff FTE by organisation and staff group codes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from medlead.sources.common import (
    ODS_CODE_PATTERN,
    normalise_ods,
    read_csv,
    read_excel,
    read_sheets,
    require_columns,
    resolve,
    validate,
)

HCHS_ID = (
    "nhs-workforce-2017-2018/hchs-staff-by-staff-group-nationality-and-organisation-"
    "september-2017-and-june-2018_ah2324.xlsx"
)
MEDICAL_ID = "nhs-medical-staff-2017/medical_staff.csv"
NON_MEDICAL_ID = "nhs-non-medical-staff-2017/non_medical_staff.xlsx"

HCHS_COLUMNS = {
    "Month": "month",
    "Organisation code": "org_code",
    "Organisation name": "org_name",
    "Staff group": "staff_group",
    "Nationality": "nationality",
    "FTE": "fte",
}
HCHS_MONTHS = {"2017-SEP": "2017-09-30", "2018-JUN": "2018-06-30"}
#: Staff groups of the HCHS file whose 2017 FTE the trust panel carries.
PANEL_STAFF_GROUPS = {
    "HCHS doctors": "nhsd_doctors_fte_2017",
    "Nurses & health visitors": "nhsd_nurses_fte_2017",
    "Managers": "nhsd_managers_fte_2017",
    "Senior managers": "nhsd_senior_managers_fte_2017",
}
_ODS = pa.Check.str_matches(ODS_CODE_PATTERN)


def load_hchs_fte(path: Path | str | None = None) -> pd.DataFrame:
    """Load the HCHS staff spreadsheet (sheet ``Data``), summed over nationality.

    Out: one row per ``date`` (30 September 2017 or 30 June 2018, as Timestamps), ``org_code``,
    ``org_name`` and ``staff_group``, with ``fte`` the sum over every nationality.
    """
    file = resolve(HCHS_ID, path)
    raw = read_excel(HCHS_ID, file, "Data", HCHS_COLUMNS)
    tidy = raw[list(HCHS_COLUMNS)].rename(columns=HCHS_COLUMNS)
    tidy["org_code"] = normalise_ods(tidy["org_code"])
    for column in ("month", "org_name", "staff_group", "nationality"):
        tidy[column] = tidy[column].astype(str)
    schema = pa.DataFrameSchema(
        {
            "month": pa.Column(str, pa.Check.isin(list(HCHS_MONTHS))),
            "org_code": pa.Column(str, _ODS),
            "staff_group": pa.Column(str),
            "fte": pa.Column(float, pa.Check.ge(0), coerce=True),
        }
    )
    tidy = validate(tidy, schema, HCHS_ID, file)
    tidy["date"] = pd.to_datetime(tidy["month"].map(HCHS_MONTHS))
    summed = tidy.groupby(["date", "org_code", "staff_group"], as_index=False).agg(
        org_name=("org_name", "first"), fte=("fte", "sum")
    )
    return summed[["date", "org_code", "org_name", "staff_group", "fte"]]


def panel_fte_2017(hchs: pd.DataFrame) -> pd.DataFrame:
    """Doctors, nurses, managers and senior managers FTE at 30 September 2017, one row per trust.

    In: the output of :func:`load_hchs_fte`. Out: ``org_code`` and the columns named in
    :data:`PANEL_STAFF_GROUPS`; a trust with no staff in a group has no value (NaN), not zero.
    """
    september = hchs[(hchs["date"] == "2017-09-30") & hchs["staff_group"].isin(PANEL_STAFF_GROUPS)]
    wide = september.pivot(index="org_code", columns="staff_group", values="fte")
    wide = wide.rename(columns=PANEL_STAFF_GROUPS).reindex(columns=PANEL_STAFF_GROUPS.values())
    wide.columns.name = None
    return wide.reset_index()


def load_medical_staff_2017(path: Path | str | None = None) -> pd.DataFrame:
    """Load doctors FTE at 30 September 2017.

    Out: ``date``, ``org_code``, ``grade``, ``specialty_group``, ``specialty``, ``fte``.
    """
    file = resolve(MEDICAL_ID, path)
    columns = ["DATE", "ORG_CODE", "GRADE", "SPECIALITY_GROUP", "SPECIALTY", "FTE"]
    raw = read_csv(MEDICAL_ID, file, columns, dtype={"ORG_CODE": str, "DATE": str})
    tidy = pd.DataFrame(
        {
            "date": pd.to_datetime(raw["DATE"], format="%d/%m/%Y", errors="coerce"),
            "org_code": normalise_ods(raw["ORG_CODE"]),
            "grade": raw["GRADE"],
            "specialty_group": raw["SPECIALITY_GROUP"],
            "specialty": raw["SPECIALTY"],
            "fte": raw["FTE"],
        }
    )
    schema = pa.DataFrameSchema(
        {
            "date": pa.Column(
                "datetime64[us]", pa.Check.eq(pd.Timestamp("2017-09-30")), coerce=True
            ),
            "org_code": pa.Column(str, _ODS),
            "fte": pa.Column(float, pa.Check.ge(0), coerce=True),
        }
    )
    return validate(tidy, schema, MEDICAL_ID, file)


def load_non_medical_staff_2017(path: Path | str | None = None) -> pd.DataFrame:
    """Load non-medical staff FTE at 30 September 2017 with staff-group names.

    Out: ``org_code``, ``main_staff_group``, ``staff_group_1``, ``staff_group_2`` (names from the
    lookup sheets of the same file), ``area``, ``level``, ``afc_band`` and ``fte``.
    """
    file = resolve(NON_MEDICAL_ID, path)
    columns = [
        "DATE", "ORG_CODE", "MAIN_STAFF_GROUP_CODE", "STAFF_GROUP_1_CODE", "STAFF_GROUP_2_CODE",
        "AREA", "LEVEL", "AFC_BAND", "FTE",
    ]
    sheet_names = ("non_medical_staff", "main_staff_group", "staff_group_1", "staff_group_2")
    sheets = read_sheets(NON_MEDICAL_ID, file, sheet_names)
    tables = {}
    for name, sheet in sheets.items():
        header = [str(c) for c in sheet.iloc[0]]
        table = sheet.iloc[1:].set_axis(header, axis=1).reset_index(drop=True)
        required = columns if name == "non_medical_staff" else [
            f"{name.upper()}_CODE", f"{name.upper()}_NAME"
        ]
        tables[name] = require_columns(table, required, NON_MEDICAL_ID, file)
    raw = tables["non_medical_staff"]
    lookups = {
        name.upper(): dict(
            zip(
                pd.to_numeric(tables[name][f"{name.upper()}_CODE"]),
                tables[name][f"{name.upper()}_NAME"].astype(str),
                strict=True,
            )
        )
        for name in sheet_names[1:]
    }
    tidy = pd.DataFrame({"org_code": normalise_ods(raw["ORG_CODE"])})
    for code, name in (
        ("MAIN_STAFF_GROUP", "main_staff_group"), ("STAFF_GROUP_1", "staff_group_1"),
        ("STAFF_GROUP_2", "staff_group_2"),
    ):
        tidy[name] = pd.to_numeric(raw[f"{code}_CODE"]).map(lookups[code])
    tidy["area"] = raw["AREA"].astype(str)
    tidy["level"] = raw["LEVEL"].astype(str)
    tidy["afc_band"] = raw["AFC_BAND"].astype(str)
    tidy["fte"] = pd.to_numeric(raw["FTE"])
    schema = pa.DataFrameSchema(
        {
            "org_code": pa.Column(str, _ODS),
            "main_staff_group": pa.Column(str, nullable=False),
            "staff_group_1": pa.Column(str, nullable=False),
            "fte": pa.Column(float, pa.Check.ge(0), coerce=True),
        }
    )
    return validate(tidy, schema, NON_MEDICAL_ID, file)
