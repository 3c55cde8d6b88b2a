"""Tests for medlead.reliability against hand calculations and Krippendorff's published examples."""

import math

import numpy as np
import pandas as pd
import pytest

from medlead.reliability import (
    AGREEMENT_COLUMNS,
    ReliabilityError,
    agreement_by_code,
    krippendorff_alpha_nominal,
    presence_table,
)

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", example A: binary data,
# two observers, ten units, no missing values. Published alpha = 0.095.
OBSERVER_A = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
OBSERVER_B = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]


def _codings():
    units = [f"u{i:02d}" for i in range(10)]
    a = pd.DataFrame({"voice": OBSERVER_A, "unused": 0}, index=units)
    b = pd.DataFrame({"voice": OBSERVER_B, "unused": 0}, index=units)
    return a, b


def test_binary_code_matches_hand_calculation_and_published_alpha():
    a, b = _codings()
    result = agreement_by_code(a, b).set_index("code")
    assert list(result.reset_index().columns) == AGREEMENT_COLUMNS
    row = result.loc["voice"]
    # 2x2 table counted by hand from the two rows above
    assert (row.both, row.only_a, row.only_b, row.neither) == (1, 1, 3, 5)
    assert row.percent_agreement == pytest.approx(0.6)
    assert row.prevalence_a == pytest.approx(0.2)
    assert row.prevalence_b == pytest.approx(0.4)
    # kappa by hand: po = 0.6; pe = 0.2*0.4 + 0.8*0.6 = 0.56; (0.6 - 0.56) / (1 - 0.56)
    assert row.cohen_kappa == pytest.approx((0.6 - 0.56) / 0.44)
    assert row.krippendorff_alpha == pytest.approx(0.095, abs=5e-4)
    assert row.pabak == pytest.approx(2 * 0.6 - 1)
    assert row.note == ""


def test_unused_code_gives_nan_with_reason_not_a_crash():
    a, b = _codings()
    row = agreement_by_code(a, b).set_index("code").loc["unused"]
    assert math.isnan(row.cohen_kappa) and math.isnan(row.krippendorff_alpha)
    assert "neither coding used this code" in row.note
    assert row.percent_agreement == 1.0 and row.pabak == 1.0
    assert row.neither == 10


def test_code_applied_everywhere_is_also_undefined():
    a = pd.DataFrame({"c": [1, 1, 1]}, index=["x", "y", "z"])
    row = agreement_by_code(a, a.copy()).iloc[0]
    assert math.isnan(row.cohen_kappa)
    assert "every unit" in row.note


def test_perfect_agreement_and_row_order_does_not_matter():
    a = pd.DataFrame({"c": [1, 0, 1, 0]}, index=list("pqrs"))
    b = a.iloc[::-1].copy()
    row = agreement_by_code(a, b).iloc[0]
    assert row.cohen_kappa == pytest.approx(1.0)
    assert row.krippendorff_alpha == pytest.approx(1.0)


def test_systematic_disagreement_is_negative():
    a = pd.DataFrame({"c": [1, 0, 1, 0]}, index=list("pqrs"))
    b = pd.DataFrame({"c": [0, 1, 0, 1]}, index=list("pqrs"))
    row = agreement_by_code(a, b).iloc[0]
    assert row.cohen_kappa == pytest.approx(-1.0)
    assert row.krippendorff_alpha < 0


def test_published_four_coder_example_with_missing_values():
    # Krippendorff (2011) example C: nominal data, four observers, twelve units, missing values.
    n = np.nan
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
        [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
    ]
    assert krippendorff_alpha_nominal(data) == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha_nominal(pd.DataFrame(data)) == pytest.approx(0.743, abs=5e-4)


def test_alpha_for_many_coders_single_value_is_nan_and_bad_shapes_refused():
    assert math.isnan(krippendorff_alpha_nominal([[1, 1], [1, 1], [1, 1]]))
    with pytest.raises(ReliabilityError, match="at least two rows"):
        krippendorff_alpha_nominal([[1, 0, 1]])
    with pytest.raises(ReliabilityError, match="No unit was rated"):
        krippendorff_alpha_nominal([[1, np.nan], [np.nan, 0]])


def test_mismatched_units_codes_and_values_are_refused():
    a, b = _codings()
    with pytest.raises(ReliabilityError, match="same units"):
        agreement_by_code(a, b.iloc[:-1])
    with pytest.raises(ReliabilityError, match="different codes"):
        agreement_by_code(a, b.rename(columns={"voice": "other"}))
    with pytest.raises(ReliabilityError, match="other than 0 and 1"):
        agreement_by_code(a, b.replace({1: 2}))


def test_presence_table_from_long_segments():
    segments = pd.DataFrame(
        {"unit_id": ["t1", "t1", "t3", "t3"], "code": ["voice", "voice", "hybrid", "voice"]}
    )
    table = presence_table(segments, units=["t1", "t2", "t3"], codes=["voice", "hybrid"])
    assert table.to_dict(orient="index") == {
        "t1": {"voice": 1, "hybrid": 0},
        "t2": {"voice": 0, "hybrid": 0},
        "t3": {"voice": 1, "hybrid": 1},
    }
    with pytest.raises(ReliabilityError, match="codes not in the code list"):
        presence_table(segments, units=["t1", "t2", "t3"], codes=["voice"])
