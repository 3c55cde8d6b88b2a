"""The trust panel: one row per NHS trust per financial year, 2009-2019, where data exist.

:func:`trust_panel` joins the tidy sources (see :mod:`medlead.sources`) on ``(org_code, year)``.
``year`` is the NHS financial year by its first calendar year (``2016`` is April 2016 to March
2017), the convention of the Asaria panel; the staff surveys (fieldwork in the autumn) and the
September 2017 staff counts fall inside the financial year of the same number.

Nothing is filled in: a value appears only in the year its source gives it. The one deliberate
exception is spelled out in the columns themselves: a CQC rating stays in force until the next
one, so ``cqc_overall`` is the rating in force at the end of the year (from the ratings known in
the derived file of early 2019 and the official file of September 2018) and ``cqc_overall_date``
says when it was published.

The panel is memoised within a process and cached on disk (a pickle in
``<cache dir>/derived/``) under a key made of the SHA-256 of every source file used and of the
code that builds it, so a change to either rebuilds it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from medlead import data, paths
from medlead.atomic import pickle_atomically

# The loaders (and pandera with them) are imported only when the panel is built, so that a warm
# call, served from the disk cache, stays fast.

PANEL_YEARS: tuple[int, ...] = tuple(range(2009, 2020))

#: Every source file the panel reads (the same ids as the loaders' constants; a test checks).
PANEL_SOURCES: tuple[str, ...] = (
    "asaria-panel/nhs_provider.csv",
    "asaria-panel/hee_region.csv",
    "asaria-panel/managers_simple_def.csv",
    "asaria-panel/consultants_simple_def.csv",
    "asaria-panel/all_staff_simple_def.csv",
    "asaria-panel/shmi.csv",
    "asaria-panel/NHS_SS_management.csv",
    "asaria-panel/CQC_ratings.csv",
    "cqc-ratings-2018/CQC score 3 September 2018 Latest ratings.xlsx",
    "ods-trusts/etr.csv",
    "staff-survey-2019/ST19-Organisation-Data-2019-Only-v1f.xlsx",
    "nhs-workforce-2017-2018/hchs-staff-by-staff-group-nationality-and-organisation-"
    "september-2017-and-june-2018_ah2324.xlsx",
)

#: Column order of the panel; the data dictionary (Data appendix) describes each.
PANEL_COLUMNS: tuple[str, ...] = (
    "org_code", "year", "org_name", "org_type", "region", "nhse_region", "foundation_trust",
    "managers_fte", "consultants_fte", "all_staff_fte", "shmi",
    "ss_q8a_agree_pct", "ss_q8b_agree_pct", "ss_q8c_agree_pct", "ss_q8d_agree_pct",
    "cqc_overall", "cqc_overall_date", "cqc_well_led", "cqc_well_led_date",
    "staff_engagement_2019",
    "nhsd_doctors_fte_2017", "nhsd_nurses_fte_2017", "nhsd_managers_fte_2017",
    "nhsd_senior_managers_fte_2017",
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
    from medlead.sources import asaria, ods

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
    from medlead.sources import asaria

    survey = asaria.load_staff_survey_management()
    senior = survey[survey["item"].isin(asaria.SENIOR_MANAGER_ITEMS)].copy()
    senior["agree"] = senior["pct_agree"] + senior["pct_strongly_agree"]
    wide = senior.pivot(index=["org_code", "year"], columns="item", values="agree")
    wide = wide.rename(columns=lambda item: f"ss_q{item}_agree_pct")
    wide.columns.name = None
    return wide.reset_index()


def known_cqc_ratings() -> pd.DataFrame:
    """Every trust-level CQC rating found in either ratings file, once each.

    The derived file (``asaria-panel/CQC_ratings.csv``) keeps the latest rating of each provider
    as of early 2019; the official file of 3 September 2018 keeps the ratings then current, some
    of which were superseded by the time of the derived file. Together they give, for each trust,
    the ratings in force from September 2018 on and any rating then current. A rating in both
    files must agree; otherwise :class:`medlead.data.DataError` is raised.
    Out: ``org_code``, ``date``, ``population``, ``question``, ``rating``, ``file``.
    """
    from medlead.sources import asaria, cqc

    derived = asaria.load_cqc_ratings().assign(file="asaria-panel")
    official = (
        cqc.load_latest_ratings_2018()
        .rename(columns={"provider_id": "org_code"})
        .assign(file="cqc-ratings-2018")
    )
    columns = ["org_code", "date", "population", "question", "rating", "file"]
    both = pd.concat([derived[columns], official[columns]], ignore_index=True)
    both = both[both["population"] == "Overall"]
    key = ["org_code", "date", "question"]
    conflicts = both.groupby(key, observed=True)["rating"].nunique()
    if (conflicts > 1).any():
        first = conflicts[conflicts > 1].index[0]
        raise data.DataError(
            f"{asaria.CQC_ID} and {cqc.LATEST_2018_ID} give different ratings for {first}; "
            "one of the files has changed: fetch both again."
        )
    both["rating"] = both["rating"].astype(cqc.RATING_DTYPE)
    return both.drop_duplicates(key).sort_values(key).reset_index(drop=True)


def _cqc_in_force() -> pd.DataFrame:
    """Overall and Well-led ratings in force at each year's end, for years the files cover."""
    from medlead.sources import cqc

    ratings = known_cqc_ratings()
    latest = ratings["date"].max()
    covered = [y for y in PANEL_YEARS if pd.Timestamp(y, 4, 1) <= latest]
    frames = []
    for question, name in (("Overall", "cqc_overall"), ("Well-led", "cqc_well_led")):
        frame = cqc.ratings_in_force(ratings, covered, question)
        frames.append(frame.rename(columns={"rating": name, "rating_date": f"{name}_date"}))
    return frames[0].merge(frames[1], on=["org_code", "year"], how="outer")


def _yearly_measures() -> list[pd.DataFrame]:
    """Every measure keyed by ``(org_code, year)``."""
    from medlead.sources import asaria, staff_survey, workforce

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
    from medlead.sources import cqc

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
        pickle_atomically(panel, cached)
    _memo.clear()
    _memo[key] = panel
    return panel.copy()
