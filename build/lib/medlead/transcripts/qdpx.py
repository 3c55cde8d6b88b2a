"""REFI-QDA projects as turns: :func:`turns_from_refi`.

In: a ``.qdpx`` project (NVivo, ATLAS.ti, MAXQDA, QualCoder or :func:`medlead.refi.export_qdpx`),
the CSV folder of :func:`medlead.refi.import_qdpx`, or those tables as a dict. Out: a turns table
like :func:`medlead.transcripts.read_transcripts`, one turn per paragraph or per source, with the
project's codes and case variables alongside.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from medlead.corpus import TURN_COLUMNS
from medlead.transcripts.common import (
    RESERVED_ATTRIBUTES,
    TRANSCRIPT_COLUMNS,
    TranscriptError,
    lines_of,
)

#: The file suffixes this reader takes (matched ignoring case).
SUFFIXES: tuple[str, ...] = (".qdpx",)

#: How :func:`turns_from_refi` cuts a source into turns.
REFI_UNITS: tuple[str, ...] = ("paragraph", "source")
#: ``Label: `` at the start of a paragraph: up to 40 letters (any script), digits, spaces, ``_.-``,
#: optionally in Markdown or HTML bold, spaces allowed before the colon; after an ASCII colon a
#: space is needed, after a full-width one (U+FF1A) not.
_LABEL = re.compile(
    r"(?:\*\*|__|<(?:b|strong)>)?(?P<label>[^\W\d_][\w.\- ]{0,39}?)[^\S\n]*"
    r"(?:\*\*|__|</(?:b|strong)>)?[^\S\n]*(?:[:\ufe55](?:\*\*|__|</(?:b|strong)>)?[^\S\n]+"
    r"|\uff1a(?:\*\*|__|</(?:b|strong)>)?[^\S\n]*)(?=\S)"
)
_VARIABLE_TYPES = {"Boolean": lambda v: v.strip().lower() in ("true", "1"), "Integer": int,
                   "Float": float}


def _refi_tables(project: object, positions: str = "auto") -> tuple[dict[str, pd.DataFrame], str]:
    """Load REFI tables from a ``.qdpx``, a folder of CSVs or a dict; return them and a name."""
    from medlead import refi  # imported here: the text-format reader does not need lxml

    if isinstance(project, Mapping):
        missing = [name for name in ("sources", "cases", "variables", "segments", "codes")
                   if name not in project]
        if missing:
            raise TranscriptError(f"REFI tables: missing table(s) {', '.join(missing)}.")
        return dict(project), "REFI tables"
    path = Path(project)  # type: ignore[arg-type]
    if path.is_dir():
        return refi.read_tables_csv(path), str(path)
    if path.is_file() and path.suffix.lower() == ".qdpx":
        return refi.read_qdpx(path, positions=positions), str(path)
    raise TranscriptError(
        f"{path}: expected a .qdpx project file or the folder of CSV tables written by "
        "'python -m medlead import-qdpx' (sources.csv, cases.csv, variables.csv, codes.csv, "
        "segments.csv)."
    )


def _typed(value: str, type_: str) -> object:
    convert = _VARIABLE_TYPES.get(type_)
    if convert is None or value == "":
        return value
    try:
        return convert(value)
    except ValueError:
        return value


def _case_attributes(
    tables: dict[str, pd.DataFrame], where: str
) -> tuple[dict[str, list[str]], dict[str, dict[str, object]]]:
    """Return, per source id, the names of its cases and the merged variables of those cases."""
    case_names: dict[str, list[str]] = {}
    variables: dict[str, dict[str, object]] = {}
    values_by_case: dict[str, dict[str, object]] = {}
    for row in tables["variables"].to_dict("records"):
        values_by_case.setdefault(str(row["case_id"]), {})[str(row["variable"])] = _typed(
            str(row["value"]), str(row["type"])
        )
    for case in tables["cases"].to_dict("records"):
        ids = case["source_ids"]
        ids = ids.split(";") if isinstance(ids, str) else list(ids)
        for source_id in [i for i in ids if i]:
            case_names.setdefault(source_id, []).append(str(case["name"]))
            merged = variables.setdefault(source_id, {})
            for name, value in values_by_case.get(str(case["case_id"]), {}).items():
                if name in merged and merged[name] != value:
                    raise TranscriptError(
                        f"{where}: the source {source_id} is in several cases that give the "
                        f"variable {name!r} different values ({merged[name]!r}, {value!r}); keep "
                        "each source in one case, or give the variables different names."
                    )
                merged[name] = value
    return case_names, variables


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Start/end offsets of each non-blank line of ``text``, without surrounding whitespace."""
    spans = []
    for offset, line in lines_of(text):
        if line.strip():
            start = offset + len(line) - len(line.lstrip())
            spans.append((start, offset + len(line.rstrip())))
    return spans


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "source"


def turns_from_refi(
    project: str | Path | Mapping[str, pd.DataFrame],
    unit: str = "paragraph",
    speaker_labels: bool | Iterable[str] = False,
    interviewers: Iterable[str] = (),
    positions: str = "auto",
) -> pd.DataFrame:
    """Turn a REFI-QDA project's text sources into a turns table like :func:`read_transcripts`.

    In: ``project``: a ``.qdpx`` file (from NVivo, ATLAS.ti, MAXQDA, QualCoder or
    :func:`medlead.refi.export_qdpx`), the folder of CSV tables written by
    :func:`medlead.refi.import_qdpx`, or those tables as a dict. ``unit``: ``"paragraph"`` (one
    turn per non-blank line of a source, which is what these programs call a paragraph) or
    ``"source"`` (one turn per source). ``speaker_labels``: when true, a paragraph opening with
    ``Label: `` (a label of up to 40 letters, digits, spaces, ``-``, ``_`` or ``.``) is that
    label's turn, its text starting after the label, and a paragraph without a label is the
    previous label's (the case's before the first label); when a list of labels, only those
    labels count (safer: "PPE: ..." is then not a speaker). ``interviewers``: labels whose turns
    are the interviewer's (``is_witness`` false). ``positions``: the unit of a ``.qdpx``'s
    selections, passed to :func:`medlead.refi.read_qdpx` (``"auto"``: by the program that wrote
    it, UTF-16 units for NVivo).

    Out: :data:`TURN_COLUMNS` then :data:`TRANSCRIPT_COLUMNS`, ``qda_codes`` (the names of the codes
    whose coded segments overlap the turn, sorted, joined by ``"; "``) and one column per case
    variable. ``turn_id`` is ``<source name>-<NNNN>`` (the source's id when names repeat),
    ``transcript`` and ``section`` are the source's name, ``witness`` and (without a label)
    ``speaker`` are the name of the source's case (or cases, joined by ``" / "``; the source's
    name if it is in no case), ``hearing_date`` is the case variable ``date`` when there is one, and
    ``start``/``end`` index the source's text as stored in the project (``\\n`` line ends).

    Raises :class:`TranscriptError` for an unknown ``unit``, a path that is neither a ``.qdpx``
    nor a folder of tables, a project without text, or a source whose cases disagree about a
    variable; :class:`medlead.refi.RefiError` for a malformed or unsafe ``.qdpx``.
    """
    if unit not in REFI_UNITS:
        raise TranscriptError(f"unit {unit!r} is not one of {', '.join(REFI_UNITS)}.")
    tables, where = _refi_tables(project, positions)
    sources = tables["sources"]
    if sources.empty or not sources["text"].astype(str).str.strip().any():
        raise TranscriptError(f"{where}: the project has no text sources with any text.")
    case_names, variables = _case_attributes(tables, where)
    names = sources["name"].astype(str)
    unique_names = names.map(_slug).is_unique
    code_names = dict(zip(tables["codes"]["code_id"].astype(str),
                          tables["codes"]["name"].astype(str), strict=True))
    segments = tables["segments"]
    interviewer_set = frozenset(interviewers)
    allowed_labels = (
        None if isinstance(speaker_labels, bool) else frozenset(str(x) for x in speaker_labels)
    )
    variable_names = sorted({name for values in variables.values() for name in values})
    rename = {name: f"case_{name}" if name in RESERVED_ATTRIBUTES or name == "qda_codes"
              else name for name in variable_names}
    rows = []
    for source in sources.to_dict("records"):
        source_id, name, text = str(source["source_id"]), str(source["name"]), str(source["text"])
        key = _slug(name) if unique_names else source_id
        owner = " / ".join(n for n in case_names.get(source_id, []) if n) or name
        attributes = variables.get(source_id, {})
        date = attributes.get("date")
        if unit == "source":
            lead = len(text) - len(text.lstrip())
            spans = [(lead, len(text.rstrip()))] if text.strip() else []
        else:
            spans = _paragraph_spans(text)
        coded = segments.loc[segments["source_id"].astype(str) == source_id]
        speaker = owner
        for number, (span_start, end) in enumerate(spans, start=1):
            start = span_start
            match = _LABEL.match(text, start, end) if speaker_labels else None
            if match and (allowed_labels is None or match.group("label").strip() in allowed_labels):
                speaker, start = match.group("label").strip(), match.end()
            overlapping = coded.loc[(coded["start"] < end) & (coded["end"] > start), "code_id"]
            turn_text = text[start:end]
            is_witness = speaker not in interviewer_set
            rows.append(
                {
                    "turn_id": f"{key}-{number:04d}",
                    "hearing_date": str(date)[:10] if date else None,
                    "section": name,
                    "subheading": None,
                    "witness": owner,
                    "speaker": speaker,
                    "speaker_label": speaker,
                    "role": "participant" if is_witness else "interviewer",
                    "is_witness": is_witness,
                    "text": turn_text,
                    "n_words": len(turn_text.split()),
                    "start": start,
                    "end": end,
                    "transcript": name,
                    "site": None,
                    "timestamp": None,
                    "qda_codes": "; ".join(
                        sorted({code_names.get(str(c), str(c)) for c in overlapping})
                    ),
                    **{rename[k]: v for k, v in attributes.items()},
                }
            )
    columns = [*TURN_COLUMNS, *TRANSCRIPT_COLUMNS, "qda_codes",
               *(rename[name] for name in variable_names)]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({"is_witness": bool, "n_words": "int64", "start": "int64", "end": "int64"})
