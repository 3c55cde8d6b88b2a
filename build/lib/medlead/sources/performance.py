"""Waiting-time performance in the Asaria panel: A&E 4-hour and RTT 18-week (``asaria-panel``).

Derived data: the panel's author assembled both files from NHS England's official statistics.
``YEAR`` is the NHS financial year by its first calendar year, as in the rest of the panel.

- ``AE.csv``: ``AE_SCORE``, the share of A&E attendances seen within four hours in the year
  (a proportion 0..1; the panel's variable list calls it "A&E waiting time target met").
  About one trust in seven carries a suffix ``-X`` on its code (``RQQ-X``), which the panel's
  documentation does not explain; no trust appears both with and without it in a year. The
  loader reads the code before the suffix as the trust's ODS code and keeps a flag
  ``ae_code_suffixed`` so the choice can be checked.
- ``RTT.csv``: the referral-to-treatment snapshot at the year's end (31 March): patients waiting
  (``N_TOTAL``), those waiting under 18 weeks (``N_18_WEEKS``) and their share (``RTT_SCORE``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from medlead.sources.common import ODS_CODE_PATTERN, normalise_ods, read_csv, resolve, validate

AE_ID = "asaria-panel/AE.csv"
RTT_ID = "asaria-panel/RTT.csv"
#: The unexplained suffix some trust codes carry in ``AE.csv`` (see the module docstring).
AE_CODE_SUFFIX = "-X"

_ODS = pa.Check.str_matches(ODS_CODE_PATTERN)
_YEARS = pa.Check.in_range(2009, 2019)
_PERCENT = pa.Check.in_range(0, 100)


def load_ae(path: Path | str | None = None) -> pd.DataFrame:
    """Load the A&E four-hour performance by organisation and year.

    In: optionally a path to a copy of ``AE.csv`` (default: the fetched source file).
    Out: ``org_code``, ``year``, ``ae_4h_pct`` (percent of attendances seen within four hours,
    0..100) and ``ae_code_suffixed`` (True where the file wrote the code with ``-X``), unique on
    ``(org_code, year)``. Raises :class:`medlead.data.DataError` naming the
    file if a column is missing or a value is out of range.
    """
    file = resolve(AE_ID, path)
    raw = read_csv(AE_ID, file, ["YEAR", "ORG_CODE", "AE_SCORE"], dtype={"ORG_CODE": str})
    codes = normalise_ods(raw["ORG_CODE"])
    suffixed = codes.str.endswith(AE_CODE_SUFFIX)
    tidy = pd.DataFrame(
        {
            "org_code": codes.str.removesuffix(AE_CODE_SUFFIX),
            "year": raw["YEAR"],
            "ae_4h_pct": pd.to_numeric(raw["AE_SCORE"], errors="coerce") * 100,
            "ae_code_suffixed": suffixed,
        }
    )
    schema = pa.DataFrameSchema(
        {
            "org_code": pa.Column(str, _ODS),
            "year": pa.Column(int, _YEARS),
            "ae_4h_pct": pa.Column(float, _PERCENT, nullable=False),
            "ae_code_suffixed": pa.Column(bool),
        },
        unique=["org_code", "year"],
    )
    return validate(tidy, schema, AE_ID, file)


def load_rtt(path: Path | str | None = None) -> pd.DataFrame:
    """Load the referral-to-treatment (RTT) 18-week snapshot by organisation and year.

    In: optionally a path to a copy of ``RTT.csv``.
    Out: ``org_code``, ``year``, ``rtt_waiting`` (patients on the waiting list at 31 March),
    ``rtt_within_18w`` (of whom waiting under 18 weeks) and ``rtt_18w_pct`` (their percentage,
    0..100; missing where nobody was waiting, which the file writes as 0), unique on
    ``(org_code, year)``. Raises :class:`medlead.data.DataError` naming the file if a column is
    missing, a count is negative or more patients are within 18 weeks than are waiting.
    """
    file = resolve(RTT_ID, path)
    columns = ["YEAR", "ORG_CODE", "N_TOTAL", "N_18_WEEKS", "RTT_SCORE"]
    raw = read_csv(RTT_ID, file, columns, dtype={"ORG_CODE": str})
    tidy = pd.DataFrame(
        {
            "org_code": normalise_ods(raw["ORG_CODE"]),
            "year": raw["YEAR"],
            "rtt_waiting": pd.to_numeric(raw["N_TOTAL"], errors="coerce"),
            "rtt_within_18w": pd.to_numeric(raw["N_18_WEEKS"], errors="coerce"),
            "rtt_18w_pct": pd.to_numeric(raw["RTT_SCORE"], errors="coerce") * 100,
        }
    )
    # An empty waiting list has no share waiting under 18 weeks (the file writes 0).
    tidy["rtt_18w_pct"] = tidy["rtt_18w_pct"].where(tidy["rtt_waiting"] > 0)
    schema = pa.DataFrameSchema(
        {
            "org_code": pa.Column(str, _ODS),
            "year": pa.Column(int, _YEARS),
            "rtt_waiting": pa.Column(float, pa.Check.ge(0), coerce=True),
            "rtt_within_18w": pa.Column(float, pa.Check.ge(0), coerce=True),
            "rtt_18w_pct": pa.Column(float, _PERCENT, nullable=True),
        },
        checks=pa.Check(
            lambda frame: frame["rtt_within_18w"] <= frame["rtt_waiting"],
            error="rtt_within_18w <= rtt_waiting",
        ),
        unique=["org_code", "year"],
    )
    return validate(tidy, schema, RTT_ID, file)
