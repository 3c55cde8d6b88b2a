"""Tests for medlead.stats against hand calculations, scipy and statsmodels, with fixed seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from medlead import stats

RATINGS = pd.CategoricalDtype(
    ["Inadequate", "Requires improvement", "Good", "Outstanding"], ordered=True
)


@pytest.fixture
def pairs() -> pd.DataFrame:
    rng = np.random.default_rng(42)
    x = rng.normal(size=60)
    y = 0.5 * x + rng.normal(size=60)
    frame = pd.DataFrame({"x": x, "y": y, "trust": np.repeat([f"T{i:02d}" for i in range(20)], 3)})
    frame.loc[[3, 17], "y"] = np.nan
    return frame


# --- correlation ---------------------------------------------------------------------------


def test_pearson_fisher_interval_matches_scipy(pairs):
    result = stats.correlation(pairs, "x", "y", method="pearson")
    complete = pairs.dropna()
    expected = sps.pearsonr(complete["x"], complete["y"])
    interval = expected.confidence_interval(confidence_level=0.95)
    assert result["n"] == 58
    assert result["r"] == pytest.approx(expected.statistic)
    assert result["p_value"] == pytest.approx(expected.pvalue)
    assert result["ci_low"] == pytest.approx(interval.low)
    assert result["ci_high"] == pytest.approx(interval.high)


def test_spearman_interval_is_bonett_wright_by_hand():
    # r = 0.5, n = 28: z = atanh(0.5) = 0.549306; se = sqrt(1.125 / 25) = 0.212132
    low, high = stats.fisher_z_interval(0.5, 28, 0.95, "spearman")
    z, se = 0.5493061443, 0.2121320344
    assert low == pytest.approx(np.tanh(z - 1.959963985 * se), abs=1e-9)
    assert high == pytest.approx(np.tanh(z + 1.959963985 * se), abs=1e-9)
    assert low == pytest.approx(0.1327, abs=1e-3)
    # Spearman intervals are wider than Pearson's for the same r and n
    p_low, p_high = stats.fisher_z_interval(0.5, 28, 0.95, "pearson")
    assert low < p_low and high > p_high


def test_spearman_of_ordered_category_ranks_by_category_order():
    frame = pd.DataFrame(
        {
            "rating": pd.Series(
                ["Good", "Inadequate", "Outstanding", "Requires improvement", "Good", None],
                dtype=RATINGS,
            ),
            "score": [3.0, 1.0, 4.0, 2.5, 3.2, 9.9],
        }
    )
    result = stats.correlation(frame, "rating", "score")
    codes = [2, 0, 3, 1, 2]
    assert result["n"] == 5
    assert result["r"] == pytest.approx(sps.spearmanr(codes, [3.0, 1.0, 4.0, 2.5, 3.2]).statistic)
    assert result["r"] > 0.9


def test_unordered_category_is_refused():
    frame = pd.DataFrame({"g": pd.Categorical(["a", "b", "a"]), "v": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="unordered category"):
        stats.correlation(frame, "g", "v")


def test_missing_column_is_named():
    with pytest.raises(KeyError, match="'shmi'"):
        stats.correlation(pd.DataFrame({"x": [1.0]}), "x", "shmi")


def test_constant_column_gives_nan_not_an_error():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0], "y": [2.0] * 5})
    result = stats.correlation(frame, "x", "y")
    assert np.isnan(result["r"]) and np.isnan(result["ci_low"])


def test_bootstrap_interval_is_seeded_and_brackets_estimate(pairs):
    first = stats.correlation(pairs, "x", "y", ci="bootstrap", reps=500, seed=7, cluster="trust")
    again = stats.correlation(pairs, "x", "y", ci="bootstrap", reps=500, seed=7, cluster="trust")
    other = stats.correlation(pairs, "x", "y", ci="bootstrap", reps=500, seed=8, cluster="trust")
    assert first.equals(again)
    assert first["ci_low"] != other["ci_low"]
    assert first["ci_low"] < first["r"] < first["ci_high"]


def test_correlation_table_has_one_row_per_pair_in_order(pairs):
    pairs = pairs.assign(z=pairs["x"] ** 2)
    table = stats.correlation_table(pairs, ["x", "z"], ["y"], method="pearson")
    assert list(table["x"]) == ["x", "z"] and list(table["y"]) == ["y", "y"]
    assert table.loc[0, "r"] == pytest.approx(stats.correlation(pairs, "x", "y", "pearson")["r"])


# --- bootstrap -----------------------------------------------------------------------------


def test_row_bootstrap_reproduces_a_hand_resample():
    frame = pd.DataFrame({"v": [1.0, 2.0, 3.0, 10.0]})
    replicates = stats.bootstrap(frame, lambda d: d["v"].mean(), reps=3, seed=1)
    rng = np.random.default_rng(1)
    expected = [frame["v"].to_numpy()[rng.integers(0, 4, size=4)].mean() for _ in range(3)]
    np.testing.assert_allclose(replicates, expected)


def test_cluster_bootstrap_keeps_whole_clusters():
    frame = pd.DataFrame({"trust": ["A", "A", "B", "B", "B", "C"], "v": range(6)})
    sizes = stats.bootstrap(frame, lambda d: len(d), reps=200, seed=3, cluster="trust")
    assert set(np.unique(sizes)) <= {3, 4, 5, 6, 7, 8, 9}
    assert sizes.min() >= 3 and sizes.max() <= 9 and len(np.unique(sizes)) > 2
    # every resample has exactly three clusters' worth of draws: sum of sizes of three draws
    per_cluster = {"A": 2, "B": 3, "C": 1}
    rng = np.random.default_rng(3)
    first = np.array(["A", "B", "C"])[rng.integers(0, 3, size=3)]
    assert sizes[0] == sum(per_cluster[c] for c in first)
    # a drawn cluster brings all its rows: trust B's rows always come in threes
    b_rows = stats.bootstrap(frame, lambda d: (d["trust"] == "B").sum(), 50, 3, "trust")
    assert (b_rows % 3 == 0).all() and b_rows.max() > 0


def test_resample_indices_lists_every_row_of_a_drawn_cluster():
    clusters = np.array(["B", "A", "B", "C", "A", "B"])
    samples = stats.resample_indices(6, reps=20, seed=0, clusters=clusters)
    for rows in samples:
        drawn = clusters[rows]
        for label in ("A", "B", "C"):
            assert (drawn == label).sum() % (clusters == label).sum() == 0
    assert all(len(s) == 6 for s in stats.resample_indices(6, reps=3, seed=0))
    with pytest.raises(ValueError, match="labels for"):
        stats.resample_indices(5, reps=1, clusters=clusters)


def test_bootstrap_spearman_replicates_match_scipy_with_ties():
    # a bootstrap with one replicate: the resampled rho equals scipy's on the same rows
    frame = pd.DataFrame({"x": [1.0, 2.0, 2.0, 3.0, 5.0, 4.0], "y": [2.0, 1.0, 3.0, 3.0, 6.0, 5.0]})
    rows = stats.resample_indices(6, reps=1, seed=11)[0]
    expected = sps.spearmanr(frame["x"].to_numpy()[rows], frame["y"].to_numpy()[rows]).statistic
    one = stats.correlation(frame, "x", "y", ci="bootstrap", reps=1, seed=11, conf=0.5)
    assert one["ci_low"] == pytest.approx(expected)


def test_percentile_interval_matches_numpy_quantiles():
    values = np.arange(101, dtype=float)
    assert stats.percentile_interval(values, 0.9) == pytest.approx((5.0, 95.0))
    assert stats.percentile_interval(np.array([np.nan, 1.0, 3.0]), 0.5) == pytest.approx(
        (1.5, 2.5)
    )


def test_bad_arguments_are_refused():
    frame = pd.DataFrame({"v": [1.0, 2.0]})
    with pytest.raises(ValueError, match="reps"):
        stats.bootstrap(frame, len, reps=0)
    with pytest.raises(ValueError, match="conf"):
        stats.percentile_interval(np.ones(3), conf=95)
    with pytest.raises(ValueError, match="method"):
        stats.correlation(pd.DataFrame({"a": [1.0], "b": [2.0]}), "a", "b", method="kendall")


# --- group means and differences -----------------------------------------------------------


def test_group_means_by_hand_and_in_rating_order():
    frame = pd.DataFrame(
        {
            "rating": pd.Series(
                ["Good", "Good", "Good", "Inadequate", "Inadequate", "Outstanding"], dtype=RATINGS
            ),
            "score": [3.0, 4.0, 5.0, 1.0, 2.0, 6.0],
        }
    )
    table = stats.group_means(frame, "score", "rating")
    assert list(table["rating"].astype(str)) == ["Inadequate", "Good", "Outstanding"]
    good = table.set_index(table["rating"].astype(str)).loc["Good"]
    # mean 4, sd 1, n 3: half-width = t(0.975, 2) * 1 / sqrt(3) = 4.302653 / 1.732051
    assert good["mean"] == pytest.approx(4.0)
    assert good["sd"] == pytest.approx(1.0)
    assert good["ci_high"] - 4.0 == pytest.approx(4.302652730 / np.sqrt(3))
    single = table.set_index(table["rating"].astype(str)).loc["Outstanding"]
    assert single["n"] == 1 and np.isnan(single["ci_low"])
    assert table["rating"].dtype == RATINGS


def test_group_means_by_two_keys():
    frame = pd.DataFrame(
        {"type": ["a", "a", "b", "b"], "year": [1, 1, 1, 2], "v": [1.0, 3.0, 5.0, 7.0]}
    )
    table = stats.group_means(frame, "v", ["type", "year"])
    assert list(zip(table["type"], table["year"], table["mean"], strict=True)) == [
        ("a", 1, 2.0, ), ("b", 1, 5.0), ("b", 2, 7.0)
    ]


def test_hedges_g_by_hand():
    # means 3 and 1, both SD 1 (n 3 each): d = 2, J = 1 - 3/(4*6 - 9) = 0.8, g = 1.6
    assert stats.hedges_g([2.0, 3.0, 4.0], [0.0, 1.0, 2.0]) == pytest.approx(1.6)
    assert np.isnan(stats.hedges_g([1.0], [2.0, 3.0]))


def test_mean_difference_is_welch():
    frame = pd.DataFrame(
        {"g": ["a"] * 4 + ["b"] * 5, "v": [5.0, 6.0, 7.0, 9.0, 1.0, 2.0, 2.0, 3.0, 8.0]}
    )
    result = stats.mean_difference(frame, "v", "g", "a", "b")
    a, b = np.array([5.0, 6.0, 7.0, 9.0]), np.array([1.0, 2.0, 2.0, 3.0, 8.0])
    va, vb = a.var(ddof=1) / 4, b.var(ddof=1) / 5
    df = (va + vb) ** 2 / (va**2 / 3 + vb**2 / 4)
    half = sps.t.ppf(0.975, df) * np.sqrt(va + vb)
    # means 6.75 and 3.2
    assert result["difference"] == pytest.approx(3.55)
    assert result["ci_low"] == pytest.approx(3.55 - half)
    assert result["ci_high"] == pytest.approx(3.55 + half)
    assert result["hedges_g"] == pytest.approx(stats.hedges_g(a, b))
    assert result["g_ci_low"] < result["hedges_g"] < result["g_ci_high"]


def test_mean_difference_names_a_missing_group():
    frame = pd.DataFrame({"g": ["a", "a", "b"], "v": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="'b'.*1 row"):
        stats.mean_difference(frame, "v", "g", "a", "b")


def test_standardise():
    z = stats.standardise(pd.Series([1.0, 2.0, 3.0, np.nan], name="v"))
    np.testing.assert_allclose(z.dropna(), [-1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="no spread"):
        stats.standardise(pd.Series([2.0, 2.0], name="flat"))


# --- adjusted model ------------------------------------------------------------------------


def test_ols_clustered_matches_a_hand_sandwich():
    rng = np.random.default_rng(5)
    n_trusts, years = 15, 4
    trust = np.repeat(np.arange(n_trusts), years)
    effect = rng.normal(size=n_trusts)[trust]
    x = rng.normal(size=trust.size) + effect
    y = 1.0 + 2.0 * x + effect + rng.normal(size=trust.size)
    frame = pd.DataFrame({"y": y, "x": x, "trust": [f"T{t}" for t in trust]})
    frame.loc[0, "x"] = np.nan  # dropped row

    table = stats.ols_clustered(frame, "y ~ x", cluster="trust")

    kept = frame.dropna()
    X = np.column_stack([np.ones(len(kept)), kept["x"]])
    beta, *_ = np.linalg.lstsq(X, kept["y"].to_numpy(), rcond=None)
    resid = kept["y"].to_numpy() - X @ beta
    bread = np.linalg.inv(X.T @ X)
    meat = np.zeros((2, 2))
    for label in kept["trust"].unique():
        rows = (kept["trust"] == label).to_numpy()
        score = X[rows].T @ resid[rows]
        meat += np.outer(score, score)
    n, k, g = len(kept), 2, n_trusts
    cov = g / (g - 1) * (n - 1) / (n - k) * bread @ meat @ bread

    assert list(table["term"]) == ["Intercept", "x"]
    np.testing.assert_allclose(table["estimate"], beta)
    np.testing.assert_allclose(table["std_error"], np.sqrt(np.diag(cov)))
    assert table.attrs["n_obs"] == n_trusts * years - 1
    assert table.attrs["n_clusters"] == n_trusts
    assert (table["ci_low"] < table["estimate"]).all()


def test_ols_clustered_with_categorical_terms():
    frame = pd.DataFrame(
        {
            "y": [1.0, 2.0, 3.0, 5.0, 4.0, 6.0, 7.0, 9.0],
            "kind": ["a", "b"] * 4,
            "trust": ["T1", "T1", "T2", "T2", "T3", "T3", "T4", "T4"],
        }
    )
    table = stats.ols_clustered(frame, "y ~ C(kind)", cluster="trust")
    diff = table.set_index("term").loc["C(kind)[T.b]", "estimate"]
    assert diff == pytest.approx(frame.query("kind == 'b'")["y"].mean() - 3.75)


# --- multiple comparisons ------------------------------------------------------------------


def test_holm_matches_statsmodels_and_keeps_nan():
    p = np.array([0.01, 0.04, np.nan, 0.03, 0.5])
    adjusted = stats.holm_adjust(p)
    expected = multipletests(p[~np.isnan(p)], method="holm")[1]
    np.testing.assert_allclose(adjusted[~np.isnan(p)], expected)
    assert np.isnan(adjusted[2])
    # by hand: sorted 0.01, 0.03, 0.04, 0.5 times 4, 3, 2, 1 -> 0.04, 0.09, 0.09 (monotone), 0.5
    np.testing.assert_allclose(adjusted[[0, 3, 1, 4]], [0.04, 0.09, 0.09, 0.5])


# --- formatting for prose ------------------------------------------------------------------


def test_format_estimate_uses_a_true_minus_and_the_level():
    assert stats.format_estimate(0.5106, 0.3609, 0.6346) == "0.51 (95% CI 0.36 to 0.63)"
    assert stats.format_estimate(-0.34, -0.49, -0.17, conf=0.9) == (
        "\u22120.34 (90% CI \u22120.49 to \u22120.17)"
    )
    assert stats.format_number(-0.001, 2) == "0.00"
    assert stats.format_number(float("nan")) == "n/a"
