"""Reading helpers shared by the loaders: fetch-or-path, required columns, ODS codes, schemas."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pandera.errors
import pandera.pandas as pa

from medlead.data import DataError, fetch

#: An organisation code as found in the raw files: an ODS code of 3 to 5 capitals or digits, or
#: several joined by "/" (staff-survey collaboratives such as ``01T/01V``). The workforce files
#: also hold a two-character code ``50``, kept as it is (it matches no trust).
ODS_CODE_PATTERN = r"^[A-Z0-9]{2,5}(/[A-Z0-9]{2,5})*$"
#: An NHS trust's ODS code: 3 characters (e.g. ``RA2``, ``R1F``).
TRUST_CODE_PATTERN = r"^[A-Z0-9]{3}$"


def resolve(source_id: str, path: Path | str | None) -> Path:
    """Return ``path`` if given (it must be a file), else the verified copy of ``source_id``."""
    if path is None:
        return fetch(source_id)
    path = Path(path)
    if not path.is_file():
        raise DataError(
            f"{describe(source_id, path)}: no such file. Pass the path of a copy of this source, "
            f"or no path to fetch it with medlead.data.fetch({source_id!r})."
        )
    return path


def describe(source_id: str, path: Path) -> str:
    """Name a file in messages: the source id and the file read."""
    return f"{source_id} ({path})"


def require_columns(
    frame: pd.DataFrame, required: Iterable[str], source_id: str, path: Path
) -> pd.DataFrame:
    """Return ``frame`` unchanged if it has every required column, else raise :class:`DataError`."""
    required = list(required)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        found = ", ".join(map(str, frame.columns[:20]))
        raise DataError(
            f"{describe(source_id, path)}: missing column(s) {', '.join(missing)}; expected "
            f"{', '.join(required)} (found: {found}). The file may be the wrong one or a changed "
            "version: fetch it again with medlead.data.fetch, or check data/sources.yml."
        )
    return frame


def read_csv(
    source_id: str,
    path: Path | str | None,
    required: Iterable[str],
    **read_options,
) -> pd.DataFrame:
    """Read a CSV source (UTF-8, byte-order mark allowed) and check its required columns."""
    file = resolve(source_id, path)
    try:
        frame = pd.read_csv(file, encoding="utf-8-sig", **read_options)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(
            f"{describe(source_id, file)}: cannot be read as a UTF-8 CSV ({exc}). "
            "Fetch it again with medlead.data.fetch."
        ) from exc
    return require_columns(frame, required, source_id, file)


def read_sheets(
    source_id: str, path: Path | str | None, sheets: Iterable[str]
) -> dict[str, pd.DataFrame]:
    """Read whole sheets of an Excel source, without a header: one object column per column.

    Uses :mod:`python_calamine` directly (several times faster than ``pandas.read_excel``);
    empty cells become missing values.
    """
    from python_calamine import CalamineError, CalamineWorkbook

    file = resolve(source_id, path)
    try:
        book = CalamineWorkbook.from_path(str(file))
        result = {}
        for sheet in sheets:
            rows = book.get_sheet_by_name(sheet).to_python()
            frame = pd.DataFrame(rows, dtype=object)
            result[sheet] = frame.replace("", None)
    except (CalamineError, ValueError, KeyError) as exc:
        names = ", ".join(sheets)
        raise DataError(
            f"{describe(source_id, file)}: cannot read sheet(s) {names} ({exc}). "
            "Fetch the file again with medlead.data.fetch."
        ) from exc
    return result


def read_excel(
    source_id: str,
    path: Path | str | None,
    sheet: str,
    required: Iterable[str] = (),
) -> pd.DataFrame:
    """Read one sheet of an Excel source whose first row is the header; check its columns."""
    file = resolve(source_id, path)
    raw = read_sheets(source_id, file, [sheet])[sheet]
    if raw.empty:
        raise DataError(f"{describe(source_id, file)}: sheet {sheet!r} is empty.")
    frame = raw.iloc[1:].set_axis([str(c) for c in raw.iloc[0]], axis=1).reset_index(drop=True)
    return require_columns(frame, required, source_id, file)


def normalise_ods(codes: pd.Series) -> pd.Series:
    """Return ODS codes without surrounding spaces, in capitals (``"00D "`` becomes ``"00D"``)."""
    return codes.astype(str).str.strip().str.upper()


def validate(frame: pd.DataFrame, schema: pa.DataFrameSchema, source_id: str, path: Path):
    """Validate ``frame`` against a pandera schema, collecting every failure into one DataError."""
    try:
        return schema.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        lines = [
            f"column {row.column}: {row.check} failed for {row.failure_case!r}"
            for row in cases.head(8).itertuples()
        ]
        more = f" (and {len(cases) - 8} more)" if len(cases) > 8 else ""
        raise DataError(
            f"{describe(source_id, path)}: {len(cases)} value(s) break the expected schema"
            f"{more}: " + "; ".join(lines) + ". The file may have changed: fetch it again, "
            "or check data/sources.yml."
        ) from exc
