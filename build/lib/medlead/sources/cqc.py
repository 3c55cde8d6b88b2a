"""CQC ratings: one ordered scale, the official 2018 "Latest ratings" file, the rating in force.

The CQC rates providers on five key questions (Safe, Effective, Caring, Responsive, Well-led) and
overall, with four words. :data:`RATING_DTYPE` puts them on one ordered scale, so that
``Inadequate < Requires improvement < Good < Outstanding`` holds in pandas; the Asaria panel's
scores 0..3 map onto the same scale (:func:`rating_from_score`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from medlead.sources.common import normalise_ods, read_excel, resolve, validate

RATINGS: tuple[str, ...] = ("Inadequate", "Requires improvement", "Good", "Outstanding")
RATING_DTYPE = pd.CategoricalDtype(list(RATINGS), ordered=True)
KEY_QUESTIONS: tuple[str, ...] = (
    "Safe", "Effective", "Caring", "Responsive", "Well-led", "Overall"
)

LATEST_2018_ID = "cqc-ratings-2018/CQC score 3 September 2018 Latest ratings.xlsx"
LATEST_2018_COLUMNS = {
    "Provider ID": "provider_id",
    "Service / Population Group": "population",
    "Key Question": "question",
    "Latest Rating": "rating",
    "Publication Date": "date",
    "Report Type": "report_type",
}


def rating_from_score(scores: pd.Series) -> pd.Series:
    """Turn scores 0..3 (Inadequate..Outstanding) into the ordered rating scale; NaN stays NaN."""
    numeric = pd.to_numeric(scores)
    bad = numeric.dropna()[~numeric.dropna().isin([0, 1, 2, 3])]
    if not bad.empty:
        raise ValueError(f"CQC scores must be 0, 1, 2 or 3; got {sorted(bad.unique())[:5]}")
    labels = numeric.map(lambda s: RATINGS[int(s)] if pd.notna(s) else None)
    return labels.astype(RATING_DTYPE)


def load_latest_ratings_2018(path: Path | str | None = None) -> pd.DataFrame:
    """Load the CQC's official "Latest ratings" file of 3 September 2018 (Providers sheet).

    Out: one row per provider, population group and key question with ``provider_id`` (an ODS
    code for NHS trusts, a CQC id like ``1-102643363`` otherwise), ``population``, ``question``,
    ``rating`` (ordered :data:`RATING_DTYPE`), ``date`` (publication) and ``report_type``.
    """
    file = resolve(LATEST_2018_ID, path)
    raw = read_excel(LATEST_2018_ID, file, "Providers", LATEST_2018_COLUMNS)
    tidy = raw[list(LATEST_2018_COLUMNS)].rename(columns=LATEST_2018_COLUMNS)
    tidy["provider_id"] = normalise_ods(tidy["provider_id"])
    for column in ("population", "question", "rating", "report_type"):
        tidy[column] = tidy[column].astype(str)
    tidy["date"] = pd.to_datetime(tidy["date"])
    schema = pa.DataFrameSchema(
        {
            "rating": pa.Column(str, pa.Check.isin(RATINGS)),
            "question": pa.Column(str, pa.Check.isin(KEY_QUESTIONS)),
            "date": pa.Column("datetime64[ns]", nullable=False, coerce=True),
        }
    )
    tidy = validate(tidy, schema, LATEST_2018_ID, file)
    tidy["rating"] = tidy["rating"].astype(RATING_DTYPE)
    return tidy.reset_index(drop=True)


def financial_year_end(year: int) -> pd.Timestamp:
    """Last day of NHS financial year ``year`` (``2016`` is 2016/17, ending 31 March 2017)."""
    return pd.Timestamp(year + 1, 3, 31)


def ratings_in_force(
    ratings: pd.DataFrame, years: list[int], question: str = "Overall"
) -> pd.DataFrame:
    """Return the trust-wide rating in force at the end of each financial year.

    In: ratings with ``org_code``, ``date``, ``population``, ``question`` and ``rating`` (as from
    :func:`medlead.sources.asaria.load_cqc_ratings`); the financial years wanted.
    Out: ``org_code``, ``year``, ``rating``, ``rating_date``: for each trust and year, the latest
    trust-level (population ``Overall``) rating for ``question`` published on or before 31 March
    of the year's end. Years before a trust's first rating in the file get no row: the file holds
    only the ratings in force when it was made, so earlier ones are unknown, not carried back.
    """
    trust_level = ratings[(ratings["population"] == "Overall") & (ratings["question"] == question)]
    trust_level = trust_level.sort_values(["org_code", "date"])
    rows = []
    for year in years:
        published = trust_level[trust_level["date"] <= financial_year_end(year)]
        latest = published.groupby("org_code", observed=True).tail(1)
        rows.append(
            pd.DataFrame(
                {
                    "org_code": latest["org_code"].to_numpy(),
                    "year": year,
                    "rating": latest["rating"].to_numpy(),
                    "rating_date": latest["date"].to_numpy(),
                }
            )
        )
    result = pd.concat(rows, ignore_index=True)
    result["rating"] = result["rating"].astype(RATING_DTYPE)
    return result
