"""Bring your own transcripts: read interviews in the formats people have, as the book's turns.

One entry point for every format, chosen by the file's extension (ignoring case):

==================  =========================================  =================================
extension           module                                     metadata from
==================  =========================================  =================================
``.txt``            :mod:`medlead.transcripts.plaintext`       the file's ``---`` front matter
``.docx``           :mod:`medlead.transcripts.word`            a sidecar ``.yml`` or defaults
``.vtt``, ``.srt``  :mod:`medlead.transcripts.captions`        a sidecar ``.yml`` or defaults
``.qdpx``           :mod:`medlead.transcripts.qdpx`            the project's cases, variables
==================  =========================================  =================================

:func:`read_transcript` reads one file, :func:`read_transcripts` every such file in a folder
(name order); both return the turns table of :mod:`medlead.byo` (the hearing corpus's columns,
then ``transcript``, ``site``, ``timestamp`` and the participant attributes). Problems raise
:class:`TranscriptError` naming the file, the line or paragraph, and the fix; content that is
left out (files of other kinds in a folder, tables in a Word file) is reported as a
:class:`TranscriptNotice` warning.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from medlead.transcripts import captions, plaintext, qdpx, word
from medlead.transcripts.common import (
    MAX_LISTED_PROBLEMS,
    RESERVED_ATTRIBUTES,
    TRANSCRIPT_COLUMNS,
    TranscriptError,
    TranscriptNotice,
    frame,
    notice,
)
from medlead.transcripts.plaintext import format_transcript, parse_transcript, write_transcript
from medlead.transcripts.qdpx import REFI_UNITS, turns_from_refi
from medlead.transcripts.sidecar import SIDECAR_SUFFIXES

__all__ = [
    "READERS", "REFI_UNITS", "RESERVED_ATTRIBUTES", "TRANSCRIPT_COLUMNS", "TranscriptError",
    "TranscriptNotice", "document_text", "format_transcript", "parse_transcript",
    "read_transcript", "read_transcripts", "turns_from_refi", "write_transcript",
]

#: Reader module per extension (lower case).
READERS = {suffix: module for module in (plaintext, word, captions, qdpx)
           for suffix in module.SUFFIXES}


def _reader(path: Path):
    module = READERS.get(path.suffix.lower())
    if module is None:
        known = ", ".join(sorted(READERS))
        raise TranscriptError(
            f"{path}: the extension {path.suffix or '(none)'!r} is not a transcript format read "
            f"here ({known}). Save the transcript in one of them (see book/byo-format.md)."
        )
    return module


def _columns(path: Path) -> dict[str, list]:
    module = _reader(path)
    if module is qdpx:
        from medlead.refi import RefiError

        try:
            table = qdpx.turns_from_refi(path)
        except RefiError as exc:  # one error type for every format, so folders list them all
            raise TranscriptError(str(exc)) from exc
        return {name: table[name].tolist() for name in table.columns}
    return module.read(path)


def read_transcript(path: str | Path) -> pd.DataFrame:
    """Read one transcript file (``.txt``, ``.docx``, ``.vtt``, ``.srt`` or ``.qdpx``) as turns.

    In: the file's path; the format is chosen by its extension, ignoring case. Out: one row per
    speaker turn (see :mod:`medlead.byo` for the columns). ``start``/``end`` index the file's
    decoded text for ``.txt`` (a byte-order mark is not counted), and :func:`document_text` for
    the other formats. Raises :class:`TranscriptError` for any problem, naming file and line.
    """
    path = Path(path)
    return frame([_columns(path)])


def document_text(path: str | Path) -> str:
    """The text that a transcript's ``start``/``end`` offsets index (per format, see above)."""
    path = Path(path)
    module = _reader(path)
    if module is plaintext:
        from medlead.transcripts.common import decode

        return decode(path)
    if module is qdpx:
        raise TranscriptError(f"{path}: a project holds several texts; use turns_from_refi().")
    return module.document_text(path)


def read_transcripts(folder: str | Path) -> pd.DataFrame:
    """Read every transcript file in ``folder`` (not its sub-folders) into one turns table.

    Files with the extensions of :data:`READERS` (any case: ``.TXT`` too) are read in name order;
    turns keep their order within each file. Sidecar ``.yml``/``.yaml`` files are metadata, hidden
    files are ignored, and any other file is named in a :class:`TranscriptNotice` (it is not
    read). Participant attributes missing from a transcript are missing values in its rows.

    Raises :class:`TranscriptError` if the folder is missing or holds no transcript, if two
    files declare the same transcript id, or listing the problems of the files that fail (the
    first :data:`MAX_LISTED_PROBLEMS`, then a count).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise TranscriptError(f"{folder}: no such folder of transcripts.")
    entries = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    files = [p for p in entries if p.suffix.lower() in READERS]
    others = [p.name for p in entries
              if p.suffix.lower() not in READERS and p.suffix.lower() not in SIDECAR_SUFFIXES]
    if others:
        notice(
            f"{folder}: {len(others)} file(s) not read, not a transcript format "
            f"({', '.join(sorted(READERS))}): {', '.join(others[:10])}"
            f"{' ...' if len(others) > 10 else ''}"
        )
    if not files:
        raise TranscriptError(
            f"{folder}: no transcript files ({', '.join('*' + s for s in sorted(READERS))}) in "
            "this folder. Save each transcript as UTF-8 plain text with the extension .txt (or "
            "as .docx, .vtt, .srt)."
        )
    parts, errors, owner = [], [], {}
    for file in files:
        try:
            part = _columns(file)
        except TranscriptError as exc:
            errors.append(str(exc))
            continue
        transcripts = list(dict.fromkeys(part["transcript"]))
        clash = [t for t in transcripts if t in owner]
        if clash:
            where = str(file)
            if file.suffix.lower() == ".txt":
                from medlead.transcripts.common import decode, front_matter_lines, lines_of

                line = front_matter_lines(lines_of(decode(file))).get("transcript", 2)
                where = f"{file}, line {line}"
            errors.append(
                f"{where}: the transcript id {clash[0]!r} is already used by {owner[clash[0]]}; "
                "give every transcript its own id (the 'transcript:' line of the front matter, "
                "or of the sidecar)"
            )
            continue
        owner.update({t: file for t in transcripts})
        parts.append(part)
    if errors:
        shown = errors[:MAX_LISTED_PROBLEMS]
        more = len(errors) - len(shown)
        raise TranscriptError(
            f"{len(errors)} of {len(files)} transcript file(s) in {folder} cannot be read:\n- "
            + "\n- ".join(shown)
            + (f"\n- ... and {more} more file(s)." if more else "")
        )
    return frame(parts)
