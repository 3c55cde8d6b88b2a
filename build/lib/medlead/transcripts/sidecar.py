"""Metadata for formats that cannot hold it (Word, captions): a sidecar file, or defaults.

A transcript ``interview-03.docx`` (or ``.vtt``, ``.srt``) takes its metadata from
``interview-03.yml`` (or ``.yaml``) beside it: the same keys as the plain-text format's front
matter (``transcript``, ``date``, ``interviewer``, ``participants``, ``site``, ``description``),
with or without the ``---`` lines, every key optional. Without a sidecar (or for keys it leaves
out) the defaults are: ``transcript`` = the file name without extension (characters other than
letters, digits, ``-``, ``_``, ``.`` replaced by ``-``), no date, no site, no interviewer, and
every speaker found in the file a participant without attributes. A notice says when defaults
were used.
"""

from __future__ import annotations

import re
from pathlib import Path

from medlead.transcripts.common import (
    TranscriptError,
    decode,
    front_matter_lines,
    lines_of,
    notice,
    parse_front_matter,
)

#: Sidecar extensions, looked up in this order.
SIDECAR_SUFFIXES: tuple[str, ...] = (".yml", ".yaml")


def sidecar_path(path: Path) -> Path | None:
    """The sidecar of ``path`` if there is one (``name.yml`` or ``name.yaml``, any case)."""
    for suffix in SIDECAR_SUFFIXES:
        for candidate in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
            if candidate.is_file():
                return candidate
    return None


def default_id(path: Path) -> str:
    """A transcript id from the file name: ``Interview 3 (final).docx`` → ``Interview-3-final``."""
    slug = re.sub(r"[^A-Za-z0-9_.\-]+", "-", path.stem).strip("-.")
    return slug or "transcript"


def load_sidecar(path: Path) -> dict | None:
    """The checked metadata of ``path``'s sidecar, or None when it has none."""
    side = sidecar_path(path)
    if side is None:
        return None
    text = decode(side, kind="sidecar")
    lines = lines_of(text)
    fenced = lines[0][1].strip() == "---"
    body = [line for _, line in lines]
    if fenced:
        try:
            close = next(i for i in range(1, len(body)) if body[i].strip() == "---")
        except StopIteration:
            close = len(body)
        body = body[1:close]
    meta = parse_front_matter(
        side, "\n".join(body), len(body) + (2 if fenced else 0),
        front_matter_lines(lines, 1 if fenced else 0), required=(), spaced_codes=True,
        line_shift=2 if fenced else 1,
    )
    return {**meta, "sidecar": side}


def looks_like_label(label: str, declared: dict | None) -> bool:
    """Whether a ``Words:`` opening is a speaker label rather than the start of a sentence.

    A declared participant always is; otherwise every word must start with a capital letter or
    a digit (``Interviewer``, ``Dr Jane Smith``, ``Participant 3``, ``P1``), so that
    ``so the point is: ...`` stays text. An undeclared capitalised label is still a label, and
    :func:`metadata` refuses it when the sidecar lists participants.
    """
    if declared and label in declared:
        return True
    return all(word[:1].isupper() or word[:1].isdigit() for word in label.split())


def metadata(
    path: Path, speakers: list[str], where_speaker: dict[str, str], meta: dict | None = None
) -> dict:
    """Checked metadata for the transcript at ``path`` whose labels are ``speakers`` (in order).

    ``meta`` is :func:`load_sidecar`'s result (read here when not given). ``where_speaker``
    maps a label to where it first occurs ("paragraph 4", "line 12"), for the message when a
    sidecar does not declare it. Out: like
    :func:`medlead.transcripts.common.parse_front_matter`, with every speaker a participant.
    """
    meta = load_sidecar(path) if meta is None else meta
    if meta is None:
        meta = {"transcript": None, "date": None, "site": None, "interviewers": frozenset(),
                "participants": {}}
        notice(
            f"{path}: no sidecar metadata file ({path.stem}.yml), so defaults are used: "
            f"transcript id {default_id(path)!r}, no date, no interviewer, speakers "
            f"{', '.join(speakers[:10])}{' ...' if len(speakers) > 10 else ''} as participants "
            "(see book/byo-format.md)."
        )
    else:
        declared = meta["participants"]
        if declared:
            unknown = [s for s in speakers if s not in declared]
            if unknown:
                first = ", ".join(f"{s!r} ({where_speaker.get(s, '?')})" for s in unknown[:10])
                raise TranscriptError(
                    f"{path}: speaker(s) {first} are not declared under participants in "
                    f"{meta['sidecar']}; declared: {', '.join(list(declared)[:20])}. Add them, "
                    "or correct the label in the transcript."
                )
    participants = dict(meta["participants"])
    for speaker in speakers:
        participants.setdefault(speaker, {})
    return {**meta, "transcript": meta["transcript"] or default_id(path),
            "participants": participants}
