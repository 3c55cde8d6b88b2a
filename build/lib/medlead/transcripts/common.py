"""What every transcript reader shares: the error type, columns, speaker labels, front matter.

In: decoded text, YAML front-matter text, lists of turn dicts. Out: checked metadata dicts and the
column lists that :func:`frame` turns into the book's turns table (:data:`TURN_COLUMNS`, then
:data:`TRANSCRIPT_COLUMNS`, then participant attributes).
"""

from __future__ import annotations

import difflib
import re
import warnings
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from medlead.corpus import TURN_COLUMNS

#: Columns added after :data:`TURN_COLUMNS` for every transcript (participant attributes follow).
TRANSCRIPT_COLUMNS: tuple[str, ...] = ("transcript", "site", "timestamp")

#: Names a participant attribute may not take, because the turns table already uses them.
RESERVED_ATTRIBUTES: frozenset[str] = frozenset(TURN_COLUMNS) | frozenset(TRANSCRIPT_COLUMNS)

#: Front-matter keys: required, then optional.
REQUIRED_KEYS: tuple[str, ...] = ("transcript", "date", "interviewer", "participants")
OPTIONAL_KEYS: tuple[str, ...] = ("site", "description")

#: At most this many problems are listed in one error message; the rest are counted.
MAX_LISTED_PROBLEMS = 20
#: Longest problem text kept in a message (longer ones are cut with an ellipsis).
MAX_PROBLEM_CHARS = 400

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_ATTRIBUTE = re.compile(r"^[a-z][a-z0-9_]*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIMESTAMP = r"\[(?P<timestamp>(?:\d{1,2}:)?\d{1,2}:\d{2})\]"
#: A speaker code: a letter (any script: ``Émilie``, ``Ärztin``), then letters, digits, ``_.-``.
CODE = r"[^\W\d_][\w.\-]*"
_OPEN = r"(?:\*\*|__|<(?:b|strong)>)"
_CLOSE = r"(?:\*\*|__|</(?:b|strong)>)"
#: A speaker line: optional time stamp, a code (optionally in Markdown or HTML bold), optional
#: spaces (French typing puts one before the colon), a colon (ASCII or small U+FE55) then any
#: space (a non-breaking space too) or the end of the line, or a full-width colon (U+FF1A, no
#: space needed after it). ``**P1:**``, ``<b>P1</b>:``, ``P1 :``, ``P1：`` all match.
def speaker_line(label: str) -> re.Pattern[str]:
    """The pattern of a speaker line whose label matches the regular expression ``label``.

    Optional ``[hh:mm:ss]`` time stamp, the label (optionally in Markdown or HTML bold), optional
    spaces, then a colon as described above; groups ``timestamp`` and ``label``, and the match
    ends where the turn's text begins. The plain-text format's labels are codes (:data:`CODE`);
    Word transcripts allow names of a few words.
    """
    return re.compile(
        rf"^(?:{TIMESTAMP}[ \t]+)?{_OPEN}?(?P<label>{label})[^\S\n]*{_CLOSE}?[^\S\n]*"
        rf"(?:[:\ufe55]{_CLOSE}?(?=\s|$)|\uff1a{_CLOSE}?)\s*"
    )


SPEAKER_LINE = speaker_line(CODE)
BARE_TIMESTAMP = re.compile(rf"^{TIMESTAMP}[ \t]*$")
_ALIAS_FREE_CODE = re.compile(rf"^{CODE}$")
FENCE = "---"


class TranscriptError(ValueError):
    """A transcript (or a folder of them, or a REFI-QDA project) cannot be read.

    The message names the file, the line where that helps, what is wrong and how to fix it.
    """


class TranscriptNotice(UserWarning):
    """Something was left out or guessed while reading (a file skipped, defaults used)."""


def notice(message: str) -> None:
    """Emit ``message`` as a :class:`TranscriptNotice` warning (shown once per message)."""
    warnings.warn(message, TranscriptNotice, stacklevel=3)


def listing(where: str, problems: list[str]) -> str:
    """One problem on the same line as the file name; several as an indented list.

    At most :data:`MAX_LISTED_PROBLEMS` problems are listed, each cut to
    :data:`MAX_PROBLEM_CHARS` characters; the rest are counted, so a message stays short even for
    a huge file full of mistakes.
    """
    problems = [p if len(p) <= MAX_PROBLEM_CHARS else p[: MAX_PROBLEM_CHARS - 1] + "…"
                for p in problems[: MAX_LISTED_PROBLEMS + 1]] + problems[MAX_LISTED_PROBLEMS + 1:]
    if len(problems) == 1:
        return f"{where}: {problems[0]}."
    shown = problems[:MAX_LISTED_PROBLEMS]
    items = "".join(f"\n  - {problem}." for problem in shown)
    more = len(problems) - len(shown)
    tail = f"\n  ... and {more} more problem(s) of the same kinds; fix these first." if more else ""
    return f"{where}: {len(problems)} problems:{items}{tail}"


# --- decoding and lines -----------------------------------------------------------------------


def read_bytes(path: Path) -> bytes:
    """The file's bytes; a missing file or a folder is a :class:`TranscriptError`."""
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise TranscriptError(f"{path}: file not found.") from exc
    except IsADirectoryError as exc:
        raise TranscriptError(f"{path}: is a folder; use read_transcripts() for a folder.") from exc


def decode(path: Path, data: bytes | None = None, kind: str = "transcript") -> str:
    """Read ``path`` as UTF-8 (a byte-order mark is dropped); refuse other encodings clearly."""
    data = read_bytes(path) if data is None else data
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
            f"not plain text. Give a Word file the extension .docx, a REFI-QDA project .qdpx, or "
            f"save the {kind} as plain text (.txt, UTF-8)."
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


class Lines(Sequence):
    """The lines of a text as ``(start offset, line without its line ending)``, made when asked for.

    Only ``\n`` ends a line (str.splitlines would also split at form feeds and Unicode line
    separators, and line numbers would then disagree with the user's editor); a ``\r`` before it
    is dropped. Only the start offset of each line is stored (8 bytes a line), not the lines
    themselves, so a large transcript is not held twice in memory.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        if text.isascii():  # one character a byte: find the line ends in the bytes, vectorised
            ends = np.flatnonzero(np.frombuffer(text.encode("ascii"), dtype=np.uint8) == 10)
            starts = array("q", [0])
            starts.frombytes((ends + 1).astype(np.int64).tobytes())
        else:
            starts = array("q", [0])
            find, position = text.find, text.find("\n")
            while position != -1:
                starts.append(position + 1)
                position = find("\n", position + 1)
        self._starts = starts

    def __len__(self) -> int:
        return len(self._starts)

    def _line(self, index: int) -> tuple[int, str]:
        start = self._starts[index]
        end = self._starts[index + 1] - 1 if index + 1 < len(self._starts) else len(self.text)
        line = self.text[start:end]
        return start, line[:-1] if line.endswith("\r") else line

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self._line(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("line index out of range")
        return self._line(index)

    def numbered(self, first: int = 0) -> Iterator[tuple[int, int, str]]:
        """Yield ``(index, start offset, line)`` for every line from index ``first`` on."""
        text, starts, count = self.text, self._starts, len(self._starts)
        for index in range(first, count):
            start = starts[index]
            end = starts[index + 1] - 1 if index + 1 < count else len(text)
            line = text[start:end]
            yield index, start, (line[:-1] if line.endswith("\r") else line)


def lines_of(text: str) -> Lines:
    """The lines of ``text`` as a sequence of ``(start offset, line without its ending)`` pairs."""
    return Lines(text)


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


def _refuse_aliases(yaml_text: str) -> None:
    """Raise ``yaml.YAMLError`` at the first anchor (``&a``) or alias (``*a``).

    The format never needs them, and aliases let a few lines expand to gigabytes (an "alias
    bomb"); the events are scanned before anything is built.
    """
    for event in yaml.parse(yaml_text, Loader=_StrictLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.MarkedYAMLError(
                problem="anchors ('&name') and aliases ('*name') are not allowed; write each "
                "value out",
                problem_mark=event.start_mark,
            )


def load_yaml(path: Path, yaml_text: str, line_shift: int = 2) -> object:
    """Parse front-matter YAML (text scalars only, no aliases); errors name the file line."""
    try:
        _refuse_aliases(yaml_text)
        return yaml.load(yaml_text, Loader=_StrictLoader)  # noqa: S506 - BaseLoader: text only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + line_shift}" if mark is not None else ""
        problem = str(getattr(exc, "problem", None) or exc)[:MAX_PROBLEM_CHARS]
        raise TranscriptError(
            f"{path}{line}: the front matter is not valid: {problem}. Each line is 'key: value'; "
            "participants are indented under 'participants:' (see book/byo-format.md)."
        ) from exc


def split_front_matter(path: Path, lines: Sequence[tuple[int, str]]) -> tuple[str, int]:
    """Return the front matter's YAML text and the index of the first body line."""
    if lines[0][1].strip() != FENCE:
        raise TranscriptError(
            f"{path}, line 1: expected '---' to open the front-matter block, found "
            f"{lines[0][1][:40]!r}. Start the file with a line '---', the metadata (transcript, "
            "date, interviewer, participants), and another line '---'."
        )
    for index in range(1, len(lines)):
        if lines[index][1].strip() == FENCE:
            return "\n".join(body for _, body in lines[1:index]), index + 1
    raise TranscriptError(
        f"{path}, line 1: the front-matter block opened here is never closed. Add a line '---' "
        "after the participants, before the first speaker turn."
    )


def front_matter_lines(lines: Sequence[tuple[int, str]], first: int = 1) -> dict[str, int]:
    """Line numbers of the front matter's keys (``date``) and participant codes (``  P1``)."""
    found: dict[str, int] = {}
    for index in range(first, len(lines)):
        if lines[index][1].strip() == FENCE:
            break
        match = re.match(r"^(\s*)([^\s:#][^:]*?)\s*:", lines[index][1])
        if match:
            key = ("  " if match.group(1) else "") + match.group(2).strip("'\"")
            found.setdefault(key, index + 1)
    return found


def parse_front_matter(
    path: Path,
    yaml_text: str,
    n_lines: int,
    key_lines: dict[str, int] | None = None,
    required: tuple[str, ...] = REQUIRED_KEYS,
    spaced_codes: bool = False,
    line_shift: int = 2,
) -> dict:
    """Parse and check the front matter; return a dict with the normalised metadata.

    ``required`` lists the keys that must be present (a sidecar of a Word or caption file needs
    fewer); ``spaced_codes`` allows speaker codes with spaces (``Jane Smith``), which only formats
    without ``CODE:`` lines can use. Out: ``transcript``, ``date``, ``site``, ``interviewers``
    (a frozenset) and ``participants`` (``{code: {attribute: value}}``, possibly empty).
    """
    where = f"{path}"
    key_lines = key_lines or {}
    block = f"front matter (lines 1-{n_lines})"

    def at(key: str) -> str:
        return f"line {key_lines[key]}" if key in key_lines else block

    raw = load_yaml(path, yaml_text, line_shift)
    if raw is None and not required:
        raw = {}
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
                 for key in required if key not in raw]
    if problems:
        raise TranscriptError(listing(where, problems))

    transcript = raw.get("transcript")
    if transcript is not None and (not isinstance(transcript, str) or not _ID.match(transcript)):
        problems.append(
            f"{at('transcript')}: "
            f"transcript {transcript!r} is not a usable id: use letters, digits, '-', '_' or '.' "
            "(e.g. 'site-a-03'), starting with a letter or digit"
        )
    date = raw.get("date")
    if date is not None and (not isinstance(date, str) or not _DATE.match(date)
                             or not _valid_date(date)):
        problems.append(
            f"{at('date')}: date {date!r} is not a date written YYYY-MM-DD (e.g. 2024-03-12)"
        )
    site = raw.get("site", "")
    if not isinstance(site, str):
        problems.append(f"{at('site')}: site must be a single name or code (e.g. 'Site A')")
    participants = (
        _participants(raw["participants"], problems, at, spaced_codes)
        if "participants" in raw else {}
    )
    interviewers = raw.get("interviewer", [])
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
        raise TranscriptError(listing(where, problems))
    return {
        "transcript": transcript,
        "date": date,
        "site": site or None,
        "interviewers": frozenset(interviewers),
        "participants": participants,
    }


def _valid_date(text: str) -> bool:
    try:
        pd.Timestamp(text)
    except ValueError:
        return False
    return True


def _participants(
    raw: object, problems: list[str], at, spaced_codes: bool = False
) -> dict[str, dict[str, object]]:
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
        words = code.split(" ") if spaced_codes else [code]
        if not _ALIAS_FREE_CODE.match(words[0]) or not all(
            re.fullmatch(r"[\w][\w.\-]*", word) for word in words[1:]
        ):
            problems.append(
                f"{at('  ' + code)}: "
                f"speaker code {code!r} must be one word: a letter, then letters, digits, "
                "'-', '_' or '.' (e.g. P1, INT, Dr_A, Ärztin)"
            )
            continue
        if attributes == "":
            attributes = {}
        if not isinstance(attributes, dict):
            problems.append(
                f"{at('  ' + code)}: the attributes of {code} must be 'name: value' pairs, e.g. "
                f"'{code}: {{group: doctor}}' (found {str(attributes)[:60]!r})"
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


# --- turns to columns ---------------------------------------------------------------------------


def turn_columns(
    text: str, turns: list[dict] | dict[str, list], meta: dict
) -> dict[str, list]:
    """Column lists for ``turns``: dicts with speaker, start, end, timestamp, section and
    subheading (and optionally label), or those fields as equal-length lists.

    ``text`` is what ``start``/``end`` index; ``meta`` is :func:`parse_front_matter`'s output.
    ``witness`` of an interviewer's turn is the sole interviewee when there is exactly one.
    """
    if isinstance(turns, dict):
        fields = turns
    else:
        fields = {key: [turn.get(key) for turn in turns]
                  for key in ("speaker", "start", "end", "timestamp", "section", "subheading")}
        fields["label"] = [turn.get("label", turn["speaker"]) for turn in turns]
    participants, interviewers = meta["participants"], meta["interviewers"]
    interviewees = [code for code in participants if code not in interviewers]
    sole_interviewee = interviewees[0] if len(interviewees) == 1 else None
    speakers = fields["speaker"]
    n = len(speakers)
    starts = fields["start"]
    ends = fields["end"]
    texts = [text[a:b] for a, b in zip(starts, ends, strict=True)]
    is_witness = [speaker not in interviewers for speaker in speakers]
    columns: dict[str, list] = {
        "turn_id": [f"{meta['transcript']}-{number:04d}" for number in range(1, n + 1)],
        "hearing_date": [meta["date"]] * n,
        "section": fields["section"],
        "subheading": fields["subheading"],
        "witness": [s if w else sole_interviewee
                    for s, w in zip(speakers, is_witness, strict=True)],
        "speaker": speakers,
        "speaker_label": fields.get("label", speakers),
        "role": ["participant" if w else "interviewer" for w in is_witness],
        "is_witness": is_witness,
        "text": texts,
        "n_words": [len(t.split()) for t in texts],
        "start": starts,
        "end": ends,
        "transcript": [meta["transcript"]] * n,
        "site": [meta["site"]] * n,
        "timestamp": fields["timestamp"],
    }
    for name in sorted({name for attrs in participants.values() for name in attrs}):
        columns[name] = [participants.get(speaker, {}).get(name) for speaker in speakers]
    return columns


def frame(parts: list[dict[str, list]]) -> pd.DataFrame:
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
