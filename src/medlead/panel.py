"""The trust panel: one row per NHS trust per financial year, 2009-2019, where data exist.

:func:`trust_panel` joins the tidy sources (see :mod:`medlead.sources`) on ``(org_code, year)``.
``year`` is the NHS financial year by its first calendar year (``2016`` is April 2016 to March
2017), the convention of the Asaria panel; the staff surveys (fieldwork in the autumn) and the
September 2017 staff counts fall inside the financial year of the same number.

Nothing is filled in: a value appears only in the year its source gives it. The one deliberate
exception is spelled out in the columns themselves: a CQC rating stays in force until the next
one, so ``cqc_overall`` is the rating in force at the end of the year and ``cqc_overall_date``
says when it was published.

The panel is memoised within a process and cached on disk (a pickle in
``<cache dir>/derived/``) under a key made of the SHA-256 of every source file used and of the
code that builds it, so a change to either rebuilds it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import pandas as pd

from medlead import data, paths
from medlead.sources import asaria, cqc, ods, staff_survey, workforce

PANEL_YEARS: tuple[int, ...] = tuple(range(2009, 2020))

#: Every source file the panel reads.
PANEL_SOURCES: tuple[str, ...] = (
    asaria.PROVIDERS_ID,
    asaria.HEE_REGIONS_ID,
    asaria.MANAGERS_ID,
    asaria.CONSULTANTS_ID,
    asaria.ALL_STAFF_ID,
    asaria.SHMI_ID,
    asaria.STAFF_SURVEY_ID,
    asaria.CQC_ID,
    ods.ETR_ID,
    staff_survey.SURVEY_2019_ID,
    workforce.HCHS_ID,
)

#: Column order of the panel; the data dictionary (Data appendix) describes each.
PANEL_COLUMNS: tuple[str, ...] = (
    "org_code", "year", "org_name", "org_type", "region", "nhse_region", "foundation_trust",
    "managers_fte", "consultants_fte", "all_staff_fte", "shmi",
    "ss_q8a_agree_pct", "ss_q8b_agree_pct", "ss_q8c_agree_pct", "ss_q8d_agree_pct",
    "cqc_overall", "cqc_overall_date", "cqc_well_led", "cqc_well_led_date",
    "staff_engagement_2019",
    *workforce.PANEL_STAFF_GROUPS.values(),
)

_CODE_FILES = ("panel.py", "sources/asaria.py", "sources/cqc.py", "sources/ods.py",
               "sources/staff_survey.py", "sources/workforce.py", "sources/common.py")
_memo: dict[str, pd.DataFrame] = {}


def trusts() -> pd.DataFrame:
    """Return the NHS trusts of the panel, one row each.

    Out: ``org_code``, ``org_name``, ``org_type`` (acute, specialist acute, mental health,
    community, ambulance: from ``nhs_provider.csv`` ORG_TYPE and SPECIALIST), ``region`` (the
    Health Education England local office, from ``nhs_provider.csv`` + ``hee_region.csv``),
    ``nhse_region`` (NHS England region c. 2016 from the ODS file; missing for trusts not in it)
    and ``foundation_trust`` (the name in ``nhs_provider.csv`` contains "Foundation Trust").
    """
    providers = asaria.load_providers()
    providers = providers[providers["trust_type"].notna()]
    regions = asaria.load_hee_regions()
    etr = ods.load_etr()[["org_code", "nhse_region"]]
    result = (
        providers.merge(regions, on="hee_region_code", how="left", validate="many_to_one")
        .merge(etr, on="org_code", how="left", validate="one_to_one")
        .rename(columns={"trust_type": "org_type", "hee_region": "region"})
    )
    return result[
        ["org_code", "org_name", "org_type", "region", "nhse_region", "foundation_trust"]
    ].reset_index(drop=True)


def _senior_manager_items() -> pd.DataFrame:
    """Percent agreeing or strongly agreeing with items 8a-8d, one column per item."""
    survey = asaria.load_staff_survey_management()
    senior = survey[survey["item"].isin(asaria.SENIOR_MANAGER_ITEMS)].copy()
    senior["agree"] = senior["pct_agree"] + senior["pct_strongly_agree"]
    wide = senior.pivot(index=["org_code", "year"], columns="item", values="agree")
    wide = wide.rename(columns=lambda item: f"ss_q{item}_agree_pct")
    wide.columns.name = None
    return wide.reset_index()


def _cqc_in_force() -> pd.DataFrame:
    """Overall and Well-led ratings in force at each year's end, for years the file covers."""
    ratings = asaria.load_cqc_ratings()
    latest = ratings["date"].max()
    covered = [y for y in PANEL_YEARS if pd.Timestamp(y, 4, 1) <= latest]
    frames = []
    for question, name in (("Overall", "cqc_overall"), ("Well-led", "cqc_well_led")):
        frame = cqc.ratings_in_force(ratings, covered, question)
        frames.append(frame.rename(columns={"rating": name, "rating_date": f"{name}_date"}))
    return frames[0].merge(frames[1], on=["org_code", "year"], how="outer")


def _yearly_measures() -> list[pd.DataFrame]:
    """Every measure keyed by ``(org_code, year)``."""
    engagement = staff_survey.load_staff_survey_2019()[["org_code", "theme_engagement_2019"]]
    engagement = engagement.rename(columns={"theme_engagement_2019": "staff_engagement_2019"})
    engagement["year"] = 2019
    fte_2017 = workforce.panel_fte_2017(workforce.load_hchs_fte())
    fte_2017["year"] = 2017
    return [
        asaria.load_managers(),
        asaria.load_consultants(),
        asaria.load_all_staff(),
        asaria.load_shmi(),
        _senior_manager_items(),
        _cqc_in_force(),
        engagement,
        fte_2017,
    ]


def build_trust_panel() -> pd.DataFrame:
    """Build the panel from the source files (no caching): see :func:`trust_panel`."""
    base = trusts()
    codes = set(base["org_code"])
    panel = None
    for measure in _yearly_measures():
        measure = measure[measure["org_code"].isin(codes) & measure["year"].isin(PANEL_YEARS)]
        panel = (
            measure
            if panel is None
            else panel.merge(measure, on=["org_code", "year"], how="outer", validate="1:1")
        )
    measured = panel.columns.difference(["org_code", "year"])
    panel = panel.dropna(subset=measured, how="all")
    panel = base.merge(panel, on="org_code", how="inner", validate="one_to_many")
    for column in ("cqc_overall", "cqc_well_led"):
        panel[column] = panel[column].astype(cqc.RATING_DTYPE)
    panel["year"] = panel["year"].astype("int64")
    return (
        panel[list(PANEL_COLUMNS)].sort_values(["org_code", "year"]).reset_index(drop=True)
    )


def cache_key() -> str:
    """SHA-256 over the panel's source checksums and the code that builds it."""
    digest = hashlib.sha256()
    sources = data.manifest()
    for source_id in PANEL_SOURCES:
        digest.update(f"{source_id}={sources[source_id].sha256};".encode())
    package = Path(__file__).resolve().parent
    for name in _CODE_FILES:
        digest.update((package / name).read_bytes())
    return digest.hexdigest()[:16]


def _cache_file(key: str) -> Path:
    return paths.cache_dir() / "derived" / f"trust_panel-{key}.pkl"


def _write_atomically(frame: pd.DataFrame, target: Path) -> None:
    """Pickle ``frame`` to a temporary file beside ``target``, then move it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    os.close(handle)
    try:
        frame.to_pickle(temporary)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def trust_panel(refresh: bool = False) -> pd.DataFrame:
    """Return the trust panel: one row per NHS trust per financial year where any data exist.

    Out: the columns of :data:`PANEL_COLUMNS` (described in the book's data dictionary), unique
    on ``(org_code, year)``, sorted by them. A copy is returned, so callers may change it.
    ``refresh=True`` rebuilds from the source files and rewrites the disk cache.
    """
    key = cache_key()
    if not refresh and key in _memo:
        return _memo[key].copy()
    cached = _cache_file(key)
    panel = None
    if not refresh and cached.is_file():
        try:
            panel = pd.read_pickle(cached)
        except Exception:  # an unreadable cache is rebuilt, never trusted
            panel = None
    if panel is None:
        panel = build_trust_panel()
        _write_atomically(panel, cached)
    _memo.clear()
    _memo[key] = panel
    return panel.copy()
