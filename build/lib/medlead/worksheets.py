"""Coding worksheets for a class, and agreement between the students who fill them in.

Inter-coder reliability is learnt by doing it: several people code the same turns against the
same codebook without conferring, then compare. This module supports that as a class activity.

1. :func:`worksheet_sample` draws a seeded, stratified sample of witness turns from the book's
   validation sample (``data/manual_sample.csv``), so a reference coding exists for each turn.
2. :func:`worksheet_table` lays the turns out for coding: one row per turn (its text, speaker and
   group), one empty column per code, and a ``note`` column; :func:`definitions_table` gives the
   codebook's definitions of those codes. :func:`write_worksheet` writes both as CSV files and
   as one XLSX workbook (sheets *Instructions*, *Coding*, *Codebook*; code cells accept only 1 or
   0 and the text wraps) that a student can open in a spreadsheet.
3. :func:`read_worksheet` reads one completed worksheet back (CSV or XLSX) into a 0/1 turn x code
   table, refusing it with a clear error (file, line, column) for missing, extra or repeated
   turns, a code not in the codebook, a code column left out, or a value other than 1, 0 or blank.
   Blank means 0: the code does not apply.
4. :func:`class_agreement` compares any number of coders: Cohen's kappa for each pair, per code;
   Krippendorff's alpha for the whole group, per code; and each coder against the reference
   coding. The statistics and their caveats come from :mod:`medlead.reliability`.

The reference coding in ``data/manual_codes.csv`` was made by an AI assistant (see
``data/manual_sample.md``), not by an independent human coder: results against it are labelled
with :data:`REFERENCE_CODER` so that no table passes it off as a person.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from medlead import atomic, coding, reliability

#: How the reference coding is named in every table (it is not a human coder).
REFERENCE_CODER = "reference (AI assistant, data/manual_codes.csv)"
#: Columns of a worksheet before the code columns; the coder reads them, never changes them.
INFO_COLUMNS: list[str] = ["row", "turn_id", "speaker", "group", "text"]
#: The last column: the coder's free-text note (optional, never compared).
NOTE_COLUMN = "note"
#: Columns of :func:`definitions_table`.
DEFINITION_COLUMNS: list[str] = ["code", "theme", "label", "definition", "use_when", "not_when"]
#: Columns of the per-pair table of :func:`class_agreement` (then the reliability columns).
PAIR_COLUMNS: list[str] = ["coder_a", "coder_b"] + reliability.AGREEMENT_COLUMNS
#: Columns of the group table of :func:`class_agreement`.
GROUP_COLUMNS: list[str] = [
    "code", "n_coders", "n_units", "units_coded_by_anyone", "units_all_agree",
    "mean_pairwise_kappa", "krippendorff_alpha", "note",
]
#: The sheet names of the XLSX workbook.
SHEETS: tuple[str, str, str] = ("Instructions", "Coding", "Codebook")

INSTRUCTIONS: str = """\
Coding worksheet: witness turns from the UK Covid-19 Inquiry, Module 3 hearings.
Work alone: do not confer with other coders until everyone has finished.
1. Read the definitions of the codes (sheet Codebook, or the codebook CSV file).
2. For each turn (one row of sheet Coding), read the text and put 1 under every code that applies.
   Leave the other code cells empty (or put 0). A turn may get several codes or none.
3. Optionally write your reason in the note column. Do not add, remove, reorder or rename rows or
   columns, and do not change the turn ids: the file is read back by medlead.worksheets.
4. Save the file (keep CSV as CSV, XLSX as XLSX) under your own name, e.g. coder-anna.xlsx.
Source: Crown copyright transcripts of the UK Covid-19 Inquiry, quoted for teaching and research;
the turns are the witnesses' own words as published. Codebook: data/codebook.yml of this book.
"""


class WorksheetError(ValueError):
    """A worksheet cannot be made or read back (the message names the file, row and problem)."""


def worksheet_sample(
    witness: pd.DataFrame,
    n: int = 20,
    seed: int = 2026,
    max_words: int = 200,
    sample: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Draw ``n`` turns for a class worksheet, the same number from each stratum.

    In: witness turns (:func:`medlead.corpus.witness_turns`, with ``turn_id``, ``n_words``);
    the validation sample (``turn_id``, ``stratum``; default ``data/manual_sample.csv``), which is
    where the turns come from, so each has a reference coding. Turns longer than ``max_words``
    words are left out (a class reads every turn). ``n`` is shared out over the strata as
    :func:`medlead.coding.validation_sample` does, and the turns are drawn without replacement
    with ``numpy``'s generator seeded by ``seed``. Out: ``turn_id``, ``stratum``, in stratum
    order then turn order. Raises :class:`WorksheetError` if a stratum has too few turns.
    """
    if sample is None:
        sample = pd.read_csv(coding.MANUAL_SAMPLE_PATH, dtype=str)
    if n < 1:
        raise WorksheetError(f"A worksheet needs at least one turn; n={n} was asked for.")
    words = witness.set_index("turn_id")["n_words"]
    missing = sorted(set(sample["turn_id"]) - set(words.index))
    if missing:
        raise WorksheetError(f"Sampled turns not among the witness turns: {missing[:5]}.")
    short = sample[sample["turn_id"].map(words) <= max_words]
    return coding.draw_by_stratum(
        short, list(dict.fromkeys(sample["stratum"])), n, seed,
        lambda name, have, want: WorksheetError(
            f"Stratum {name!r} has {have} sampled turns of at most {max_words} words; "
            f"{want} were asked for. Lower n or raise max_words."
        ),
    )


def _codes_of(codebook: pd.DataFrame, codes: Sequence[str] | None) -> list[str]:
    known = coding.code_names(codebook)
    if codes is None:
        return known
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise WorksheetError(f"Codes not in the codebook: {unknown}. Known codes: {known}.")
    return list(codes)


def worksheet_table(
    chosen: pd.DataFrame,
    witness: pd.DataFrame,
    codebook: pd.DataFrame,
    codes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Lay out the chosen turns for coding: :data:`INFO_COLUMNS`, one empty column per code, note.

    In: ``chosen`` (``turn_id``, as from :func:`worksheet_sample`), the witness turns (with
    ``text``, ``name``, ``group``) and the codebook; ``codes`` limits the worksheet to some codes
    (default: every code). The code and note cells are empty strings, for the coder to fill.
    """
    codes = _codes_of(codebook, codes)
    turns = witness.set_index("turn_id")
    missing = sorted(set(chosen["turn_id"]) - set(turns.index))
    if missing:
        raise WorksheetError(f"Chosen turns not among the witness turns: {missing[:5]}.")
    own = turns.loc[list(chosen["turn_id"])]
    table = pd.DataFrame(
        {
            "row": range(1, len(own) + 1),
            "turn_id": list(own.index),
            "speaker": own["name"].astype(str).to_numpy(),
            "group": own["group"].astype(str).str.replace("_", " ").to_numpy(),
            "text": own["text"].astype(str).to_numpy(),
        }
    )
    for code in codes + [NOTE_COLUMN]:
        table[code] = ""
    return table


def definitions_table(codebook: pd.DataFrame, codes: Sequence[str] | None = None) -> pd.DataFrame:
    """The codebook's definitions of ``codes`` (default all), as :data:`DEFINITION_COLUMNS`."""
    codes = _codes_of(codebook, codes)
    rows = codebook.set_index("code").loc[codes].reset_index()
    labels = codebook.set_index("code")["label"]
    rows["theme"] = rows["theme"].map(labels)
    return rows[DEFINITION_COLUMNS].reset_index(drop=True)


def _xlsx_bytes(table: pd.DataFrame, definitions: pd.DataFrame) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    intro = book.active
    intro.title = SHEETS[0]
    for number, line in enumerate(INSTRUCTIONS.splitlines(), start=1):
        intro.cell(row=number, column=1, value=line)
    intro.column_dimensions["A"].width = 110

    sheet = book.create_sheet(SHEETS[1])
    sheet.append(list(table.columns))
    for row in table.itertuples(index=False):
        sheet.append([None if value == "" else value for value in row])
    widths = {"row": 5, "turn_id": 17, "speaker": 22, "group": 16, "text": 80, NOTE_COLUMN: 40}
    wrap = Alignment(wrap_text=True, vertical="top")
    for index, column in enumerate(table.columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = widths.get(column, 12)
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.cell(row=1, column=index).alignment = Alignment(wrap_text=True, vertical="top")
        for cell in sheet[letter][1:]:
            cell.alignment = wrap
    code_columns = [c for c in table.columns if c not in INFO_COLUMNS + [NOTE_COLUMN]]
    if code_columns and len(table):
        rule = DataValidation(type="list", formula1='"1,0"', allow_blank=True,
                              error="Put 1 if the code applies; leave empty or put 0 if not.",
                              showErrorMessage=True)
        first = get_column_letter(table.columns.get_loc(code_columns[0]) + 1)
        last = get_column_letter(table.columns.get_loc(code_columns[-1]) + 1)
        rule.add(f"{first}2:{last}{len(table) + 1}")
        sheet.add_data_validation(rule)
    sheet.freeze_panes = "F2"

    definitions_sheet = book.create_sheet(SHEETS[2])
    definitions_sheet.append(list(definitions.columns))
    for row in definitions.itertuples(index=False):
        definitions_sheet.append(list(row))
    for index in range(1, len(definitions.columns) + 1):
        letter = get_column_letter(index)
        definitions_sheet.column_dimensions[letter].width = 26 if index <= 3 else 60
        definitions_sheet.cell(row=1, column=index).font = Font(bold=True)
        for cell in definitions_sheet[letter][1:]:
            cell.alignment = wrap
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def write_worksheet(
    table: pd.DataFrame, definitions: pd.DataFrame, folder: str | Path,
    stem: str = "coding-worksheet",
) -> dict[str, Path]:
    """Write the worksheet as ``<stem>.csv``, ``<stem>-codebook.csv`` and ``<stem>.xlsx``.

    Returns the written paths keyed ``csv``, ``codebook_csv``, ``xlsx``. CSV files are UTF-8 with
    a byte-order mark, so spreadsheet programs show accented names correctly.
    """
    folder = Path(folder)
    written = {
        "csv": atomic.write_bytes_atomically(
            folder / f"{stem}.csv", table.to_csv(index=False).encode("utf-8-sig")),
        "codebook_csv": atomic.write_bytes_atomically(
            folder / f"{stem}-codebook.csv", definitions.to_csv(index=False).encode("utf-8-sig")),
        "xlsx": atomic.write_bytes_atomically(
            folder / f"{stem}.xlsx", _xlsx_bytes(table, definitions)),
    }
    return written


# --- reading completed worksheets ---------------------------------------------------------------


def _read_raw(path: Path) -> tuple[pd.DataFrame, int]:
    """The worksheet's table as strings, and the file line/sheet row of its first data row."""
    if not path.is_file():
        raise WorksheetError(f"{path}: the worksheet file does not exist.")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame = _read_csv_text(path)
    elif suffix == ".xlsx":
        try:
            frame = pd.read_excel(path, sheet_name=SHEETS[1], dtype=object, engine="openpyxl")
        except ValueError as exc:
            raise WorksheetError(
                f"{path}: no sheet named {SHEETS[1]!r} (the worksheet's coding sheet): {exc}"
            ) from exc
        frame = frame.map(_cell_text)
    else:
        raise WorksheetError(f"{path}: a worksheet must be a .csv or .xlsx file.")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, 2


def _read_csv_text(path: Path) -> pd.DataFrame:
    """A CSV worksheet as strings, as spreadsheet programs save it.

    UTF-8 (with or without a byte-order mark) is tried first, then Windows-1252, which some
    spreadsheet programs use; a header with semicolons and no commas (saved in a locale whose
    list separator is ``;``) is read with ``;``.
    """
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost any byte string
        raise WorksheetError(f"{path}: not a text file in UTF-8 or Windows-1252.")
    header = text.split("\n", 1)[0]
    separator = ";" if ";" in header and "," not in header else ","
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=separator)
    except pd.errors.ParserError as exc:
        raise WorksheetError(f"{path}: not a readable CSV file: {exc}") from exc


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_worksheet(
    path: str | Path, turn_ids: Sequence[str], codes: Sequence[str]
) -> pd.DataFrame:
    """Read one completed worksheet (CSV or XLSX) into a 0/1 table: one row per turn, per code.

    In: the file, the turn ids the worksheet was made for and its codes (the columns a worksheet
    made by :func:`worksheet_table` has). A code cell holds 1 (the code applies), 0 or nothing
    (it does not). Out: int DataFrame indexed by ``turn_id`` in the order of ``turn_ids``, one
    column per code. Raises :class:`WorksheetError` naming the file and, where it applies, the
    line and column, when a turn is missing, extra or repeated, a column is not a code of the
    codebook (or a code column is missing), or a cell holds anything but 1, 0 or blank.
    """
    path = Path(path)
    frame, first_line = _read_raw(path)
    codes, turn_ids = list(codes), [str(t) for t in turn_ids]
    if "turn_id" not in frame.columns:
        raise WorksheetError(f"{path}: has no 'turn_id' column; was it made by this book?")
    allowed = set(INFO_COLUMNS) | {NOTE_COLUMN} | set(codes)
    extra_columns = [c for c in frame.columns if c not in allowed]
    if extra_columns:
        raise WorksheetError(
            f"{path}: columns {extra_columns} are not codes of this worksheet's codebook "
            f"(its codes are {codes}). Code only with the codebook's codes; write other "
            f"ideas in the {NOTE_COLUMN!r} column."
        )
    missing_columns = [c for c in codes if c not in frame.columns]
    if missing_columns:
        raise WorksheetError(f"{path}: the code columns {missing_columns} are missing.")
    ids = frame["turn_id"].str.strip()
    repeated = sorted(set(ids[ids.duplicated()]))
    if repeated:
        lines = [int(i) + first_line for i in np.flatnonzero(ids.isin(repeated).to_numpy())]
        raise WorksheetError(f"{path}: turns {repeated} appear more than once (lines {lines}).")
    extra = [(int(i) + first_line, t) for i, t in enumerate(ids) if t not in set(turn_ids)]
    if extra:
        raise WorksheetError(
            f"{path}: rows not in the worksheet's sample (line, turn id): {extra[:5]}. "
            "Remove them or check the turn ids were not changed."
        )
    missing = [t for t in turn_ids if t not in set(ids)]
    if missing:
        raise WorksheetError(f"{path}: turns of the sample missing from the file: {missing[:5]}.")
    values = frame[codes].apply(lambda column: column.str.strip())
    values = values.replace({"1.0": "1", "0.0": "0"})
    bad = ~values.isin(["1", "0", ""])
    if bad.to_numpy().any():
        row, col = np.argwhere(bad.to_numpy())[0]
        raise WorksheetError(
            f"{path}: line {int(row) + first_line}, column {codes[col]!r} holds "
            f"{values.iat[row, col]!r}; a code cell takes 1 (applies), 0 or nothing."
        )
    table = values.replace("", "0").astype(int).set_axis(ids, axis=0)
    table.index.name = "turn_id"
    return table.loc[turn_ids]


def read_worksheets(
    paths: Sequence[str | Path] | Mapping[str, str | Path],
    turn_ids: Sequence[str],
    codes: Sequence[str],
) -> dict[str, pd.DataFrame]:
    """Read several completed worksheets; return ``{coder: 0/1 table}``.

    ``paths`` is a list of files (each coder named by the file's stem, e.g. ``coder-anna``) or a
    mapping ``{coder: file}``. Every file is read with :func:`read_worksheet`; two files with the
    same coder name raise :class:`WorksheetError`.
    """
    if isinstance(paths, Mapping):
        named = [(str(name), Path(p)) for name, p in paths.items()]
    else:
        named = [(Path(p).stem, Path(p)) for p in paths]
    names = [name for name, _ in named]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise WorksheetError(f"Two worksheets have the same coder name: {twice}; rename a file.")
    return {name: read_worksheet(path, turn_ids, codes) for name, path in named}


# --- agreement ------------------------------------------------------------------------------------


@dataclass
class ClassAgreement:
    """What :func:`class_agreement` returns.

    - ``pairs``: :data:`PAIR_COLUMNS`: every pair of coders, per code (2x2 counts, percent
      agreement, Cohen's kappa, Krippendorff's alpha for the pair, PABAK, note);
    - ``group``: :data:`GROUP_COLUMNS`: per code, Krippendorff's alpha over all coders at once,
      the mean of the pairwise kappas, and how many turns everyone agreed on;
    - ``reference``: :data:`PAIR_COLUMNS` with ``coder_b`` = :data:`REFERENCE_CODER` (empty when
      no reference was given).
    """

    pairs: pd.DataFrame
    group: pd.DataFrame
    reference: pd.DataFrame


def _pair_table(name_a: str, a: pd.DataFrame, name_b: str, b: pd.DataFrame) -> pd.DataFrame:
    table = reliability.agreement_by_code(a, b)
    table.insert(0, "coder_b", name_b)
    table.insert(0, "coder_a", name_a)
    return table


def class_agreement(
    codings: Mapping[str, pd.DataFrame], reference: pd.DataFrame | None = None
) -> ClassAgreement:
    """Agreement among any number of coders of one worksheet, per code, and with a reference.

    In: ``{coder: 0/1 table}`` (as :func:`read_worksheets` returns; at least two coders, the same
    turns and codes) and optionally the reference coding of those turns (a 0/1 table with at least
    those turns and codes; see :func:`reference_coding`). Out: a :class:`ClassAgreement`.
    Statistics that are undefined (a code nobody used) are NaN with the reason in ``note``.
    """
    if len(codings) < 2:
        raise WorksheetError(
            f"Agreement needs at least two coders' worksheets; got {len(codings)}."
        )
    names = list(codings)
    first = codings[names[0]]
    codes = list(first.columns)
    for name in names[1:]:
        other = codings[name]
        if sorted(other.columns) != sorted(codes) or set(other.index) != set(first.index):
            raise WorksheetError(
                f"The worksheets of {names[0]!r} and {name!r} do not cover the same turns and "
                "codes; compare worksheets made from one and the same sample."
            )
    pairs = pd.concat(
        [_pair_table(a, codings[a], b, codings[b]) for a, b in itertools.combinations(names, 2)],
        ignore_index=True,
    )[PAIR_COLUMNS]

    rows = []
    for code in codes:
        ratings = np.vstack([codings[n].loc[first.index, code].to_numpy() for n in names])
        anyone = int((ratings.max(axis=0) == 1).sum())
        all_agree = int((ratings.min(axis=0) == ratings.max(axis=0)).sum())
        alpha = reliability.krippendorff_alpha_nominal(ratings)
        kappas = pairs.loc[pairs["code"] == code, "cohen_kappa"]
        note = ""
        if np.isnan(alpha):
            note = ("no coder used this code" if anyone == 0
                    else "every coder applied this code to every turn")
            note += ": kappa and alpha undefined"
        rows.append({
            "code": code, "n_coders": len(names), "n_units": ratings.shape[1],
            "units_coded_by_anyone": anyone, "units_all_agree": all_agree,
            "mean_pairwise_kappa": float(kappas.mean()) if kappas.notna().any() else np.nan,
            "krippendorff_alpha": alpha, "note": note,
        })
    group = pd.DataFrame(rows, columns=GROUP_COLUMNS)

    if reference is None:
        against = pd.DataFrame(columns=PAIR_COLUMNS)
    else:
        lacking_turns = sorted(set(first.index) - set(reference.index))
        lacking_codes = sorted(set(codes) - set(reference.columns))
        if lacking_turns or lacking_codes:
            raise WorksheetError(
                f"The reference coding lacks turns {lacking_turns[:5]} or codes {lacking_codes}."
            )
        ref = reference.loc[first.index, codes]
        against = pd.concat(
            [_pair_table(n, codings[n], REFERENCE_CODER, ref) for n in names], ignore_index=True
        )[PAIR_COLUMNS]
    return ClassAgreement(pairs=pairs, group=group, reference=against)


def reference_coding(turn_ids: Sequence[str], codes: Sequence[str]) -> pd.DataFrame:
    """The book's reference coding of ``turn_ids`` for ``codes`` (made by an AI assistant).

    Read from ``data/manual_codes.csv`` with :func:`medlead.coding.load_manual_codes`. Raises
    :class:`WorksheetError` for a turn it does not cover.
    """
    manual = coding.load_manual_codes()
    missing = [t for t in turn_ids if t not in manual.index]
    if missing:
        raise WorksheetError(
            f"{coding.MANUAL_CODES_PATH}: no reference coding for turns {missing[:5]}."
        )
    return manual.loc[list(turn_ids), list(codes)]
