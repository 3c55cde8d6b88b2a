"""The book's plain-text transcript format (``.txt``, UTF-8): read it and write it.

A front-matter block of metadata between ``---`` lines, then ``SPEAKER: text`` turns, with
optional ``[hh:mm:ss]`` time stamps, ``# notes`` and ``## section`` / ``### sub-section`` headings
(``book/byo-format.md``). Speaker labels are recognised however people type them: ``P1:``,
``P1 :`` (French spacing), ``P1:`` followed by a non-breaking space, ``P1：`` (full-width colon),
``**P1:**`` / ``**P1**:`` (Markdown bold), ``<b>P1</b>:`` (HTML bold), and codes in any script
(``Émilie:``, ``Ärztin:``). A line that looks like a label but names no declared speaker is an
error, never silently merged into the turn before.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from medlead.atomic import write_text_atomically
from medlead.transcripts.common import (
    BARE_TIMESTAMP,
    SPEAKER_LINE,
    Lines,
    TranscriptError,
    decode,
    frame,
    front_matter_lines,
    lines_of,
    listing,
    parse_front_matter,
    split_front_matter,
    turn_columns,
)

#: The file suffixes this reader takes (matched ignoring case).
SUFFIXES: tuple[str, ...] = (".txt",)


def parse_transcript(text: str, path: str | Path = "<text>") -> pd.DataFrame:
    """Parse the decoded text of one transcript into turns (see :mod:`medlead.byo` for columns).

    In: the whole file's text (front matter included) and a name for messages. Out: one row per
    turn with the turns columns, the transcript columns and the participant attributes.
    Raises :class:`TranscriptError` listing the problems found (file, line, fix).
    """
    return frame([parse_columns(text, Path(path))])


def read(path: Path) -> dict[str, list]:
    """Column lists of the transcript at ``path`` (a ``.txt`` in the book's format)."""
    return parse_columns(decode(path), path)


def parse_columns(text: str, path: Path) -> dict[str, list]:
    """Parse one transcript into a dict of equal-length column lists (see parse_transcript)."""
    if not text.strip():
        raise TranscriptError(f"{path}: the file is empty.")
    lines = lines_of(text)
    yaml_text, body_index = split_front_matter(path, lines)
    meta = parse_front_matter(path, yaml_text, body_index, front_matter_lines(lines))
    turns = parse_body(lines, body_index, meta["participants"], path)
    return turn_columns(text, turns, meta)


def parse_body(
    lines: Lines, body_index: int, participants: Mapping[str, object], path: Path
) -> dict[str, list]:
    """The turns of the body lines from ``body_index`` on, as column lists with text offsets.

    Out: ``speaker``, ``timestamp``, ``section``, ``subheading``, ``start`` and ``end`` lists, one
    entry per turn (columns rather than one dict per turn keep a large transcript small in memory).
    """
    problems: list[str] = []
    turns: dict[str, list] = {
        key: [] for key in ("speaker", "timestamp", "section", "subheading", "start", "end")
    }
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
            for key, values in turns.items():
                values.append(current[key])
        current = None

    for index, offset, line in lines.numbered(body_index):
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
        if BARE_TIMESTAMP.match(line):
            close()
            closed_by = f"the time stamp on line {number}"
            continue
        match = SPEAKER_LINE.match(line)
        if match:
            close()
            label = match.group("label")
            if label not in participants:
                close_codes = difflib.get_close_matches(label, list(participants), n=1, cutoff=0.5)
                hint = f" (did you mean {close_codes[0]}?)" if close_codes else ""
                problems.append(
                    f"line {number}: unknown speaker {label!r}{hint}. Declare it under "
                    f"participants (declared: {', '.join(list(participants)[:20])}); if the line "
                    "continues the previous turn, indent it by a space"
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
        raise TranscriptError(listing(str(path), problems))
    if not turns["speaker"]:
        raise TranscriptError(
            f"{path}: no speaker turns after the front matter. Write each turn as "
            "'SPEAKER: what was said' at the start of a line."
        )
    return turns


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
    if stripped.startswith("#") or SPEAKER_LINE.match(stripped) or BARE_TIMESTAMP.match(stripped):
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
