"""Reading the small CSV tables the project authors itself (``data/*.csv``).

Every such table is read the same way: all cells as text (nothing silently turned into numbers or
missing values), UTF-8, and a clear error naming the file when it is absent, unreadable or lacks a
required column. Each table's own module then checks its values.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd


def read_authored_csv(
    path: str | Path, required: Sequence[str], error: type[Exception], what: str
) -> pd.DataFrame:
    """Read an authored CSV as text; raise ``error`` naming the file if it is unusable.

    In: the file, the columns it must have, the exception class to raise and what the file is
    (e.g. ``"timeline file"``). Out: a DataFrame of strings, empty cells as ``""``.
    """
    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: {what} not found.")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot be read as a UTF-8 CSV ({exc}).") from exc
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise error(
            f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(required)}."
        )
    return frame
