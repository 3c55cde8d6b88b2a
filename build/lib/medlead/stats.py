"""Effect sizes with confidence intervals: plain functions over pandas DataFrames.

The book's quantitative chapters report *how big* an association is and *how sure* we can be of
it, not only whether a p-value crosses 0.05. Every function here takes a DataFrame and column
names and returns a tidy :class:`pandas.Series` or :class:`pandas.DataFrame` with the estimate,
its confidence interval and the number of observations used (rows with a missing value in a
column the function needs are dropped, and the count says how many were left).

- :func:`correlation`: Pearson or Spearman correlation with a Fisher-z (or bootstrap) interval;
  :func:`correlation_table` runs it over several pairs.
- :func:`group_means`: mean of a score by group (e.g. by CQC rating, an ordered category) with
  t intervals: a summary that respects an ordinal outcome.
- :func:`mean_difference`: Welch difference in means between two groups with its interval, and
  Hedges' *g* (:func:`hedges_g`) as a standardised effect size.
- :func:`bootstrap`: a seeded percentile bootstrap of any statistic, resampling rows or whole
  clusters (e.g. trusts, whose rows repeat across years in a panel).
- :func:`ols_clustered`: an adjusted linear model from a formula, with standard errors robust to
  clustering by trust, as a tidy coefficient table.
- :func:`holm_adjust`: Holm's step-down adjustment of several p-values.

Randomness always comes from ``numpy.random.default_rng(seed)``, so results repeat exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats as sps

CORRELATION_METHODS: tuple[str, ...] = ("pearson", "spearman")


def _numeric(series: pd.Series) -> pd.Series:
    """Numbers from a column: an ordered categorical becomes its codes 0, 1, 2..., NaN stays NaN."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        if not series.cat.ordered:
            raise ValueError(
                f"Column {series.name!r} is an unordered category; only an ordered category "
                "(e.g. CQC ratings Inadequate < ... < Outstanding) can be turned into ranks."
            )
        codes = series.cat.codes.astype(float)
        return codes.where(series.notna())
    return pd.to_numeric(series, errors="raise").astype(float)


def _complete(data: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Rows of ``data`` with no missing value in ``columns``; a clear error for an absent column."""
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise KeyError(
            f"Column(s) {', '.join(map(repr, missing))} not in the data; "
            f"available: {', '.join(map(str, data.columns))}."
        )
    return data.dropna(subset=list(columns))


def _check_conf(conf: float) -> float:
    if not 0 < conf < 1:
        raise ValueError(f"conf must be between 0 and 1 (e.g. 0.95), got {conf!r}.")
    return conf


def fisher_z_interval(
    r: float, n: int, conf: float = 0.95, method: str = "pearson"
) -> tuple[float, float]:
    """Confidence interval for a correlation ``r`` from ``n`` pairs, via Fisher's z = atanh(r).

    The standard error of z is 1/sqrt(n - 3) for Pearson's r, and sqrt((1 + r**2 / 2) / (n - 3))
    for Spearman's rho (Bonett & Wright, 2000, *Psychometrika* 65:23-28). Returns ``(nan, nan)``
    when n < 4 or |r| = 1.
    """
    _check_conf(conf)
    if method not in CORRELATION_METHODS:
        raise ValueError(f"method must be one of {CORRELATION_METHODS}, got {method!r}.")
    if n < 4 or not np.isfinite(r) or abs(r) >= 1:
        return (np.nan, np.nan)
    z = np.arctanh(r)
    variance = 1.0 if method == "pearson" else 1.0 + r**2 / 2.0
    se = np.sqrt(variance / (n - 3))
    crit = sps.norm.ppf(0.5 + conf / 2)
    return (float(np.tanh(z - crit * se)), float(np.tanh(z + crit * se)))


def _corr(x: np.ndarray, y: np.ndarray, method: str) -> float:
    """Pearson's r, or Spearman's rho as Pearson's r of mid-ranks; NaN if either is constant."""
    if method == "spearman":
        x, y = sps.rankdata(x), sps.rankdata(y)
    x, y = x - x.mean(), y - y.mean()
    denominator = np.sqrt((x @ x) * (y @ y))
    return float(x @ y / denominator) if denominator > 0 else np.nan


def resample_indices(
    n_rows: int,
    reps: int,
    seed: int = 0,
    clusters: np.ndarray | pd.Series | None = None,
) -> list[np.ndarray]:
    """Row positions for ``reps`` bootstrap resamples of a table with ``n_rows`` rows.

    Without ``clusters``, each resample draws ``n_rows`` positions with replacement. With
    ``clusters`` (one label per row), each resample draws as many clusters as there are, with
    replacement, and takes every row of each drawn cluster (so a resample's length varies).
    The same seed gives the same list.
    """
    if reps < 1:
        raise ValueError(f"reps must be a positive number of replicates, got {reps!r}.")
    rng = np.random.default_rng(seed)
    if clusters is None:
        return [rng.integers(0, n_rows, size=n_rows) for _ in range(reps)]
    labels_per_row = np.asarray(clusters)
    if len(labels_per_row) != n_rows:
        raise ValueError(f"clusters has {len(labels_per_row)} labels for {n_rows} rows.")
    labels, inverse = np.unique(labels_per_row, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    starts = np.searchsorted(inverse[order], np.arange(len(labels)))
    stops = np.append(starts[1:], n_rows)
    members = [order[a:b] for a, b in zip(starts, stops, strict=True)]
    out = []
    for _ in range(reps):
        drawn = rng.integers(0, len(labels), size=len(labels))
        out.append(np.concatenate([members[k] for k in drawn]))
    return out


def bootstrap(
    data: pd.DataFrame,
    statistic: Callable[[pd.DataFrame], float],
    reps: int = 2000,
    seed: int = 0,
    cluster: str | None = None,
) -> np.ndarray:
    """Bootstrap replicates of ``statistic(data)``: an array of ``reps`` values.

    In: a DataFrame, a function from a DataFrame to one number, the number of replicates, a
    seed, and optionally a ``cluster`` column. With ``cluster``, whole clusters are drawn with
    replacement (every row of a drawn trust comes along), which keeps the dependence between a
    trust's repeated rows; without it, rows are drawn (see :func:`resample_indices`).
    Replicates where the statistic is not finite (e.g. a constant resample) are kept as NaN.
    Out: a float array of length ``reps``; the same seed gives the same array.
    """
    if cluster is not None:
        data = _complete(data, [cluster])
    labels = data[cluster].to_numpy() if cluster is not None else None
    samples = resample_indices(len(data), reps, seed, labels)
    return np.array([statistic(data.iloc[rows]) for rows in samples], dtype=float)


def percentile_interval(replicates: np.ndarray, conf: float = 0.95) -> tuple[float, float]:
    """The percentile bootstrap interval: the (1-conf)/2 and (1+conf)/2 quantiles, NaNs ignored."""
    _check_conf(conf)
    finite = np.asarray(replicates, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return (np.nan, np.nan)
    low, high = np.quantile(finite, [(1 - conf) / 2, (1 + conf) / 2])
    return (float(low), float(high))


def correlation(
    data: pd.DataFrame,
    x: str,
    y: str,
    method: str = "spearman",
    conf: float = 0.95,
    ci: str = "fisher",
    reps: int = 2000,
    seed: int = 0,
    cluster: str | None = None,
) -> pd.Series:
    """Correlation between two columns with a confidence interval.

    In: a DataFrame; column names ``x`` and ``y`` (numbers, or ordered categories such as CQC
    ratings, which are ranked by their order); ``method`` ``"spearman"`` (default, rank-based,
    suits ordinal ratings and skewed scores) or ``"pearson"``; ``ci`` ``"fisher"`` (Fisher-z
    interval) or ``"bootstrap"`` (percentile interval from ``reps`` resamples drawn with
    ``seed``, by ``cluster`` if given).
    Out: a Series with ``x``, ``y``, ``method``, ``n`` (complete pairs), ``r``, ``ci_low``,
    ``ci_high`` and ``p_value`` (two-sided test of r = 0 from scipy, which treats rows as
    independent).
    """
    if method not in CORRELATION_METHODS:
        raise ValueError(f"method must be one of {CORRELATION_METHODS}, got {method!r}.")
    if ci not in ("fisher", "bootstrap"):
        raise ValueError(f"ci must be 'fisher' or 'bootstrap', got {ci!r}.")
    _check_conf(conf)
    columns = [x, y] + ([cluster] if cluster else [])
    rows = _complete(data, columns)
    xs, ys = _numeric(rows[x]).to_numpy(), _numeric(rows[y]).to_numpy()
    n = len(rows)
    if n < 3 or np.ptp(xs) == 0 or np.ptp(ys) == 0:
        r, p = np.nan, np.nan
    elif method == "pearson":
        r, p = (float(v) for v in sps.pearsonr(xs, ys))
    else:
        result = sps.spearmanr(xs, ys)
        r, p = float(result.statistic), float(result.pvalue)
    if ci == "fisher":
        low, high = fisher_z_interval(r, n, conf, method)
    else:
        labels = rows[cluster].to_numpy() if cluster else None
        replicates = np.array(
            [_corr(xs[i], ys[i], method) for i in resample_indices(n, reps, seed, labels)]
        )
        low, high = percentile_interval(replicates, conf)
    return pd.Series(
        {"x": x, "y": y, "method": method, "n": n, "r": r, "ci_low": low, "ci_high": high,
         "p_value": p}
    )


def correlation_table(
    data: pd.DataFrame,
    xs: Sequence[str],
    ys: Sequence[str],
    **options: object,
) -> pd.DataFrame:
    """:func:`correlation` for every pair of one column from ``xs`` and one from ``ys``.

    In: a DataFrame, two lists of column names, and any keyword of :func:`correlation`.
    Out: one row per pair (``xs`` outer, ``ys`` inner, in the order given), columns as in
    :func:`correlation`, with a fresh integer index.
    """
    rows = [correlation(data, x, y, **options) for x in xs for y in ys]
    return pd.DataFrame(rows).reset_index(drop=True)


def mean_interval(values: pd.Series | np.ndarray, conf: float = 0.95) -> tuple[float, float, float]:
    """Mean of ``values`` (NaNs dropped) with its t interval: ``(mean, low, high)``.

    With one value the interval is ``(nan, nan)``; with none, everything is NaN.
    """
    _check_conf(conf)
    arr = np.asarray(pd.Series(values).dropna(), dtype=float)
    if arr.size == 0:
        return (np.nan, np.nan, np.nan)
    mean = float(arr.mean())
    if arr.size < 2:
        return (mean, np.nan, np.nan)
    half = sps.t.ppf(0.5 + conf / 2, arr.size - 1) * arr.std(ddof=1) / np.sqrt(arr.size)
    return (mean, float(mean - half), float(mean + half))


def group_means(
    data: pd.DataFrame,
    value: str,
    by: str | Sequence[str],
    conf: float = 0.95,
) -> pd.DataFrame:
    """Mean of ``value`` within each group of ``by``, with its t interval.

    Suited to an ordinal grouping such as the CQC rating: groups keep the category order (an
    ordered categorical sorts Inadequate, Requires improvement, Good, Outstanding), and groups
    with no rows are left out.
    In: a DataFrame, the value column, one grouping column or a list of them.
    Out: one row per group with the grouping column(s), ``n``, ``mean``, ``sd``, ``ci_low`` and
    ``ci_high``.
    """
    keys = [by] if isinstance(by, str) else list(by)
    rows = _complete(data, [value, *keys])
    records = []
    for key, part in rows.groupby(keys, observed=True, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        values = part[value].astype(float)
        mean, low, high = mean_interval(values, conf)
        record = dict(zip(keys, key, strict=True))
        record.update(
            n=len(values), mean=mean, sd=float(values.std(ddof=1)) if len(values) > 1 else np.nan,
            ci_low=low, ci_high=high,
        )
        records.append(record)
    table = pd.DataFrame.from_records(
        records, columns=[*keys, "n", "mean", "sd", "ci_low", "ci_high"]
    )
    for key in keys:
        if isinstance(rows[key].dtype, pd.CategoricalDtype):
            table[key] = table[key].astype(rows[key].dtype)
    return table


def hedges_g(a: pd.Series | np.ndarray, b: pd.Series | np.ndarray) -> float:
    """Hedges' *g*: the difference in means (a - b) over the pooled SD, small-sample corrected.

    g = J * (mean_a - mean_b) / s_pooled with J = 1 - 3 / (4 (n_a + n_b) - 9). NaNs are dropped.
    Conventional labels (0.2 small, 0.5 medium, 0.8 large) are rough guides, not thresholds.
    """
    x = np.asarray(pd.Series(a).dropna(), dtype=float)
    y = np.asarray(pd.Series(b).dropna(), dtype=float)
    if x.size < 2 or y.size < 2:
        return np.nan
    pooled = np.sqrt(
        ((x.size - 1) * x.var(ddof=1) + (y.size - 1) * y.var(ddof=1)) / (x.size + y.size - 2)
    )
    if pooled == 0:
        return np.nan
    correction = 1 - 3 / (4 * (x.size + y.size) - 9)
    return float(correction * (x.mean() - y.mean()) / pooled)


def hedges_g_interval(g: float, n_a: int, n_b: int, conf: float = 0.95) -> tuple[float, float]:
    """Approximate interval for Hedges' g.

    g +/- z * se with se = sqrt((n_a + n_b) / (n_a n_b) + g**2 / (2 (n_a + n_b))).
    """
    _check_conf(conf)
    if not np.isfinite(g) or n_a < 2 or n_b < 2:
        return (np.nan, np.nan)
    se = np.sqrt((n_a + n_b) / (n_a * n_b) + g**2 / (2 * (n_a + n_b)))
    crit = sps.norm.ppf(0.5 + conf / 2)
    return (float(g - crit * se), float(g + crit * se))


def mean_difference(
    data: pd.DataFrame,
    value: str,
    group: str,
    a: object,
    b: object,
    conf: float = 0.95,
) -> pd.Series:
    """Difference in the mean of ``value`` between group ``a`` and group ``b`` (a minus b).

    Uses Welch's t (unequal variances) for the interval and p-value, and reports Hedges' g with
    an approximate interval as the standardised effect size.
    In: a DataFrame, the value column, the grouping column and the two group labels.
    Out: a Series with ``group_a``, ``group_b``, ``n_a``, ``n_b``, ``mean_a``, ``mean_b``,
    ``difference``, ``ci_low``, ``ci_high``, ``p_value``, ``hedges_g``, ``g_ci_low``, ``g_ci_high``.
    """
    _check_conf(conf)
    rows = _complete(data, [value, group])
    x = rows.loc[rows[group] == a, value].astype(float).to_numpy()
    y = rows.loc[rows[group] == b, value].astype(float).to_numpy()
    for label, arr in ((a, x), (b, y)):
        if arr.size < 2:
            raise ValueError(
                f"Group {label!r} of {group!r} has {arr.size} row(s) with a value of {value!r}; "
                "at least 2 are needed for a difference in means. Check the group labels "
                f"(found: {', '.join(map(str, sorted(rows[group].astype(str).unique())))})."
            )
    result = sps.ttest_ind(x, y, equal_var=False)
    low, high = result.confidence_interval(confidence_level=conf)
    g = hedges_g(x, y)
    g_low, g_high = hedges_g_interval(g, x.size, y.size, conf)
    return pd.Series(
        {"group_a": a, "group_b": b, "n_a": x.size, "n_b": y.size,
         "mean_a": float(x.mean()), "mean_b": float(y.mean()),
         "difference": float(x.mean() - y.mean()), "ci_low": float(low), "ci_high": float(high),
         "p_value": float(result.pvalue), "hedges_g": g, "g_ci_low": g_low, "g_ci_high": g_high}
    )


def standardise(series: pd.Series) -> pd.Series:
    """z-scores: (value - mean) / SD (ddof=1), NaNs kept; a constant column raises ValueError."""
    values = pd.to_numeric(series).astype(float)
    sd = values.std(ddof=1)
    if not np.isfinite(sd) or sd == 0:
        raise ValueError(f"Column {series.name!r} has no spread; it cannot be standardised.")
    return (values - values.mean()) / sd


def ols_clustered(
    data: pd.DataFrame,
    formula: str,
    cluster: str,
    conf: float = 0.95,
) -> pd.DataFrame:
    """Fit an ordinary least squares model from a formula, with cluster-robust standard errors.

    Panel rows repeat the same trust over years, so they are not independent; clustering by
    trust widens the intervals to allow for that. Rows with a missing value in any variable of
    the formula (or in ``cluster``) are dropped.
    In: a DataFrame, a statsmodels/patsy formula (e.g. ``"shmi ~ senior_mgr_score + C(org_type)
    + C(year)"``), the cluster column name, the confidence level.
    Out: one row per model term with ``term``, ``estimate``, ``std_error``, ``ci_low``,
    ``ci_high``, ``p_value``; ``table.attrs`` holds ``n_obs``, ``n_clusters``, ``r_squared``
    and ``formula``.
    """
    _check_conf(conf)
    rows = _complete(data, [cluster])
    model = smf.ols(formula, data=rows, missing="drop")
    used = model.data.row_labels
    groups = pd.factorize(rows.loc[used, cluster])[0]
    fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups})
    interval = fit.conf_int(alpha=1 - conf)
    table = pd.DataFrame(
        {
            "term": fit.params.index,
            "estimate": fit.params.to_numpy(),
            "std_error": fit.bse.to_numpy(),
            "ci_low": interval.iloc[:, 0].to_numpy(),
            "ci_high": interval.iloc[:, 1].to_numpy(),
            "p_value": fit.pvalues.to_numpy(),
        }
    )
    table.attrs.update(
        n_obs=int(fit.nobs), n_clusters=int(len(np.unique(groups))),
        r_squared=float(fit.rsquared), formula=formula,
    )
    return table


def holm_adjust(p_values: Sequence[float] | pd.Series) -> np.ndarray:
    """Holm's step-down adjustment of p-values for multiple comparisons (NaN stays NaN).

    The smallest of m p-values is multiplied by m, the next by m - 1, and so on, each kept at
    least as large as the one before and capped at 1. Controls the family-wise error rate.
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    m = finite.size
    if m == 0:
        return out
    order = finite[np.argsort(p[finite], kind="stable")]
    adjusted = np.minimum(1.0, np.maximum.accumulate(p[order] * (m - np.arange(m))))
    out[order] = adjusted
    return out


def format_number(value: float, digits: int = 2) -> str:
    """A number for prose: fixed ``digits`` decimals and a true minus sign (U+2212)."""
    if value is None or not np.isfinite(value):
        return "n/a"
    text = f"{value:.{digits}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text.replace("-", "\u2212")


def format_estimate(
    estimate: float, low: float, high: float, digits: int = 2, conf: float = 0.95
) -> str:
    """An estimate with its interval for prose: ``"0.51 (95% CI 0.36 to 0.63)"``."""
    _check_conf(conf)
    level = f"{conf * 100:g}%"
    return (
        f"{format_number(estimate, digits)} ({level} CI {format_number(low, digits)} to "
        f"{format_number(high, digits)})"
    )
