"""The ODS list of NHS trusts, ``etr.csv`` (source family ``ods-trusts``), c. 2016.

The file has no header row. Columns used (1-based, as in the ODS file layout): 1 code, 2 name,
3 NHS England commissioning region, 4 high-level health geography, 10 postcode, 11 open date,
12 close date, 24 government office region letter.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from medlead.data import DataError
from medlead.sources.common import TRUST_CODE_PATTERN, describe, normalise_ods, resolve, validate

ETR_ID = "ods-trusts/etr.csv"
ETR_COLUMN_COUNT = 24
#: NHS England's four commissioning regions (2013 to 2018) by ODS code; W00 marks Welsh bodies.
NHSE_REGIONS: dict[str, str] = {
    "Y54": "North of England",
    "Y55": "Midlands and East of England",
    "Y56": "London",
    "Y57": "South of England",
    "W00": "Wales",
}


def load_etr(path: Path | str | None = None) -> pd.DataFrame:
    """Load the ODS trust list.

    Out: ``org_code``, ``org_name`` (capitals, as in ODS), ``nhse_region_code``, ``nhse_region``,
    ``health_geography_code``, ``postcode``, ``open_date``, ``close_date`` (NaT if open) and
    ``gor_code``; ``foundation_trust`` is True when the name contains "FOUNDATION TRUST".
    The last two rows (R0A, R0B, trusts formed in 2017) carry only a name and postcode, so their
    region and dates are missing.
    """
    file = resolve(ETR_ID, path)
    try:
        raw = pd.read_csv(file, header=None, dtype=str, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(
            f"{describe(ETR_ID, file)}: cannot be read as a UTF-8 CSV ({exc}). Fetch it again."
        ) from exc
    if raw.shape[1] != ETR_COLUMN_COUNT:
        raise DataError(
            f"{describe(ETR_ID, file)}: expected {ETR_COLUMN_COUNT} columns without a header "
            f"row, found {raw.shape[1]}. The file may have changed: fetch it again."
        )
    tidy = pd.DataFrame(
        {
            "org_code": normalise_ods(raw[0]),
            "org_name": raw[1].str.strip(),
            "nhse_region_code": raw[2].str.strip(),
            "health_geography_code": raw[3].str.strip(),
            "postcode": raw[9].str.strip(),
            "open_date": pd.to_datetime(raw[10], format="%Y%m%d", errors="coerce"),
            "close_date": pd.to_datetime(raw[11], format="%Y%m%d", errors="coerce"),
            "gor_code": raw[23].str.strip(),
        }
    )
    schema = pa.DataFrameSchema(
        {
            "org_code": pa.Column(str, pa.Check.str_matches(TRUST_CODE_PATTERN), unique=True),
            "nhse_region_code": pa.Column(str, pa.Check.isin(list(NHSE_REGIONS)), nullable=True),
            "open_date": pa.Column("datetime64[us]", nullable=True, coerce=True),
        }
    )
    tidy = validate(tidy, schema, ETR_ID, file)
    tidy["nhse_region"] = tidy["nhse_region_code"].map(NHSE_REGIONS)
    tidy["foundation_trust"] = tidy["org_name"].str.contains("FOUNDATION TRUST")
    return tidy
