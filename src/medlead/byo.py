"""Bring your own transcripts: read interview and focus-group transcripts as the book's turns.

The book's text tools (:mod:`medlead.text`) and coding work on a DataFrame of speaker turns, one row
per turn, with the columns of :data:`TURN_COLUMNS` (the same as the hearing corpus,
:func:`medlead.corpus.load_turns`). This module builds that table from a researcher's own material:

- :func:`read_transcript` / :func:`read_transcripts`: plain-text transcripts in the format the
  book documents in ``book/byo-format.md`` (UTF-8 ``.txt``: a front-matter block of metadata
  between ``---`` lines, then ``SPEAKER: text`` turns, with optional ``[hh:mm:ss]`` time stamps,
  ``# notes`` and ``## section`` / ``### sub-section`` headings);
- :func:`turns_from_refi`: a REFI-QDA project (a ``.qdpx`` file from NVivo, ATLAS.ti, MAXQDA or
  QualCoder, the tables of :func:`medlead.refi.read_qdpx`, or the CSV folder written by
  :func:`medlead.refi.import_qdpx`), one turn per paragraph or per source.

How the transcript format maps onto the turns columns:

=================  =========================================================================
column             value
=================  =========================================================================
``turn_id``        ``<transcript id>-<NNNN>``, NNNN the 1-based number of the turn in its file
``hearing_date``   the transcript's ``date`` (``YYYY-MM-DD``)
``section``        the ``## heading`` the turn is under (missing before the first heading)
``subheading``     the ``### heading`` the turn is under, reset by each ``##`` heading
``witness``        the participant the turn is from, or, for the interviewer's turns, the one
                   participant who is not an interviewer when there is exactly one
``speaker``        the speaker code (``P1``), as declared under ``participants``
``speaker_label``  the label as written in the turn (the same as ``speaker``)
``role``           ``interviewer`` or ``participant``
``is_witness``     ``True`` unless the speaker is one of the transcript's interviewers
``text``           the turn's text: from after ``SPEAKER:`` to the end of its last line
``n_words``        whitespace-separated words in ``text``
``start``/``end``  0-based, end-exclusive character offsets of ``text`` in the file's decoded
                   text, so ``file_text[start:end] == text``
=================  =========================================================================

Then ``transcript``, ``site``, ``timestamp`` (the turn's ``[hh:mm:ss]``, if any) and one column per
participant attribute declared in the front matter (``group``, ``hybrid_medical_manager``...).

Every problem is reported as a :class:`TranscriptError` naming the file, the line and how to fix it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from medlead.atomic import write_text_atomically
from medlead.corpus import TURN_COLUMNS

# Turns tables here have exactly the columns of medlead.corpus.load_turns (TURN_COLUMNS, imported).

#: Columns added after :data:`TURN_COLUMNS` for every transcript (participant attributes follow).
TRANSCRIPT_COLUMNS: tuple[str, ...] = ("transcript", "site", "timestamp")

#: Names a participant attribute may not take, because the turns table already uses them.
RESERVED_ATTRIBUTES: frozenset[str] = frozenset(TURN_COLUMNS) | frozenset(TRANSCRIPT_COLUMNS)

#: Front-matter keys: required, then optional.
REQUIRED_KEYS: tuple[str, ...] = ("transcript", "date", "interviewer", "participants")
OPTIONAL_KEYS: tuple[str, ...] = ("site", "description")

#: File names :func:`read_transcripts` reads from a folder.
TRANSCRIPT_GLOB = "*.txt"

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_ATTRIBUTE = re.compile(r"^[a-z][a-z0-9_]*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIMESTAMP = r"\[(?P<timestamp>(?:\d{1,2}:)?\d{1,2}:\d{2})\]"
#: A speaker line: optional time stamp, a code, a colon, then a space or the end of the line.
_SPEAKER_LINE = re.compile(
    rf"^(?:{_TIMESTAMP}[ \t]+)?(?P<label>[A-Za-z][A-Za-z0-9_.\-]*):(?=[ \t]|$)[ \t]*"
)
_BARE_TIMESTAMP = re.compile(rf"^{_TIMESTAMP}[ \t]*$")
_FENCE = "---"


class TranscriptError(ValueError):
    """A transcript (or a folder of them, or a REFI-QDA project) cannot be read.

    The message names the file, the line where that helps, what is wrong and how to fix it.
    """


# --- front matter -----------------------------------------------------------------------------


class _StrictLoader(getattr(yaml, "CBaseLoader", yaml.BaseLoader)):  # libyaml when present
    """YAML reading every scalar as text (no ``NO`` → False surprise), refusing duplicate keys."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict:
    seen: dict[str, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain word", key_node.start_mark
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"the key {key!r} appears twice (first on front-matter line {seen[key]})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line + 2  # +1 for 1-based, +1 for the opening ---
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _decode(path: Path) -> str:
    """Read ``path`` as UTF-8 (a byte-order mark is dropped); refuse other encodings clearly."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise TranscriptError(f"{path}: file not found.") from exc
    except IsADirectoryError as exc:
        raise TranscriptError(f"{path}: is a folder; use read_transcripts() for a folder.") from exc
    if not data.strip():
        raise TranscriptError(
            f"{path}: the file is empty. A transcript starts with a '---' front-matter block "
            "(see book/byo-format.md)."
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TranscriptError(
            f"{path}, line 1: the file is UTF-16 (what Windows calls 'Unicode'), not UTF-8. Save "
            "it again choosing the encoding UTF-8."
        )
    if data.startswith(b"PK\x03\x04"):
        raise TranscriptError(
            f"{path}, line 1: this is a zip archive (a Word .docx, an .odt or a .qdpx renamed?), "
            "not plain text. Save the transcript as plain text (.txt, UTF-8); read a .qdpx with "
            "turns_from_refi()."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise TranscriptError(
            f"{path}, line {line}: byte {data[exc.start]:#04x} at byte offset {exc.start} is not "
            "UTF-8. Save the file as UTF-8 text (e.g. in Word: Save As > Plain Text > Unicode "
            "(UTF-8); in a text editor: Save with encoding UTF-8)."
        ) from exc


def _lines(text: str) -> list[tuple[int, str]]:
    """Split ``text`` into (start offset, line without its line ending) pairs."""
    lines, offset = [], 0
    # Only "\n" ends a line (str.splitlines would also split at form feeds and Unicode line
    # separators, and line numbers would then disagree with the user's editor).
    for raw in text.split("\n"):
        lines.append((offset, raw.removesuffix("\r")))
        offset += len(raw) + 1
    return lines


def _split_front_matter(path: Path, lines: list[tuple[int, str]]) -> tuple[str, int]:
    """Return the front matter's YAML text and the index of the first body line."""
    if lines[0][1].strip() != _FENCE:
        raise TranscriptError(
            f"{path}, line 1: expected '---' to open the front-matter block, found "
            f"{lines[0][1][:40]!r}. Start the file with a line '---', the metadata (transcript, "
            "date, interviewer, participants), and another line '---'."
        )
    for index in range(1, len(lines)):
        if lines[index][1].strip() == _FENCE:
            return "\n".join(body for _, body in lines[1:index]), index + 1
    raise TranscriptError(
        f"{path}, line 1: the front-matter block opened here is never closed. Add a line '---' "
        "after the participants, before the first speaker turn."
    )


def _front_matter_lines(lines: list[tuple[int, str]]) -> dict[str, int]:
    """Line numbers of the front matter's keys (``date``) and participant codes (``  P1``)."""
    found: dict[str, int] = {}
    for index in range(1, len(lines)):
        if lines[index][1].strip() == _FENCE:
            break
        match = re.match(r"^(\s*)([^\s:#][^:]*?)\s*:", lines[index][1])
        if match:
            key = ("  " if match.group(1) else "") + match.group(2).strip("'\"")
            found.setdefault(key, index + 1)
    return found


def _parse_front_matter(
    path: Path, yaml_text: str, n_lines: int, key_lines: dict[str, int] | None = None
) -> dict:
    """Parse and check the front matter; return a dict with the normalised metadata."""
    where = f"{path}"
    key_lines = key_lines or {}
    block = f"front matter (lines 1-{n_lines})"

    def at(key: str) -> str:
        return f"line {key_lines[key]}" if key in key_lines else block
    try:
        raw = yaml.load(yaml_text, Loader=_StrictLoader)  # noqa: S506 - BaseLoader: text only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise TranscriptError(
            f"{path}{line}: the front matter is not valid: {problem}. Each line is 'key: value'; "
            "participants are indented under 'participants:' (see book/byo-format.md)."
        ) from exc
    if not isinstance(raw, dict):
        raise TranscriptError(
            f"{where}, {block}: expected 'key: value' lines (transcript, date, interviewer, "
            "participants)."
        )
    problems = []
    for key in raw:
        if key not in REQUIRED_KEYS + OPTIONAL_KEYS:
            close = difflib.get_close_matches(key, REQUIRED_KEYS + OPTIONAL_KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(
                f"{at(key)}: unknown key {key!r}{hint}; allowed: "
                f"{', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)}"
            )
    problems += [f"{block}: the required key {key!r} is missing"
                 for key in REQUIRED_KEYS if key not in raw]
    if problems:
        raise TranscriptError(_listing(where, problems))

    transcript = raw["transcript"]
    if not isinstance(transcript, str) or not _ID.match(transcript):
        problems.append(
            f"{at('transcript')}: "
            f"transcript {transcript!r} is not a usable id: use letters, digits, '-', '_' or '.' "
            "(e.g. 'site-a-03'), starting with a letter or digit"
        )
    date = raw["date"]
    if not isinstance(date, str) or not _DATE.match(date) or not _valid_date(date):
        problems.append(
            f"{at('date')}: date {date!r} is not a date written YYYY-MM-DD (e.g. 2024-03-12)"
        )
    site = raw.get("site", "")
    if not isinstance(site, str):
        problems.append(f"{at('site')}: site must be a single name or code (e.g. 'Site A')")
    participants = _participants(raw["participants"], problems, at)
    interviewers = raw["interviewer"]
    interviewers = [interviewers] if isinstance(interviewers, str) else interviewers
    if not isinstance(interviewers, list) or not all(isinstance(i, str) for i in interviewers):
        problems.append(
            f"{at('interviewer')}: interviewer must be a speaker code, or a list of codes like "
            "[INT, INT2]"
        )
        interviewers = []
    for code in interviewers:
        if participants and code not in participants:
            problems.append(
                f"{at('interviewer')}: "
                f"the interviewer {code!r} is not declared under participants; add '{code}:' "
                "with its attributes (e.g. '  INT: {role_title: researcher}')"
            )
    if problems:
        raise TranscriptError(_listing(where, problems))
    return {
        "transcript": transcript,
        "date": date,
        "site": site or None,
        "interviewers": frozenset(interviewers),
        "participants": participants,
    }


def _listing(where: str, problems: list[str]) -> str:
    """One problem on the same line as the file name; several as an indented list."""
    if len(problems) == 1:
        return f"{where}: {problems[0]}."
    items = "".join(f"\n  - {problem}." for problem in problems)
    return f"{where}: {len(problems)} problems:{items}"


def _valid_date(text: str) -> bool:
    try:
        pd.Timestamp(text)
    except ValueError:
        return False
    return True


def _participants(raw: object, problems: list[str], at) -> dict[str, dict[str, object]]:
    """Check the ``participants`` mapping; return ``{code: {attribute: value}}``.

    ``at(key)`` gives the place of a key for messages (``"line 7"``); codes are looked up as
    ``"  " + code``.
    """
    if not isinstance(raw, dict) or not raw:
        problems.append(
            f"{at('participants')}: "
            f"participants must list each speaker code on its own indented line, e.g. "
            "'  P1: {group: doctor, hybrid_medical_manager: true}'"
        )
        return {}
    participants: dict[str, dict[str, object]] = {}
    for code, attributes in raw.items():
        if not _SPEAKER_LINE.match(f"{code}: "):
            problems.append(
                f"{at('  ' + code)}: "
                f"speaker code {code!r} must be one word: a letter, then letters, digits, "
                "'-', '_' or '.' (e.g. P1, INT, Dr_A)"
            )
            continue
        if attributes == "":
            attributes = {}
        if not isinstance(attributes, dict):
            problems.append(
                f"{at('  ' + code)}: the attributes of {code} must be 'name: value' pairs, e.g. "
                f"'{code}: {{group: doctor}}' (found {attributes!r})"
            )
            continue
        clean: dict[str, object] = {}
        for name, value in attributes.items():
            if not _ATTRIBUTE.match(name):
                problems.append(
                    f"{at('  ' + code)}: "
                    f"attribute {name!r} of {code}: use lower-case letters, digits and '_' "
                    "(e.g. role_title)"
                )
            elif name in RESERVED_ATTRIBUTES:
                problems.append(
                    f"{at('  ' + code)}: "
                    f"attribute {name!r} of {code} is reserved (the turns table already has a "
                    f"{name!r} column); rename it, e.g. {name}_title or {code.lower()}_{name}"
                )
            elif not isinstance(value, str):
                problems.append(f"{at('  ' + code)}: attribute {name!r} of {code} must be a "
                                "single value")
            else:
                clean[name] = _attribute_value(value)
        participants[code] = clean
    return participants


def _attribute_value(value: str) -> object:
    """``true``/``false`` (any case) become booleans; everything else stays text."""
    lowered = value.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return value.strip()


# --- body -------------------------------------------------------------------------------------


def parse_transcript(text: str, path: str | Path = "<text>") -> pd.DataFrame:
    """Parse the decoded text of one transcript into turns (see the module docstring for columns).

    In: the whole file's text (front matter included) and a name for messages. Out: one row per
    turn with :data:`TURN_COLUMNS`, :data:`TRANSCRIPT_COLUMNS` and the participant attributes.
    Raises :class:`TranscriptError` listing every problem found (file, line, fix).
    """
    return _frame([_parse_columns(text, Path(path))])


def _parse_columns(text: str, path: Path) -> dict[str, list]:
    """Parse one transcript into a dict of equal-length column lists (see parse_transcript)."""
    if not text.strip():
        raise TranscriptError(f"{path}: the file is empty.")
    lines = _lines(text)
    yaml_text, body_index = _split_front_matter(path, lines)
    meta = _parse_front_matter(path, yaml_text, body_index,
                               _front_matter_lines(lines))
    participants, interviewers = meta["participants"], meta["interviewers"]
    interviewees = [code for code in participants if code not in interviewers]
    sole_interviewee = interviewees[0] if len(interviewees) == 1 else None

    problems: list[str] = []
    turns: list[dict] = []
    section: str | None = None
    subheading: str | None = None
    current: dict | None = None
    closed_by: str | None = None  # why no turn is open: "a heading on line N"...

    def close() -> None:
        nonlocal current
        if current is None:
            return
        if current["end"] is None:
            problems.append(
                f"line {current['line']}: {current['speaker']}'s turn has no text; add what was "
                "said (or a note such as '[inaudible]'), or delete the line"
            )
        else:
            turns.append(current)
        current = None

    for index in range(body_index, len(lines)):
        offset, line = lines[index]
        number = index + 1
        stripped = line.strip()
        if not stripped:
            continue
        if line.startswith("#"):
            close()
            level = len(line) - len(line.lstrip("#"))
            title = line[level:].strip()
            if level == 2 and title:
                section, subheading = title, None
                closed_by = f"the heading on line {number}"
            elif level == 3 and title:
                subheading = title
                closed_by = f"the heading on line {number}"
            elif level == 1:
                closed_by = f"the note on line {number}"
            else:
                problems.append(
                    f"line {number}: {line[:40]!r} is neither a note ('# text'), a section "
                    "('## Title') nor a sub-section ('### Title')"
                )
            continue
        if _BARE_TIMESTAMP.match(line):
            close()
            closed_by = f"the time stamp on line {number}"
            continue
        match = _SPEAKER_LINE.match(line)
        if match:
            close()
            label = match.group("label")
            if label not in participants:
                close_codes = difflib.get_close_matches(label, list(participants), n=1, cutoff=0.5)
                hint = f" (did you mean {close_codes[0]}?)" if close_codes else ""
                problems.append(
                    f"line {number}: unknown speaker {label!r}{hint}. Declare it under "
                    f"participants (declared: {', '.join(participants)}); if the line continues "
                    "the previous turn, indent it by a space"
                )
                closed_by = f"the unknown speaker on line {number}"
                continue
            rest_start = offset + match.end()
            rest = line[match.end():].rstrip()
            current = {
                "line": number,
                "speaker": label,
                "timestamp": match.group("timestamp"),
                "section": section,
                "subheading": subheading,
                "start": rest_start if rest else None,
                "end": rest_start + len(rest) if rest else None,
            }
            continue
        # a line of text: it continues the open turn
        if current is None:
            after = f" (the turn before was ended by {closed_by})" if closed_by else ""
            problems.append(
                f"line {number}: text outside any speaker turn{after}. Start it with a declared "
                "speaker code and a colon ('P1: ...'), or make it a note ('# ...')"
            )
            continue
        content_start = offset + len(line) - len(line.lstrip())
        if current["start"] is None:
            current["start"] = content_start
        current["end"] = offset + len(line.rstrip())
    close()

    if problems:
        raise TranscriptError(_listing(str(path), problems))
    if not turns:
        raise TranscriptError(
            f"{path}: no speaker turns after the front matter. Write each turn as "
            "'SPEAKER: what was said' at the start of a line."
        )
    return _turn_columns(text, turns, meta, sole_interviewee)


def _turn_columns(
    text: str, turns: list[dict], meta: dict, sole_interviewee: str | None
) -> dict[str, list]:
    participants, interviewers = meta["participants"], meta["interviewers"]
    n = len(turns)
    speakers = [turn["speaker"] for turn in turns]
    starts = [turn["start"] for turn in turns]
    ends = [turn["end"] for turn in turns]
    texts = [text[a:b] for a, b in zip(starts, ends, strict=True)]
    is_witness = [speaker not in interviewers for speaker in speakers]
    columns: dict[str, list] = {
        "turn_id": [f"{meta['transcript']}-{number:04d}" for number in range(1, n + 1)],
        "hearing_date": [meta["date"]] * n,
        "section": [turn["section"] for turn in turns],
        "subheading": [turn["subheading"] for turn in turns],
        "witness": [s if w else sole_interviewee
                    for s, w in zip(speakers, is_witness, strict=True)],
        "speaker": speakers,
        "speaker_label": speakers,
        "role": ["participant" if w else "interviewer" for w in is_witness],
        "is_witness": is_witness,
        "text": texts,
        "n_words": [len(t.split()) for t in texts],
        "start": starts,
        "end": ends,
        "transcript": [meta["transcript"]] * n,
        "site": [meta["site"]] * n,
        "timestamp": [turn["timestamp"] for turn in turns],
    }
    for name in sorted({name for attrs in participants.values() for name in attrs}):
        columns[name] = [participants[speaker].get(name) for speaker in speakers]
    return columns


def _frame(parts: list[dict[str, list]]) -> pd.DataFrame:
    """One DataFrame from the column lists of one or more transcripts.

    Columns: :data:`TURN_COLUMNS`, :data:`TRANSCRIPT_COLUMNS`, then every attribute in name
    order; an attribute a transcript lacks is missing (``None``) in its rows.
    """
    fixed = [*TURN_COLUMNS, *TRANSCRIPT_COLUMNS]
    attributes = sorted({name for part in parts for name in part} - set(fixed))
    columns: dict[str, object] = {}
    for name in [*fixed, *attributes]:
        values: list = []
        for part in parts:
            values.extend(part.get(name, [None] * len(part["turn_id"])))
        columns[name] = values
    for name, dtype in (("is_witness", bool), ("n_words", "int64"), ("start", "int64"),
                        ("end", "int64")):
        columns[name] = pd.Series(columns[name], dtype=dtype)
    return pd.DataFrame(columns)


def read_transcript(path: str | Path) -> pd.DataFrame:
    """Read one transcript file in the book's format into a turns DataFrame.

    In: the path of a UTF-8 ``.txt`` transcript (see ``book/byo-format.md``). Out: one row per
    speaker turn with :data:`TURN_COLUMNS`, then :data:`TRANSCRIPT_COLUMNS` and one column per
    participant attribute. ``start``/``end`` index the file's decoded text (a UTF-8 byte-order
    mark, if any, is not counted; line endings are kept as they are).

    Raises :class:`TranscriptError` for an empty or non-UTF-8 file, missing or invalid front
    matter, an undeclared speaker, text outside any turn, an empty turn or a file with no turns.
    """
    path = Path(path)
    return _frame([_parse_columns(_decode(path), path)])


def read_transcripts(folder: str | Path) -> pd.DataFrame:
    """Read every ``*.txt`` transcript in ``folder`` (not its sub-folders) into one turns table.

    Files are read in name order; turns keep their order within each file. Participant
    attributes missing from a transcript are missing values in its rows.

    Raises :class:`TranscriptError` if the folder is missing or holds no ``.txt`` file, if two
    files declare the same transcript id, or listing the problems of every file that fails.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise TranscriptError(f"{folder}: no such folder of transcripts.")
    files = sorted(p for p in folder.glob(TRANSCRIPT_GLOB) if p.is_file())
    if not files:
        raise TranscriptError(
            f"{folder}: no transcript files ({TRANSCRIPT_GLOB}) in this folder. Save each "
            "transcript as UTF-8 plain text with the extension .txt."
        )
    parts, errors, owner = [], [], {}
    for file in files:
        try:
            part = _parse_columns(_decode(file), file)
        except TranscriptError as exc:
            errors.append(str(exc))
            continue
        transcript = part["transcript"][0]
        if transcript in owner:
            line = _front_matter_lines(_lines(_decode(file))).get("transcript", 2)
            errors.append(
                f"{file}, line {line}: the transcript id {transcript!r} is already used by "
                f"{owner[transcript]}; give every transcript its own id (the 'transcript:' line "
                "of the front matter)"
            )
            continue
        owner[transcript] = file
        parts.append(part)
    if errors:
        raise TranscriptError(
            f"{len(errors)} of {len(files)} transcript file(s) in {folder} cannot be read:\n- "
            + "\n- ".join(errors)
        )
    return _frame(parts)


# --- REFI-QDA projects --------------------------------------------------------------------------

#: How :func:`turns_from_refi` cuts a source into turns.
REFI_UNITS: tuple[str, ...] = ("paragraph", "source")
_LABEL = re.compile(r"(?P<label>[A-Za-z][A-Za-z0-9_.\- ]{0,39}?):[ \t]+(?=\S)")
_VARIABLE_TYPES = {"Boolean": lambda v: v.strip().lower() in ("true", "1"), "Integer": int,
                   "Float": float}


def _refi_tables(project: object) -> tuple[dict[str, pd.DataFrame], str]:
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
        return refi.read_qdpx(path), str(path)
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
    for offset, line in _lines(text):
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
    are the interviewer's (``is_witness`` false).

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
    tables, where = _refi_tables(project)
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
        owner = " / ".join(case_names.get(source_id, [])) or name
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


# --- writing (for worked examples and tests) ----------------------------------------------------


def format_transcript(
    transcript: str,
    date: str,
    interviewer: str | list[str],
    participants: Mapping[str, Mapping[str, object]],
    turns: pd.DataFrame,
    site: str | None = None,
    description: str | None = None,
) -> str:
    """Write turns as a transcript in the book's format; the inverse of :func:`parse_transcript`.

    In: the front-matter values and a DataFrame with ``speaker`` and ``text`` columns (and
    optionally ``section``, ``subheading``, ``timestamp``). A line of text that would be read as
    a speaker line, a heading or a note is indented by one space, and blank lines inside a turn
    are kept, so reading the result back gives the same texts. Out: the file's text.
    """
    head = ["---", f"transcript: {transcript}", f"date: {date}"]
    if site:
        head.append(f"site: {_yaml_scalar(site)}")
    if description:
        head.append(f"description: {_yaml_scalar(description)}")
    codes = [interviewer] if isinstance(interviewer, str) else list(interviewer)
    head.append(f"interviewer: {codes[0] if len(codes) == 1 else '[' + ', '.join(codes) + ']'}")
    head.append("participants:")
    for code, attributes in participants.items():
        pairs = ", ".join(f"{k}: {_yaml_scalar(_format_value(v))}" for k, v in attributes.items())
        head.append(f"  {code}: {{{pairs}}}")
    head.append("---")
    body: list[str] = []
    section = subheading = None
    for row in turns.to_dict("records"):
        row_section, row_sub = row.get("section"), row.get("subheading")
        row_section = None if pd.isna(row_section) else row_section
        row_sub = None if pd.isna(row_sub) else row_sub
        if row_section != section and row_section is not None:
            body += ["", f"## {row_section}"]
            section, subheading = row_section, None
        if row_sub != subheading and row_sub is not None:
            body += ["", f"### {row_sub}"]
            subheading = row_sub
        stamp = row.get("timestamp")
        prefix = f"[{stamp}] " if isinstance(stamp, str) and stamp else ""
        text_lines = str(row["text"]).strip().splitlines() or [""]
        body += ["", f"{prefix}{row['speaker']}: {text_lines[0].strip()}"]
        for extra in text_lines[1:]:
            body.append(_safe_continuation(extra))
    return "\n".join(head + body) + "\n"


def _safe_continuation(line: str) -> str:
    stripped = line.strip()
    if not stripped:
        return ""
    if line[:1].isspace():
        return line.rstrip()
    if stripped.startswith("#") or _SPEAKER_LINE.match(stripped) or _BARE_TIMESTAMP.match(stripped):
        return " " + line.rstrip()
    return line.rstrip()


def _format_value(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    return str(value)


def _yaml_scalar(value: str) -> str:
    """Quote a value when YAML would otherwise misread it (colons, commas, brackets...)."""
    if value and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 _.\-()/']*", value) and ": " not in value:
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_transcript(path: str | Path, text: str) -> Path:
    """Write a transcript's text to ``path`` as UTF-8 with ``\\n`` line ends; return the path.

    The text goes to a temporary file in the same folder, moved into place once complete, so an
    interrupted write never leaves a half-written transcript.
    """
    return write_text_atomically(path, text)
