"""Agreement between two codings of the same units: Cohen's kappa, Krippendorff's alpha.

A *coding* here is a presence table: one row per unit (a witness turn, a paragraph...), one column
per code, and 1 where the code was applied to the unit, 0 where it was not. Two codings of the same
units (say, a reference coding by reading and the keyword-assisted one) are compared code by code
with :func:`agreement_by_code`, which returns the 2x2 counts behind every statistic so a reader can
check them by hand.

The statistics come from well-kept libraries: :func:`sklearn.metrics.cohen_kappa_score` and
:func:`krippendorff.alpha` (nominal level). What they cannot tell you:

- With rare codes (low prevalence) kappa and alpha can be low even when raw agreement is high: the
  "kappa paradox". Always read them beside the counts and the prevalence.
- When neither coder (or both coders, on every unit) used a code, chance agreement is total and the
  statistics are undefined. They are returned as NaN with the reason in the ``note`` column, never
  as a misleading 0 or 1.
  The prevalence- and bias-adjusted kappa (PABAK, ``2 * percent_agreement - 1``; Byrt, Bishop
  and Carlin 1993) is given beside them for that reason; it is not a substitute for them.
- Agreement is not validity: two codings can agree and both be wrong.
"""

from __future__ import annotations

from collections.abc import Sequence

import krippendorff
import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score

#: Columns of the table returned by :func:`agreement_by_code`, in order.
AGREEMENT_COLUMNS: list[str] = [
    "code",
    "n_units",
    "both",
    "only_a",
    "only_b",
    "neither",
    "prevalence_a",
    "prevalence_b",
    "percent_agreement",
    "cohen_kappa",
    "krippendorff_alpha",
    "pabak",
    "note",
]


class ReliabilityError(ValueError):
    """The two codings cannot be compared (different units or codes, values other than 0/1)."""


def presence_table(
    segments: pd.DataFrame,
    units: Sequence[str],
    codes: Sequence[str],
    unit_column: str = "unit_id",
    code_column: str = "code",
) -> pd.DataFrame:
    """Turn a long table of applied codes into a 0/1 presence table.

    ``segments`` has one row per (unit, code) application (duplicates are fine). ``units`` and
    ``codes`` list every unit and code to include, so units that received no code still count as
    zeros. Returns a DataFrame indexed by unit (in the order given) with one int column per code.
    A segment whose unit or code is not listed raises :class:`ReliabilityError`.
    """
    units = list(units)
    codes = list(codes)
    unknown_units = sorted(set(segments[unit_column]) - set(units))
    unknown_codes = sorted(set(segments[code_column]) - set(codes))
    if unknown_units or unknown_codes:
        raise ReliabilityError(
            "The coded segments mention "
            + (f"units not in the unit list: {unknown_units[:5]} " if unknown_units else "")
            + (f"codes not in the code list: {unknown_codes[:5]}" if unknown_codes else "")
            + ". Pass every unit and code that was coded."
        )
    table = pd.DataFrame(0, index=pd.Index(units, name=unit_column), columns=codes, dtype=int)
    pairs = segments[[unit_column, code_column]].drop_duplicates()
    for unit, code in pairs.itertuples(index=False):
        table.loc[unit, code] = 1
    return table


def _check_binary(table: pd.DataFrame, name: str) -> None:
    values = pd.unique(table.to_numpy().ravel())
    bad = sorted({str(v) for v in values if not (v in (0, 1) and not pd.isna(v))})
    if bad:
        raise ReliabilityError(
            f"Coding {name} holds values other than 0 and 1: {bad[:5]}. "
            "Use 1 where a code was applied to a unit and 0 where it was not."
        )


def _degenerate_reason(a: np.ndarray, b: np.ndarray) -> str:
    if a.sum() == 0 and b.sum() == 0:
        return "neither coding used this code: kappa and alpha undefined"
    if a.sum() == len(a) and b.sum() == len(b):
        return "both codings applied this code to every unit: kappa and alpha undefined"
    return ""


def agreement_by_code(coding_a: pd.DataFrame, coding_b: pd.DataFrame) -> pd.DataFrame:
    """Compare two 0/1 presence tables of the same units, code by code.

    Both tables must have the same index (units) and the same columns (codes); row order may
    differ. Returns one row per code with the columns :data:`AGREEMENT_COLUMNS`:

    - ``both``, ``only_a``, ``only_b``, ``neither``: the 2x2 table of counts;
    - ``prevalence_a``/``prevalence_b``: share of units each coding marked with the code;
    - ``percent_agreement``: share of units where the two codings agree (0-1);
    - ``cohen_kappa``: scikit-learn's Cohen's kappa; ``krippendorff_alpha``: nominal alpha;
    - ``pabak``: prevalence- and bias-adjusted kappa, ``2 * percent_agreement - 1``;
    - ``note``: why a statistic is NaN (a code nobody used, or used everywhere), else empty.
    """
    if set(coding_a.index) != set(coding_b.index) or len(coding_a) != len(coding_b):
        only_a = sorted(map(str, set(coding_a.index) - set(coding_b.index)))
        only_b = sorted(map(str, set(coding_b.index) - set(coding_a.index)))
        raise ReliabilityError(
            "The two codings do not cover the same units "
            f"(only in A: {only_a[:5]}; only in B: {only_b[:5]}; or duplicated units). "
            "Compare codings of one and the same sample."
        )
    if coding_a.index.has_duplicates:
        raise ReliabilityError("Coding A lists a unit twice; each unit must appear once.")
    if set(coding_a.columns) != set(coding_b.columns):
        raise ReliabilityError(
            "The two codings use different codes: only in A "
            f"{sorted(set(coding_a.columns) - set(coding_b.columns))}, only in B "
            f"{sorted(set(coding_b.columns) - set(coding_a.columns))}."
        )
    if len(coding_a) == 0:
        raise ReliabilityError("The codings hold no units; there is nothing to compare.")
    _check_binary(coding_a, "A")
    _check_binary(coding_b, "B")
    coding_b = coding_b.loc[coding_a.index]

    rows = []
    for code in coding_a.columns:
        a = coding_a[code].to_numpy(dtype=int)
        b = coding_b[code].to_numpy(dtype=int)
        n = len(a)
        reason = _degenerate_reason(a, b)
        if reason:
            kappa = alpha = float("nan")
        else:
            kappa = float(cohen_kappa_score(a, b, labels=[0, 1]))
            alpha = float(
                krippendorff.alpha(
                    reliability_data=np.vstack([a, b]), level_of_measurement="nominal"
                )
            )
        rows.append(
            {
                "code": code,
                "n_units": n,
                "both": int(((a == 1) & (b == 1)).sum()),
                "only_a": int(((a == 1) & (b == 0)).sum()),
                "only_b": int(((a == 0) & (b == 1)).sum()),
                "neither": int(((a == 0) & (b == 0)).sum()),
                "prevalence_a": a.mean(),
                "prevalence_b": b.mean(),
                "percent_agreement": float((a == b).mean()),
                "cohen_kappa": kappa,
                "krippendorff_alpha": alpha,
                "pabak": 2 * float((a == b).mean()) - 1,
                "note": reason,
            }
        )
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)


def krippendorff_alpha_nominal(ratings: pd.DataFrame | Sequence[Sequence[float]]) -> float:
    """Krippendorff's alpha (nominal) for any number of coders, with missing ratings allowed.

    ``ratings`` has one row per coder and one column per unit; a missing rating is NaN.
    Values are category labels coded as numbers. Returns NaN when fewer than two distinct values
    occur (alpha is undefined then). Raises :class:`ReliabilityError` if fewer than two coders
    are given or no unit was rated by at least two coders.
    """
    data = np.asarray(ratings, dtype=float)
    if data.ndim != 2 or data.shape[0] < 2:
        raise ReliabilityError(
            "Krippendorff's alpha needs a table with one row per coder (at least two rows) "
            "and one column per unit."
        )
    pairable = (~np.isnan(data)).sum(axis=0) >= 2
    if not pairable.any():
        raise ReliabilityError(
            "No unit was rated by two or more coders, so alpha cannot be computed."
        )
    values = np.unique(data[~np.isnan(data)])
    if len(values) < 2:
        return float("nan")
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
