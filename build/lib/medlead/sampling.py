"""A purposive, maximum-variation sample of NHS trusts from the public trust panel.

Case-study research picks a handful of sites on purpose rather than at random: here, trusts that
differ as much as possible on what matters for the question (type, size, how staff rate senior
managers, the CQC's Well-led rating), while still covering every kind of trust and spreading over
foundation-trust status and regions. This module writes that rule down so anyone can rerun it:

1. :func:`sampling_frame` makes one row per trust for one financial year from the panel, with the
   variables the rule uses and a ``missing`` column naming any that are absent.
2. :func:`complete_cases` splits the frame into trusts that can be sampled and trusts that are
   excluded (and why). Nothing is ever filled in.
3. :func:`allocate_seats` shares the seats between strata (trust types): a minimum for each, the
   rest in proportion to the stratum's size (largest remainder; ties by stratum name).
4. :func:`maximum_variation_sample` picks the trusts one at a time (see its docstring for the
   rule) and says why each was picked.

The sample is deterministic given the frame, the parameters and the seed. The seed only chooses
the first trust; every later pick follows from it, so another seed can give a partly or wholly
different sample, but never a different number of seats per stratum.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from medlead import engagement

#: Ordered Well-led ratings and the numbers the rule uses for them.
WELL_LED_SCORES: dict[str, int] = {
    "Inadequate": 0, "Requires improvement": 1, "Good": 2, "Outstanding": 3,
}
#: Variables whose spread the rule maximises (after standardising each).
SPREAD_COLUMNS: tuple[str, ...] = ("log_size", "senior_manager_score", "well_led_score")
#: Variables the rule balances, in the order it applies them.
BALANCE_COLUMNS: tuple[str, ...] = ("foundation_trust", "region")
#: Columns of :func:`sampling_frame`'s result.
FRAME_COLUMNS: tuple[str, ...] = (
    "org_code", "org_name", "org_type", "region", "foundation_trust", "size_fte", "log_size",
    "senior_manager_score", "well_led", "well_led_score", "missing",
)
#: Years for which :func:`staff_size` can give a size, and where it comes from.
SIZE_SOURCES: dict[str, str] = {
    "2009-2015": "all_staff_fte of the Asaria panel (derived)",
    "2017": "HCHS staff at 30 September 2017, summed over staff groups (derived from official)",
    "2018": "HCHS staff at 30 June 2018, summed over staff groups (derived from official)",
}

_HCHS_DATES = {2017: "2017-09-30", 2018: "2018-06-30"}


@lru_cache(maxsize=1)
def _hchs_fte() -> pd.DataFrame:
    """NHS Digital's HCHS staff file, read once per process (reading the workbook is slow)."""
    from medlead.sources import workforce

    return workforce.load_hchs_fte()


def staff_size(panel: pd.DataFrame, year: int) -> pd.DataFrame:
    """Total staff, full-time equivalent, of every trust in one financial year.

    In: the trust panel (:func:`medlead.panel.trust_panel`) and a year. For 2009-2015 the size
    is the panel's ``all_staff_fte``; for 2017 and 2018 it is the sum over every staff group of
    NHS Digital's HCHS staff file (30 September 2017; 30 June 2018, inside financial year 2018).
    Out: ``org_code``, ``size_fte``. Other years raise :class:`ValueError` naming those covered.
    """
    if 2009 <= year <= 2015:
        rows = panel.loc[panel["year"] == year, ["org_code", "all_staff_fte"]]
        return rows.rename(columns={"all_staff_fte": "size_fte"}).reset_index(drop=True)
    if year in _HCHS_DATES:
        hchs = _hchs_fte()
        on_date = hchs[hchs["date"] == pd.Timestamp(_HCHS_DATES[year])]
        total = on_date.groupby("org_code", as_index=False)["fte"].sum()
        return total.rename(columns={"fte": "size_fte"})
    raise ValueError(
        f"No staff size for financial year {year}: sizes exist for "
        f"{', '.join(SIZE_SOURCES)}. Choose one of those years."
    )


def sampling_frame(
    panel: pd.DataFrame, year: int, size: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per trust of the panel in ``year``, with the variables the sampling rule uses.

    In: the trust panel (or any frame with its columns ``org_code``, ``year``, ``org_name``,
    ``org_type``, ``region``, ``foundation_trust``, the four senior-manager items and
    ``cqc_well_led``), a financial year, and optionally a size table (``org_code``,
    ``size_fte``); by default :func:`staff_size` of that year.

    Out: the columns of :data:`FRAME_COLUMNS`, sorted by ``org_code``:

    - ``size_fte``: total staff FTE (see :func:`staff_size`) and ``log_size`` its base-10
      logarithm, so that a trust twice another's size is the same step apart at any scale;
    - ``senior_manager_score``: the book's senior-manager score,
      :func:`medlead.engagement.senior_manager_score` over :data:`medlead.engagement.SCORE_ITEMS`
      (the mean percent agreeing that communication with senior managers is effective, that they
      involve staff in important decisions and that they act on staff feedback; item 8a, knowing
      who they are, is left out): derived; missing unless all three items are present;
    - ``well_led``: the CQC Well-led rating in force at the end of the year (official) and
      ``well_led_score`` its rank, 0 (Inadequate) to 3 (Outstanding);
    - ``missing``: the names of the variables with no value, joined by ``", "``; empty when the
      row is complete.
    """
    rows = panel[panel["year"] == year]
    if rows.empty:
        years = sorted(panel["year"].unique())
        raise ValueError(
            f"The panel has no rows for year {year}; it covers {years[0]}-{years[-1]}."
        )
    if size is None:
        size = staff_size(panel, year)
    if size["org_code"].duplicated().any():
        raise ValueError("The size table has more than one row for some org_code; keep one each.")
    frame = rows[["org_code", "org_name", "org_type", "region", "foundation_trust"]].merge(
        size[["org_code", "size_fte"]], on="org_code", how="left", validate="one_to_one"
    )
    frame["log_size"] = np.log10(frame["size_fte"].where(frame["size_fte"] > 0))
    # The book's one definition of the score (items 8b-8d), shared with the engagement chapter.
    frame["senior_manager_score"] = engagement.senior_manager_score(
        rows.astype({engagement.item_column(i): float for i in engagement.SCORE_ITEMS})
    ).to_numpy()
    frame["well_led"] = rows["cqc_well_led"].to_numpy()
    frame["well_led_score"] = (
        frame["well_led"].astype("string").map(WELL_LED_SCORES).astype("Float64").astype(float)
    )
    checked = ["org_type", "region", "foundation_trust", "size_fte", "senior_manager_score",
               "well_led"]
    absent = frame[checked].isna()
    frame["missing"] = [", ".join(c for c in checked if row[c]) for _, row in absent.iterrows()]
    return frame[list(FRAME_COLUMNS)].sort_values("org_code").reset_index(drop=True)


def complete_cases(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a sampling frame into the trusts that can be sampled and those excluded.

    In: the output of :func:`sampling_frame`. Out: ``(complete, excluded)``; ``excluded`` has
    ``org_code``, ``org_name``, ``org_type`` and ``missing`` (what it lacks). No value is filled in.
    """
    has_gap = frame["missing"] != ""
    excluded = frame.loc[has_gap, ["org_code", "org_name", "org_type", "missing"]]
    return frame[~has_gap].reset_index(drop=True), excluded.reset_index(drop=True)


def allocate_seats(stratum_sizes: pd.Series, n: int, minimum: int = 1) -> pd.Series:
    """Share ``n`` seats between strata: ``minimum`` each, the rest in proportion to size.

    In: the number of trusts in each stratum (index = stratum), the number of seats and the
    minimum per stratum. A stratum never gets more seats than it has trusts. The seats left after
    the minimum go by the largest-remainder method on each stratum's share of the frame; equal
    remainders go to the larger stratum, then to the stratum whose name sorts first.
    Out: seats per stratum (same index, sorted by name). Raises :class:`ValueError` when ``n``
    cannot give every stratum its minimum or exceeds the number of trusts.
    """
    sizes = stratum_sizes[stratum_sizes > 0].sort_index().astype(int)
    if n > sizes.sum():
        raise ValueError(f"Cannot pick {n} trusts from a frame of {sizes.sum()}.")
    floor = sizes.clip(upper=minimum)
    if floor.sum() > n:
        raise ValueError(
            f"{n} seats cannot give each of the {len(sizes)} strata its minimum of {minimum}; "
            f"raise n to at least {floor.sum()} or lower the minimum."
        )
    room = sizes - floor
    left_over = n - int(floor.sum())
    quota = sizes / sizes.sum() * left_over
    extra = np.minimum(np.floor(quota), room).astype(int)
    remainder = quota - np.floor(quota)
    order = sorted(sizes.index, key=lambda s: (-remainder[s], -sizes[s], s))
    while extra.sum() < left_over:  # terminates: n never exceeds the number of trusts
        for stratum in order:
            if extra.sum() < left_over and extra[stratum] < room[stratum]:
                extra[stratum] += 1
    seats = floor + extra
    return seats


def standardise(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Z-scores of ``columns`` over the frame (mean 0, population SD 1; a constant column is 0)."""
    values = frame[list(columns)].astype(float)
    spread = values.std(ddof=0).replace(0, 1.0)
    return (values - values.mean()) / spread


def _check(frame: pd.DataFrame, n: int, needed: list[str]) -> None:
    absent = [c for c in needed if c not in frame.columns]
    if absent:
        raise ValueError(f"The frame lacks column(s) {', '.join(absent)}; build it with "
                         "sampling_frame().")
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}.")
    if n > len(frame):
        raise ValueError(f"Cannot pick {n} trusts from a frame of {len(frame)}; lower n.")
    if frame["org_code"].duplicated().any():
        raise ValueError("The frame has more than one row for some org_code; keep one each.")
    gaps = frame[frame[needed].isna().any(axis=1)]
    if not gaps.empty:
        first = ", ".join(gaps["org_code"].head(5))
        raise ValueError(
            f"{len(gaps)} trust(s) have missing values in the sampling variables (first: {first}); "
            "drop them explicitly with complete_cases() before sampling."
        )


def maximum_variation_sample(
    frame: pd.DataFrame,
    n: int = 9,
    strata: str = "org_type",
    seed: int = 2017,
    minimum: int = 1,
    spread: Sequence[str] = SPREAD_COLUMNS,
    balance: Sequence[str] = BALANCE_COLUMNS,
) -> pd.DataFrame:
    """Pick ``n`` trusts that differ as much as possible, covering every stratum.

    The rule, step by step:

    1. Seats per stratum come from :func:`allocate_seats` (``minimum`` each, the rest in
       proportion).
    2. The ``spread`` variables are standardised over the frame (:func:`standardise`).
    3. First pick: a trust drawn at random (``numpy.random.default_rng(seed)``) from the frame,
       sorted by ``org_code``, among strata with a seat.
    4. Every later pick: start from the unpicked trusts in strata that still have a seat open.
       For each ``balance`` column in turn, keep only the trusts whose value is the least
       represented so far in the sample (a region not yet in the sample beats one that is; the
       less common foundation-trust status beats the more common). Among those left, pick the
       trust farthest from its nearest already-picked trust (Euclidean distance on the
       standardised variables); equal distances (to 1e-9) go to the smallest ``org_code``.

    In: a frame of complete cases (:func:`complete_cases`); missing values in the columns used
    raise :class:`ValueError`, as does ``n`` larger than the frame.
    Out: the picked rows, in order of picking, with the frame's columns plus ``pick`` (1..n),
    ``distance`` (to the nearest earlier pick; empty for the first) and ``reason`` (in words).
    """
    spread, balance = list(spread), list(balance)
    _check(frame, n, ["org_code", strata, *spread, *balance])
    frame = frame.sort_values("org_code").reset_index(drop=True)
    seats = allocate_seats(frame[strata].value_counts(), n, minimum)
    z = standardise(frame, spread).to_numpy()
    open_seats = seats.to_dict()
    chosen: list[int] = []
    distances: list[float] = []
    reasons: list[str] = []

    stratum_of = frame[strata].astype(object)

    def with_open_seat() -> np.ndarray:
        return stratum_of.map(lambda s: open_seats.get(s, 0) > 0).to_numpy(dtype=bool)

    eligible = frame.index[with_open_seat()]
    first = int(eligible[np.random.default_rng(seed).integers(len(eligible))])
    chosen.append(first)
    distances.append(np.nan)
    reasons.append(
        f"first pick, drawn at random (seed {seed}) from {len(eligible)} eligible"
    )
    open_seats[stratum_of[first]] -= 1

    while len(chosen) < n:
        candidates = frame.index[
~frame.index.isin(chosen) & with_open_seat()]
        before = frame.loc[chosen]
        for column in balance:
            counts = before[column].value_counts().to_dict()
            among = np.array([counts.get(v, 0) for v in frame.loc[candidates, column]])
            candidates = candidates[among == among.min()]
        gaps = np.sqrt(((z[candidates][:, None, :] - z[chosen][None, :, :]) ** 2).sum(axis=2))
        nearest = np.round(gaps.min(axis=1), 9)
        best = candidates[nearest == nearest.max()]
        pick = int(min(best, key=lambda i: frame.at[i, "org_code"]))
        stratum = stratum_of[pick]
        notes = [_balance_note(c, frame.at[pick, c], int((before[c] == frame.at[pick, c]).sum()))
                 for c in balance]
        reasons.append(
            f"farthest from the earlier picks (distance {nearest.max():.2f}) of "
            f"{len(candidates)} eligible; " + "; ".join(notes)
        )
        distances.append(float(nearest.max()))
        chosen.append(pick)
        open_seats[stratum] -= 1

    sample = frame.loc[chosen].copy()
    sample.insert(0, "pick", range(1, n + 1))
    sample["distance"] = distances
    sample["reason"] = reasons
    return sample.reset_index(drop=True)


def _balance_note(column: str, value: object, count: int) -> str:
    """Say what the pick brings to a balance column: its value and how many picks had it before."""
    if column == "foundation_trust":
        label = "foundation trust" if value else "not a foundation trust"
    else:
        label = f"{column} {value}"
    return f"{label} (first such pick)" if count == 0 else f"{label} ({count} before)"


def coverage(frame: pd.DataFrame, sample: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """How much of the frame's range each variable's sample values span.

    Out: one row per column: frame minimum and maximum, sample minimum and maximum, and the
    share of the frame's range covered by the sample's range (percent, one decimal).
    """
    rows = []
    for column in columns:
        low, high = frame[column].min(), frame[column].max()
        s_low, s_high = sample[column].min(), sample[column].max()
        share = 100.0 if high == low else 100 * (s_high - s_low) / (high - low)
        rows.append({"variable": column, "frame_min": low, "frame_max": high,
                     "sample_min": s_low, "sample_max": s_high,
                     "range_covered_pct": round(float(share), 1)})
    return pd.DataFrame(rows).set_index("variable")
