"""Building the tables of the chapter "Engagement, management and performance".

Plain functions over the trust panel (:func:`medlead.panel.trust_panel`):

- :func:`add_performance`: join A&E 4-hour and RTT 18-week performance to the panel.
- :func:`senior_manager_score`: one score per trust-year from the staff-survey items on senior
  managers (mean percent agreeing over the chosen items).
- :func:`manager_share`: managers as a share of managers plus consultants (FTE).
- :func:`cross_section`: one row per trust, each measure taken from the year you choose.
- :func:`rating_band`: collapse CQC ratings into two bands for a difference in means.

Every function returns a new object and leaves its input unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from medlead.sources import performance

#: The staff-survey items on senior managers in the panel (wording in ``NHS_SS_questions.csv``).
SENIOR_MANAGER_ITEMS: tuple[str, ...] = ("8a", "8b", "8c", "8d")

#: The book's one definition of the *senior-manager score*: the items averaged into it. Item 8a
#: ("I know who the senior managers are here") is about visibility, not a view of how senior
#: managers manage, so it is left out; every chapter that reports the score uses these items.
SCORE_ITEMS: tuple[str, ...] = ("8b", "8c", "8d")

#: Trust characteristics that do not change from year to year in the panel.
TRUST_COLUMNS: tuple[str, ...] = (
    "org_code", "org_name", "org_type", "region", "foundation_trust"
)

#: The two bands of :func:`rating_band`, lower first.
RATING_BANDS: tuple[str, ...] = ("Inadequate or Requires improvement", "Good or Outstanding")


def item_column(item: str) -> str:
    """The panel column of a senior-manager item: ``"8c"`` -> ``"ss_q8c_agree_pct"``."""
    if item not in SENIOR_MANAGER_ITEMS:
        raise ValueError(
            f"Unknown staff-survey item {item!r}; "
            f"the panel holds {', '.join(SENIOR_MANAGER_ITEMS)}."
        )
    return f"ss_q{item}_agree_pct"


def add_performance(
    panel: pd.DataFrame,
    ae: pd.DataFrame | None = None,
    rtt: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return ``panel`` with ``ae_4h_pct`` and ``rtt_18w_pct`` joined on ``(org_code, year)``.

    In: the trust panel; optionally the tables of :func:`medlead.sources.performance.load_ae`
    and :func:`~medlead.sources.performance.load_rtt` (loaded from the source files if omitted).
    Out: a copy of the panel with the two columns added (missing where a trust has no value that
    year); the rows are the panel's, unchanged in number and order.
    """
    ae = performance.load_ae() if ae is None else ae
    rtt = performance.load_rtt() if rtt is None else rtt
    joined = panel.merge(
        ae[["org_code", "year", "ae_4h_pct"]], on=["org_code", "year"], how="left",
        validate="one_to_one",
    ).merge(
        rtt[["org_code", "year", "rtt_18w_pct"]], on=["org_code", "year"], how="left",
        validate="one_to_one",
    )
    joined.index = panel.index
    return joined


def senior_manager_score(
    panel: pd.DataFrame, items: Sequence[str] = SCORE_ITEMS
) -> pd.Series:
    """Mean percent of staff agreeing with the chosen senior-manager items, per row.

    In: the panel (or any table with the ``ss_q8*_agree_pct`` columns) and a list of items; by
    default :data:`SCORE_ITEMS`, the book's definition of the score.
    Out: a Series aligned with the panel, named ``senior_manager_score``; missing where any
    chosen item is missing that year (no partial averages).
    """
    if not items:
        raise ValueError("Choose at least one staff-survey item, e.g. ['8b', '8c', '8d'].")
    columns = [item_column(item) for item in items]
    return panel[columns].mean(axis=1, skipna=False).rename("senior_manager_score")


def manager_share(panel: pd.DataFrame) -> pd.Series:
    """Managers' share of managers plus consultants (FTE), 0..1, per row.

    A bounded measure of the balance between the two groups: unlike a ratio of managers to
    consultants it stays finite for trusts with almost no consultants (ambulance trusts).
    Missing when either count is missing or both are zero.
    """
    managers = panel["managers_fte"].astype(float)
    consultants = panel["consultants_fte"].astype(float)
    total = managers + consultants
    return (managers / total.where(total > 0)).rename("manager_share")


def cross_section(
    panel: pd.DataFrame,
    measures: Mapping[str, int],
    trust_columns: Sequence[str] = TRUST_COLUMNS,
) -> pd.DataFrame:
    """One row per trust, with each measure taken from the year given for it.

    In: a panel (one row per ``org_code`` and ``year``); ``measures`` maps a column to the year
    to take it from (e.g. ``{"senior_manager_score": 2017, "cqc_well_led": 2018}``); the
    trust-level columns to keep.
    Out: one row per trust that appears in the panel, sorted by ``org_code``, with the trust
    columns and one column per measure (missing where the trust has no value that year).
    """
    missing = [c for c in [*measures, *trust_columns, "year"] if c not in panel.columns]
    if missing:
        raise KeyError(f"Column(s) {', '.join(missing)} not in the panel.")
    if panel.duplicated(["org_code", "year"]).any():
        raise ValueError("The panel has more than one row for some (org_code, year).")
    table = (
        panel[list(trust_columns)].drop_duplicates("org_code").sort_values("org_code")
        .set_index("org_code", drop=False)
    )
    for column, year in measures.items():
        values = panel.loc[panel["year"] == year].set_index("org_code")[column]
        table[column] = values.reindex(table.index)
    return table.reset_index(drop=True)


def rating_band(ratings: pd.Series) -> pd.Series:
    """Collapse CQC ratings (ordered categorical) into two ordered bands, NaN kept.

    Inadequate and Requires improvement become the lower band of :data:`RATING_BANDS`; Good and
    Outstanding the upper one.
    """
    if not isinstance(ratings.dtype, pd.CategoricalDtype):
        raise ValueError(f"{ratings.name!r} must hold CQC ratings as an ordered categorical.")
    upper = ratings.isin(["Good", "Outstanding"])
    labels = np.where(upper, RATING_BANDS[1], RATING_BANDS[0])
    banded = pd.Series(labels, index=ratings.index, name=ratings.name).where(ratings.notna())
    return banded.astype(pd.CategoricalDtype(list(RATING_BANDS), ordered=True))
