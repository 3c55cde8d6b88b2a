"""Caption files (WebVTT ``.vtt``, SubRip ``.srt``) from Zoom, Teams, Otter and the like, as turns.

Who speaks a cue is read from a WebVTT voice tag (``<v Jane Smith>text</v>``, what Teams and
many tools write) or from a ``Name: `` prefix on the cue's text (what Zoom and Otter write, and
the usual SRT convention; one to four words, each capitalised unless the sidecar declares the
name, so ``so the point is: ...`` stays text). A cue without a speaker continues the speaker
before; a file whose first cue has none is refused (naming the line), as is a file with no
cues. Consecutive cues of one speaker make one turn. Other markup (``<i>``, ``<c.x>``,
``<00:00:01.000>``) is removed; ``NOTE``, ``STYLE`` and ``REGION`` blocks are skipped.

``start``/``end`` index :func:`document_text`: the cues' texts (speaker and markup removed), one
cue per line; ``timestamp`` is the start of the turn's first cue (``hh:mm:ss``). Metadata come
from a sidecar file (:mod:`medlead.transcripts.sidecar`).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from medlead.transcripts.common import TranscriptError, decode, lines_of, listing, turn_columns
from medlead.transcripts.sidecar import load_sidecar, looks_like_label, metadata

#: The file suffixes this reader takes (matched ignoring case).
SUFFIXES: tuple[str, ...] = (".vtt", ".srt")

_TIMING = re.compile(
    r"^\s*(?P<start>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}"
)
_VOICE = re.compile(r"<v(?:\.[\w.\-]+)?[ \t]+(?P<name>[^>]+)>")
_TAG = re.compile(r"</?[^>\s][^>]*>")
_WORD = r"[^\W\d_][\w.'\-]*"
_PREFIX = re.compile(
    rf"^(?P<label>{_WORD}(?: [\w][\w.'\-]*){{0,3}})\s*[:\uff1a](?=\s)\s*"
)


def _cues(path: Path) -> list[tuple[int, str, str | None, str]]:
    """(line number, start time, voice or None, text) for each cue of the file."""
    text = decode(path, kind="caption file")
    lines = lines_of(text)
    cues = []
    index = 0
    is_vtt = path.suffix.lower() == ".vtt"
    if is_vtt:
        if not lines[0][1].lstrip("\ufeff").startswith("WEBVTT"):
            raise TranscriptError(
                f"{path}, line 1: a WebVTT file starts with 'WEBVTT'; found "
                f"{lines[0][1][:40]!r}. Is it an SRT file named .vtt?"
            )
    while index < len(lines):
        line = lines[index][1]
        if is_vtt and re.match(r"^(NOTE|STYLE|REGION)\b", line):
            while index < len(lines) and lines[index][1].strip():
                index += 1
            continue
        timing = _TIMING.match(line)
        if not timing:
            index += 1
            continue
        number = index + 1
        index += 1
        body = []
        while index < len(lines) and lines[index][1].strip():
            body.append(lines[index][1])
            index += 1
        raw = " ".join(part.strip() for part in body)
        voice = _VOICE.search(raw)
        cleaned = html.unescape(_TAG.sub("", raw)).strip()
        cleaned = re.sub(r"\s+", " ", cleaned)
        cues.append((number, timing.group("start"), voice.group("name").strip() if voice
                     else None, cleaned))
    return cues


def _hms(stamp: str) -> str:
    parts = stamp.replace(",", ".").split(".")[0].split(":")
    parts = ["0"] * (3 - len(parts)) + parts
    return ":".join(f"{int(p):02d}" for p in parts)


def _turns(path: Path, declared: dict | None = None) -> tuple[str, list[dict], dict[str, str]]:
    cues = _cues(path)
    if not cues:
        raise TranscriptError(
            f"{path}: no caption cues ('00:00:01.000 --> 00:00:04.000' lines followed by text)."
        )
    pieces: list[str] = []
    turns: list[dict] = []
    first_seen: dict[str, str] = {}
    problems: list[str] = []
    offset = 0
    current: dict | None = None
    for number, start, voice, text in cues:
        speaker = voice
        if speaker is None:
            prefix = _PREFIX.match(text)
            if prefix and looks_like_label(prefix.group("label"), declared):
                speaker, text = prefix.group("label"), text[prefix.end():]
        if not text:
            continue
        if speaker is None and current is None:
            problems.append(
                f"line {number}: the first cue names no speaker; start it with '<v Name>' "
                "(WebVTT) or 'Name: '"
            )
            continue
        line_start = offset
        pieces.append(text)
        offset += len(text) + 1
        if speaker is None or (current is not None and speaker == current["speaker"]):
            current["end"] = line_start + len(text)
            continue
        first_seen.setdefault(speaker, f"line {number}")
        current = {"speaker": speaker, "timestamp": _hms(start), "start": line_start,
                   "end": line_start + len(text)}
        turns.append(current)
    if problems:
        raise TranscriptError(listing(str(path), problems))
    return "\n".join(pieces), turns, first_seen


def document_text(path: str | Path) -> str:
    """The text that ``start``/``end`` index: the cues' texts, one a line."""
    path = Path(path)
    sidecar = load_sidecar(path)
    return _turns(path, sidecar["participants"] if sidecar else None)[0]


def read(path: Path) -> dict[str, list]:
    """Column lists of the caption file at ``path`` (see the module docstring)."""
    sidecar = load_sidecar(path)
    text, turns, first_seen = _turns(path, sidecar["participants"] if sidecar else None)
    if not turns:
        raise TranscriptError(f"{path}: the cues hold no text.")
    meta = metadata(path, list(dict.fromkeys(t["speaker"] for t in turns)), first_seen, sidecar)
    return turn_columns(text, turns, meta)
