"""Plain-language tables for readers who do not code: captioned, plain labels, no index column.

:func:`plain_table` turns a DataFrame into a pandas ``Styler`` that renders as an HTML table with
a caption (``"Table 2.1. …"``), column labels written for people (with units), numbers in fixed
formats (no e-notation, a true minus sign) and no row numbers. Notebooks glue the result into
the page. :func:`format_p` writes p-values the way a report does ("< 0.001").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

#: A column format: a ``str.format`` spec such as ``"{:.2f}"`` or a function of one value.
Format = str | Callable[[object], str]

MINUS = "\u2212"

#: Characters without a space beyond which a text cell may be broken anywhere (see plain_table).
LONG_TOKEN = 30


def format_number(value: object, digits: int = 2) -> str:
    """``value`` with ``digits`` decimals, thousands separated by commas and a true minus sign.

    Missing values (None, NaN, pandas' NA and NaT) become an en dash. Integers keep no decimals
    when ``digits`` is 0.
    """
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "\u2013"
    if np.ndim(value) == 0 and not isinstance(value, str) and pd.isna(value):
        return "\u2013"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, (float, np.floating)):
        return str(value)
    text = f"{value:,.{digits}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]
    return text.replace("-", MINUS)


def format_p(value: object) -> str:
    """A p-value for a report: three decimals, or ``"< 0.001"`` (with a no-break space, so the
    sign never ends a line); missing values as an en dash."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "\u2013"
    p = float(value)  # type: ignore[arg-type]
    if not 0 <= p <= 1:
        raise ValueError(f"A p-value must lie between 0 and 1, got {p!r}.")
    return "<\u00a00.001" if p < 0.001 else f"{p:.3f}"


def _text(value: object) -> str:
    """A text cell: missing values (None, NaN, NA) as an empty cell, anything else as ``str``."""
    if value is None or (np.ndim(value) == 0 and not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def decimals(digits: int) -> Callable[[object], str]:
    """A column format with ``digits`` decimals (see :func:`format_number`)."""
    return lambda value: format_number(value, digits)


def compact(digits: int = 1) -> Callable[[object], str]:
    """A column format for columns that mix counts and measures: whole numbers without decimals
    (``233.0`` -> ``"233"``), other numbers with ``digits`` decimals (``96.1``)."""
    def fmt(value: object) -> str:
        number = isinstance(value, (int, float, np.integer, np.floating))
        if number and not isinstance(value, bool) and np.isfinite(value) \
                and float(value).is_integer():
            return format_number(value, 0)
        return format_number(value, digits)
    return fmt


def percent(digits: int = 1) -> Callable[[object], str]:
    """A column format for shares held as fractions (0.125 -> ``"12.5%"``)."""
    def fmt(value: object) -> str:
        if value is None or (isinstance(value, float) and not np.isfinite(value)):
            return "\u2013"
        return format_number(100 * float(value), digits) + "%"  # type: ignore[arg-type]
    return fmt


def plain_table(
    data: pd.DataFrame,
    columns: Mapping[str, str],
    caption: str,
    formats: Mapping[str, Format] | None = None,
    number: str | None = None,
    table_id: str | None = None,
) -> Styler:
    """A captioned table with plain column labels, fixed number formats and no index column.

    In: a DataFrame; ``columns`` maps each column to show (in this order) to its label for
    readers, e.g. ``{"g2": "Evidence of a difference (G²)"}``; a caption; ``formats`` maps a
    column (by its original name) to a format spec or function, and numbers without one get two
    decimals (whole numbers none); ``number`` such as ``"1.2"`` is put before the caption as
    "Table 1.2."; ``table_id`` gives the HTML table a stable id.
    Out: a ``Styler`` (render it with ``.to_html()`` or display/glue it in a notebook).
    Raises ``KeyError`` naming any column in ``columns`` or ``formats`` that ``data`` lacks.
    """
    formats = dict(formats or {})
    missing = [c for c in [*columns, *formats] if c not in data.columns]
    if missing:
        raise KeyError(
            f"plain_table: column(s) {', '.join(map(repr, missing))} not in the table "
            f"(it has {', '.join(map(repr, data.columns))})."
        )
    if not caption.strip():
        raise ValueError("plain_table: every table needs a caption.")
    shown = data.loc[:, list(columns)].reset_index(drop=True)
    labels = list(columns.values())
    if len(set(labels)) != len(labels):
        raise ValueError(f"plain_table: two columns share a label: {labels}.")
    formatters: dict[str, Callable[[object], str]] = {}
    for column in columns:
        spec = formats.get(column)
        if spec is None:
            if pd.api.types.is_bool_dtype(shown[column]):
                formatters[column] = lambda v: "yes" if v else "no"
            elif pd.api.types.is_integer_dtype(shown[column]):
                formatters[column] = decimals(0)
            elif pd.api.types.is_float_dtype(shown[column]):
                formatters[column] = decimals(2)
            else:
                formatters[column] = _text
        elif isinstance(spec, str):
            formatters[column] = lambda v, s=spec: "\u2013" if pd.isna(v) else s.format(v)
        else:
            formatters[column] = spec
    text = shown.copy()
    for column, fmt in formatters.items():
        text[column] = [fmt(v) for v in shown[column]]
    text.columns = labels
    numeric = [label for column, label in columns.items()
               if pd.api.types.is_numeric_dtype(shown[column])
               and not pd.api.types.is_bool_dtype(shown[column])]
    full_caption = f"Table {number}. {caption}" if number else caption
    styler = text.style.format(escape="html").hide(axis="index").set_caption(full_caption)
    if table_id:
        styler = styler.set_uuid(table_id)
    styler = styler.set_table_attributes('class="plain-table"')
    # text columns holding long unbroken strings (file names, URLs) may break them anywhere, so
    # that they wrap instead of widening the table; other words break only between words
    long_text = [label for column, label in columns.items() if label not in numeric
                 and any(len(token) > LONG_TOKEN for value in text[label]
                         for token in str(value).split())]
    if long_text:
        styler = styler.set_properties(subset=long_text,
                                       **{"overflow-wrap": "anywhere !important"})
    if numeric:
        # numbers are right-aligned and never broken across lines ("< 0.001", "−0.34"), in print
        # too (the print styles let other cells wrap)
        styler = styler.set_properties(
            subset=numeric, **{"text-align": "right", "white-space": "nowrap !important"})
    return styler


def preview(
    data: pd.DataFrame,
    caption: str,
    number: str | None = None,
    table_id: str | None = None,
    formats: Mapping[str, Format] | None = None,
) -> Styler:
    """A captioned preview of a data file or table that keeps the data's own column names.

    For the Data appendix, where the point is to show what a reader finds in the file: columns
    keep their names (a column named by position, as in a raw file read without a header, is
    shown as "Column 1", "Column 2", …), there is no index column, and numbers get the formats of
    :func:`plain_table` (``formats`` maps a column, by its name in ``data``, to another format).
    Out: a ``Styler`` as from :func:`plain_table`.
    """
    shown = data.copy()
    shown.columns = [f"Column {c + 1}" if isinstance(c, (int, np.integer)) else str(c)
                     for c in data.columns]
    renamed = dict(zip(data.columns, shown.columns, strict=True))
    missing = [c for c in (formats or {}) if c not in renamed]
    if missing:
        raise KeyError(f"preview: format(s) given for column(s) {', '.join(map(repr, missing))} "
                       f"not in the table (it has {', '.join(map(repr, data.columns))}).")
    return plain_table(shown, {c: c for c in shown.columns}, caption,
                       formats={renamed[c]: f for c, f in (formats or {}).items()},
                       number=number, table_id=table_id)


def interval_text(low: pd.Series, high: pd.Series, digits: int = 2) -> pd.Series:
    """Intervals as text for a table column: ``"0.36 to 0.64"`` (an en dash where missing)."""
    return pd.Series(
        [f"{format_number(lo, digits)} to {format_number(hi, digits)}"
         if pd.notna(lo) and pd.notna(hi) else "\u2013"
         for lo, hi in zip(low, high, strict=True)],
        index=low.index,
    )
