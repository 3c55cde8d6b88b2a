"""Word transcripts (``.docx``, read with python-docx) as turns.

A turn starts at a paragraph that opens with a speaker label, in either form people use:

- ``Speaker: text`` typed in the paragraph (``P1:``, ``Dr Jane Smith:``, ``Participant 3:``,
  ``Émilie :``; one to four words, each starting with a capital letter or a digit unless the
  sidecar declares the label, so ``so the point is: ...`` stays text; a timestamp
  ``[00:01:02]`` may come first), or
- the speaker's name in **bold** at the start of the paragraph (``**Jane Smith** text`` or
  ``**Jane Smith:** text``); a paragraph that is only a short bold name starts a turn whose text
  is in the paragraphs after it.

Paragraphs without a label continue the turn before. Paragraphs in a ``Heading 1``/``Heading 2``
style are sections, ``Heading 3`` sub-sections. Text before the first label is an error (naming
the paragraph), never dropped; tables, headers, footers, comments and pictures are not read,
and a notice says so when the document has them.

``start``/``end`` index :func:`document_text`: the paragraphs' texts joined by ``\\n``.
Metadata come from a sidecar file (:mod:`medlead.transcripts.sidecar`).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from medlead.transcripts.common import (
    TIMESTAMP,
    TranscriptError,
    listing,
    notice,
    speaker_line,
    turn_columns,
)
from medlead.transcripts.sidecar import load_sidecar, looks_like_label, metadata

#: The file suffixes this reader takes (matched ignoring case).
SUFFIXES: tuple[str, ...] = (".docx",)

_WORD = r"[^\W\d_][\w.'\-]*"
_NEXT = r"[\w][\w.'\-]*"
#: A typed label: the plain-text format's speaker line, with names of up to four words.
_TYPED_LABEL = speaker_line(rf"{_WORD}(?: {_NEXT}){{0,3}}")
_STAMP_ONLY = re.compile(rf"^{TIMESTAMP}\s*")


def _document(path: Path):
    try:
        import docx  # python-docx
    except ModuleNotFoundError as exc:  # pragma: no cover - a dependency of the package
        raise TranscriptError(
            f"{path}: reading Word files needs python-docx (pip install python-docx)."
        ) from exc
    if not path.is_file():
        raise TranscriptError(f"{path}: file not found.")
    if not zipfile.is_zipfile(path):
        raise TranscriptError(
            f"{path}: not a Word .docx file (a .docx is a zip archive). An old .doc or an .rtf "
            "must be saved again as .docx (Word: Save As > Word Document) or as plain text."
        )
    try:
        return docx.Document(str(path))
    except Exception as exc:  # python-docx raises several kinds for a damaged file
        detail = f"{type(exc).__name__}: {exc}"[:300]
        raise TranscriptError(f"{path}: the Word file cannot be read ({detail}).") from exc


def _paragraphs(path: Path) -> list:
    document = _document(path)
    skipped = []
    if document.tables:
        skipped.append(f"{len(document.tables)} table(s)")
    if document.inline_shapes:
        skipped.append(f"{len(document.inline_shapes)} picture(s)")
    if any(s.header.paragraphs and any(p.text.strip() for p in s.header.paragraphs)
           for s in document.sections):
        skipped.append("page headers")
    if skipped:
        notice(f"{path}: not read: {', '.join(skipped)}; only the body paragraphs are "
               "transcript text.")
    return list(document.paragraphs)


def document_text(path: str | Path) -> str:
    """The text that ``start``/``end`` index: the body paragraphs joined by ``\\n``."""
    return "\n".join(p.text for p in _paragraphs(Path(path)))


def _bold_label(paragraph) -> tuple[str, int] | None:
    """(label, characters it takes) when the paragraph opens with bold text, else None."""
    runs = paragraph.runs
    if not runs or "".join(r.text for r in runs) != paragraph.text:
        return None
    taken = 0
    for run in runs:
        if not run.bold:
            break
        taken += len(run.text)
    if taken == 0:
        return None
    head = paragraph.text[:taken]
    label = head.strip().rstrip(":\uff1a").strip()
    if not label or len(label) > 40 or not re.fullmatch(rf"{_WORD}(?: {_NEXT}){{0,3}}", label):
        return None
    rest = paragraph.text[taken:]
    skip = len(rest) - len(rest.lstrip(" \t\u00a0:\uff1a"))
    return label, taken + skip


def read(path: Path) -> dict[str, list]:
    """Column lists of the Word transcript at ``path`` (see the module docstring)."""
    paragraphs = _paragraphs(path)
    sidecar = load_sidecar(path)
    declared = sidecar["participants"] if sidecar else None
    text = "\n".join(p.text for p in paragraphs)
    turns: list[dict] = []
    problems: list[str] = []
    first_seen: dict[str, str] = {}
    section = subheading = None
    current: dict | None = None
    offset = 0
    for number, paragraph in enumerate(paragraphs, start=1):
        line = paragraph.text
        line_start, offset = offset, offset + len(line) + 1
        if not line.strip():
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if style.lower().startswith("heading"):
            level = style.split()[-1]
            current = None
            if level in ("1", "2"):
                section, subheading = line.strip(), None
            else:
                subheading = line.strip()
            continue
        label = None
        content = 0
        typed = _TYPED_LABEL.match(line)
        bold = _bold_label(paragraph)
        stamp = None
        if typed and looks_like_label(typed.group("label"), declared):
            label, content, stamp = typed.group("label"), typed.end(), typed.group("timestamp")
        elif bold and looks_like_label(bold[0], declared):
            label, content = bold
        if label is not None:
            first_seen.setdefault(label, f"paragraph {number}")
            current = {"speaker": label, "timestamp": stamp, "section": section,
                       "subheading": subheading, "start": None, "end": None}
            turns.append(current)
            rest = line[content:]
            if rest.strip():
                current["start"] = line_start + content + len(rest) - len(rest.lstrip())
                current["end"] = line_start + len(line.rstrip())
            continue
        if current is None:
            fix = "start the paragraph with 'Speaker: ' or the speaker's name in bold"
            if style.lower() in ("title", "subtitle"):  # the document's title, as Word writes it
                fix = (f"it is in Word's {style!r} style: give it the style 'Heading 1' (it then "
                       "names a section) or delete it")
            problems.append(
                f"paragraph {number} ({line.strip()[:40]!r}): text before any speaker label; "
                + fix
            )
            continue
        if current["start"] is None:
            current["start"] = line_start + len(line) - len(line.lstrip())
        current["end"] = line_start + len(line.rstrip())
    empty = [t for t in turns if t["start"] is None]
    for turn in empty[:5]:
        problems.append(f"{first_seen.get(turn['speaker'])}: {turn['speaker']}'s turn has no text")
    if problems:
        raise TranscriptError(listing(str(path), problems))
    if not turns:
        raise TranscriptError(
            f"{path}: no speaker turns: no paragraph opens with 'Speaker: ' or a bold name."
        )
    meta = metadata(path, list(dict.fromkeys(t["speaker"] for t in turns)), first_seen, sidecar)
    return turn_columns(text, turns, meta)
