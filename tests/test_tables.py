"""Tests for medlead.tables: plain-language tables for readers who do not code."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from medlead import tables


@pytest.fixture
def results() -> pd.DataFrame:
    return pd.DataFrame({
        "y": ["shmi", "cqc_well_led"], "n": [129, 130], "r": [-0.3421, 0.5112],
        "p_value": [7.4e-05, 0.0312], "flag": [True, False],
    }, index=[5, 9])


def test_plain_table_has_caption_labels_and_no_index(results):
    html = tables.plain_table(
        results, {"y": "Outcome", "n": "Trusts", "r": "Rank correlation"},
        "Correlations with the score.", number="3.1", table_id="demo").to_html()
    assert "<caption>Table 3.1. Correlations with the score.</caption>" in html
    for label in ("Outcome", "Trusts", "Rank correlation"):
        assert f">{label}</th>" in html
    assert "p_value" not in html and ">y<" not in html  # raw names and unlisted columns gone
    assert 'id="T_demo"' in html and 'class="plain-table"' in html
    # no index column: the row labels 5 and 9 are not printed as header cells
    assert 'class="row_heading' not in html
    assert "\u22120.34" in html and "0.51" in html  # two decimals, true minus sign
    assert ">129<" in html  # whole numbers without decimals
    assert "white-space: nowrap" in html  # number cells never wrap


def test_formats_p_values_and_missing_values(results):
    results.loc[9, "r"] = np.nan
    html = tables.plain_table(
        results, {"y": "Outcome", "p_value": "p", "r": "r", "flag": "Flag"}, "Caption.",
        formats={"p_value": tables.format_p, "r": tables.decimals(3)}).to_html()
    assert "&lt;\u00a00.001" in html and "0.031" in html and "e-05" not in html
    assert "\u2013" in html  # the missing r
    assert ">yes<" in html and ">no<" in html
    assert tables.format_p(0.0004) == "<\u00a00.001"
    assert tables.percent(1)(0.125) == "12.5%"
    assert tables.format_number(-0.0001, 2) == "0.00"  # no negative zero
    assert tables.format_number(12345.678, 1) == "12,345.7"


def test_bad_requests_fail_clearly(results):
    with pytest.raises(KeyError, match="'g2'"):
        tables.plain_table(results, {"g2": "G²"}, "Caption.")
    with pytest.raises(KeyError, match="'log_ratio'"):
        tables.plain_table(results, {"y": "Outcome"}, "Caption.", formats={"log_ratio": "{:.2f}"})
    with pytest.raises(ValueError, match="caption"):
        tables.plain_table(results, {"y": "Outcome"}, "  ")
    with pytest.raises(ValueError, match="share a label"):
        tables.plain_table(results, {"y": "Same", "n": "Same"}, "Caption.")
    with pytest.raises(ValueError, match="between 0 and 1"):
        tables.format_p(1.5)


def test_interval_text():
    low, high = pd.Series([0.361, np.nan]), pd.Series([0.635, 0.2])
    assert tables.interval_text(low, high).tolist() == ["0.36 to 0.64", "\u2013"]


def test_preview_keeps_the_data_column_names():
    raw = pd.DataFrame({0: ["ORG_CODE", "R1A"], 1: ["FTE", "12.5"]}, index=[3, 4])
    html = tables.preview(raw, "The first lines of the file.", number="2", table_id="raw").to_html()
    assert ">Column 1</th>" in html and ">Column 2</th>" in html
    assert "Table 2. The first lines of the file." in html
    assert 'class="row_heading' not in html  # no index column
    loaded = pd.DataFrame({"org_code": ["R1A"], "fte": [1234.5678], "n": [3]})
    html = tables.preview(loaded, "Loaded.", formats={"fte": tables.decimals(3)}).to_html()
    assert ">org_code</th>" in html and ">fte</th>" in html
    assert "1,234.568" in html and ">3<" in html
    with pytest.raises(KeyError, match="'missing'"):
        tables.preview(loaded, "Loaded.", formats={"missing": "{:.1f}"})


def test_compact_and_missing_values_of_every_kind():
    fmt = tables.compact(1)
    assert [fmt(v) for v in (233.0, 96.14, np.nan, 12)] == ["233", "96.1", "\u2013", "12"]
    assert tables.format_number(pd.NA) == "\u2013" and tables.format_number(pd.NaT) == "\u2013"
    counts = pd.DataFrame({"year": [2009, 2012], "shmi": pd.array([pd.NA, 142], dtype="Int64")})
    html = tables.plain_table(counts, {"year": "Year", "shmi": "SHMI"}, "Caption.",
                              formats={"year": str}).to_html()
    assert "&lt;NA&gt;" not in html and ">142<" in html and ">2009<" in html


def test_missing_text_is_an_empty_cell():
    data = pd.DataFrame({"type": pd.Categorical(["acute", np.nan]), "name": ["A", None]})
    html = tables.preview(data, "Caption.").to_html()
    assert ">nan<" not in html and ">None<" not in html and ">acute<" in html


def test_only_columns_with_long_unbroken_strings_may_break_anywhere():
    data = pd.DataFrame({"file": ["a/" + "x" * 40 + ".csv"], "name": ["Short words only"]})
    html = tables.plain_table(data, {"file": "File", "name": "Name"}, "Caption.",
                              table_id="wrap").to_html()
    assert "#T_wrap_row0_col0 {\n  overflow-wrap: anywhere !important;" in html
    assert "T_wrap_row0_col1 {" not in html  # short words: no rule, they wrap between words
