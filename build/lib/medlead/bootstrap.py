"""Seeded cluster bootstrap for rates by group: how sure can we be, given so few witnesses?

Counts from testimony are clustered. A witness answers dozens or hundreds of questions, and turns
by the same person resemble each other far more than turns by different people, so treating turns
as independent makes every interval too narrow. The honest unit of resampling is the witness:
:func:`bootstrap_ratio_by_group` draws witnesses with replacement *within each group* (keeping the
group's number of witnesses fixed), recomputes the group's ratio of sums on each replicate and
reports percentile intervals.

Two ratios cover the book's uses:

- :func:`share_of_turns`: the share of a group's turns in which a code (a boolean column) occurs;
- :func:`rate_per_thousand`: occurrences (a count column) per 1,000 words spoken;

and :func:`difference_between_groups` bootstraps the difference of a ratio between two groups.

Everything is vectorised with numpy: each group's totals are aggregated once per witness, the
replicates are a (reps x witnesses) matrix of draw counts, and every ratio for every code is one
matrix product, so 1,000 replicates of all codes for all groups take well under a second.

Determinism. Each group gets its own random stream, seeded from ``seed`` and a CRC-32 checksum of
the group's name (not Python's salted ``hash``), so a group's interval is the same whichever other
groups are in the table and however the rows are ordered.

Degenerate groups. A group with a single witness has no between-witness variation to resample:
its point estimate is reported with ``lower`` and ``upper`` left empty (NaN) and ``note`` saying
why, instead of a zero-width interval that would look like certainty.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

#: Columns of the tidy table that :func:`bootstrap_ratio_by_group` returns, in order.
ESTIMATE_COLUMNS: tuple[str, ...] = (
    "group", "measure", "numerator", "denominator", "estimate", "lower", "upper", "n_clusters",
    "n_rows", "reps", "note",
)

#: The ``note`` of a group with one witness (no interval is computed).
SINGLE_CLUSTER_NOTE = "one cluster: no interval"


class BootstrapError(ValueError):
    """The input cannot be bootstrapped as asked (a missing column, no rows...); says how to fix."""


def _check_columns(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise BootstrapError(
            f"The table has no column(s) {', '.join(map(repr, missing))}; "
            f"it has {', '.join(map(str, frame.columns))}."
        )


def group_stream(seed: int, group: object) -> np.random.Generator:
    """The random generator for one group: seeded by ``seed`` and a CRC-32 of the group's name."""
    return np.random.default_rng([int(seed), zlib.crc32(str(group).encode("utf-8"))])


def cluster_totals(
    frame: pd.DataFrame, numerators: Sequence[str], denominator: str | None, cluster: str | None
) -> tuple[np.ndarray, np.ndarray, int]:
    """Sum each numerator column and the denominator per cluster (one group's rows).

    In: the rows of one group, numerator columns (booleans or counts), the denominator column
    (``None`` counts rows) and the cluster column (``None`` makes every row its own cluster).
    Out: a (clusters x numerators) array, a (clusters,) array of denominators, and the number of
    clusters. Clusters are in sorted order of their ids, so results do not depend on row order.
    """
    values = frame.loc[:, list(numerators)].to_numpy(dtype=float)
    weights = (np.ones(len(frame)) if denominator is None
               else frame[denominator].to_numpy(dtype=float))
    if cluster is None:
        order = np.arange(len(frame))
        return values[order], weights[order], len(frame)
    codes, uniques = pd.factorize(frame[cluster], sort=True)
    n_clusters = len(uniques)
    totals = np.zeros((n_clusters, values.shape[1]))
    np.add.at(totals, codes, values)
    denominators = np.bincount(codes, weights=weights, minlength=n_clusters)
    return totals, denominators, n_clusters


def replicate_ratios(
    totals: np.ndarray, denominators: np.ndarray, reps: int, rng: np.random.Generator
) -> np.ndarray:
    """Bootstrap replicates of the ratio of sums for every numerator column at once.

    In: per-cluster totals (clusters x k), per-cluster denominators, the number of replicates and
    a generator. Each replicate draws as many clusters as there are, with replacement.
    Out: a (reps x k) array of sum(numerator) / sum(denominator); a replicate whose denominator
    sums to zero gives NaN.
    """
    n_clusters = len(denominators)
    draws = rng.integers(0, n_clusters, size=(reps, n_clusters))
    # counts[r, c]: how many times cluster c was drawn in replicate r
    counts = np.zeros((reps, n_clusters))
    np.add.at(counts, (np.repeat(np.arange(reps), n_clusters), draws.ravel()), 1.0)
    numerator = counts @ totals
    denominator = counts @ denominators
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator[:, None] > 0, numerator / denominator[:, None], np.nan)


def _interval(replicates: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    tail = 100 * (1 - level) / 2
    with np.errstate(invalid="ignore"):
        lower, upper = np.nanpercentile(replicates, [tail, 100 - tail], axis=0)
    return lower, upper


def _check_options(reps: int, level: float) -> None:
    if int(reps) < 1:
        raise BootstrapError(f"reps must be a positive whole number, not {reps!r}.")
    if not 0 < level < 1:
        raise BootstrapError(f"level must be between 0 and 1 (e.g. 0.95), not {level!r}.")


def bootstrap_ratio_by_group(
    frame: pd.DataFrame,
    numerators: Sequence[str],
    denominator: str | None = None,
    group: str = "group",
    cluster: str | None = "person_id",
    reps: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    scale: float = 1.0,
    measure: str = "ratio",
) -> pd.DataFrame:
    """Point estimates and cluster-bootstrap percentile intervals of a ratio of sums, by group.

    In: one row per unit of text (a turn), numerator columns (booleans or counts), the
    denominator column (``None``: count rows), the grouping column, the cluster column (the
    witness; ``None`` resamples rows instead), replicates, seed, interval level, a multiplier
    (1000 for a rate per 1,000 words) and a name for the measure.
    Out: a tidy table (:data:`ESTIMATE_COLUMNS`), one row per group and numerator: ``estimate``
    = scale * sum(numerator) / sum(denominator) over the group's rows; ``lower``/``upper`` the
    percentile interval of the replicates (NaN for a group with one cluster, ``note`` says so);
    ``n_clusters`` and ``n_rows`` what it rests on. Groups appear in sorted order (categories'
    order for a categorical), numerators in the order given. Empty groups of a categorical are
    left out.

    Raises :class:`BootstrapError` for missing columns, an empty table, no numerators, a
    non-positive ``reps`` or a ``level`` outside (0, 1).
    """
    numerators = list(numerators)
    if not numerators:
        raise BootstrapError("Give at least one numerator column to estimate.")
    needed = [*numerators, group, *([denominator] if denominator else []),
              *([cluster] if cluster else [])]
    _check_columns(frame, needed)
    _check_options(reps, level)
    if frame.empty:
        raise BootstrapError("The table has no rows to bootstrap.")
    rows = []
    for name, part in frame.groupby(group, observed=True, sort=True):
        totals, denominators, n_clusters = cluster_totals(part, numerators, denominator, cluster)
        total_denominator = denominators.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            estimate = scale * totals.sum(axis=0) / total_denominator
        if total_denominator <= 0:
            estimate = np.full(len(numerators), np.nan)
        if n_clusters > 1:
            replicates = scale * replicate_ratios(totals, denominators, int(reps),
                                                  group_stream(seed, name))
            lower, upper = _interval(replicates, level)
            note = ""
        else:
            lower = upper = np.full(len(numerators), np.nan)
            note = SINGLE_CLUSTER_NOTE
        for k, column in enumerate(numerators):
            rows.append({
                "group": name, "measure": measure, "numerator": column,
                "denominator": denominator or "rows", "estimate": float(estimate[k]),
                "lower": float(lower[k]), "upper": float(upper[k]), "n_clusters": n_clusters,
                "n_rows": len(part), "reps": int(reps), "note": note,
            })
    return pd.DataFrame(rows, columns=list(ESTIMATE_COLUMNS))


def share_of_turns(
    turns: pd.DataFrame, codes: Sequence[str], group: str = "group",
    cluster: str | None = "person_id", reps: int = 1000, seed: int = 0, level: float = 0.95,
) -> pd.DataFrame:
    """Share of each group's turns flagged with each code (boolean columns), with intervals.

    A thin wrapper of :func:`bootstrap_ratio_by_group` (denominator: number of turns;
    measure ``"share_of_turns"``); estimates are proportions between 0 and 1.
    """
    return bootstrap_ratio_by_group(turns, codes, None, group, cluster, reps, seed, level,
                                    scale=1.0, measure="share_of_turns")


def rate_per_thousand(
    turns: pd.DataFrame, counts: Sequence[str], words: str = "n_words", group: str = "group",
    cluster: str | None = "person_id", reps: int = 1000, seed: int = 0, level: float = 0.95,
) -> pd.DataFrame:
    """Occurrences per 1,000 words by group (count columns over ``words``), with intervals.

    A thin wrapper of :func:`bootstrap_ratio_by_group` (scale 1,000; measure ``"per_1000"``).
    """
    return bootstrap_ratio_by_group(turns, counts, words, group, cluster, reps, seed, level,
                                    scale=1000.0, measure="per_1000")


def difference_between_groups(
    frame: pd.DataFrame,
    numerators: Sequence[str],
    group_a: object,
    group_b: object,
    denominator: str | None = None,
    group: str = "group",
    cluster: str | None = "person_id",
    reps: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    scale: float = 1.0,
) -> pd.DataFrame:
    """Bootstrap the difference of a ratio between two groups (A minus B), by numerator.

    Each group is resampled within itself from its own stream (the same streams as
    :func:`bootstrap_ratio_by_group`), so the replicates of the difference are the differences
    of the groups' replicates. Out: one row per numerator with ``estimate_a``, ``estimate_b``,
    ``difference``, ``lower``, ``upper``, ``n_clusters_a``, ``n_clusters_b`` and ``note``.
    If either group has a single cluster, the interval is NaN and ``note`` says so.
    Raises :class:`BootstrapError` if a group has no rows.
    """
    numerators = list(numerators)
    needed = [*numerators, group, *([denominator] if denominator else []),
              *([cluster] if cluster else [])]
    _check_columns(frame, needed)
    _check_options(reps, level)
    results = {}
    for name in (group_a, group_b):
        part = frame.loc[frame[group] == name]
        if part.empty:
            raise BootstrapError(f"No rows with {group} == {name!r}; check the group's name.")
        totals, denominators, n_clusters = cluster_totals(part, numerators, denominator, cluster)
        estimate = scale * totals.sum(axis=0) / denominators.sum()
        replicates = (scale * replicate_ratios(totals, denominators, int(reps),
                                               group_stream(seed, name))
                      if n_clusters > 1 else None)
        results[name] = (estimate, replicates, n_clusters)
    (est_a, rep_a, n_a), (est_b, rep_b, n_b) = results[group_a], results[group_b]
    if rep_a is None or rep_b is None:
        lower = upper = np.full(len(numerators), np.nan)
        note = SINGLE_CLUSTER_NOTE
    else:
        lower, upper = _interval(rep_a - rep_b, level)
        note = ""
    return pd.DataFrame({
        "numerator": numerators, "group_a": str(group_a), "group_b": str(group_b),
        "estimate_a": est_a, "estimate_b": est_b, "difference": est_a - est_b,
        "lower": lower, "upper": upper, "n_clusters_a": n_a, "n_clusters_b": n_b,
        "reps": int(reps), "note": note,
    })
