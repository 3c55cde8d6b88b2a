"""Text positions in REFI-QDA projects: Unicode code points or UTF-16 code units.

REFI-QDA says "characters" without fixing the unit. Python (and this package, QualCoder, MAXQDA
and ATLAS.ti as far as their exports show) counts Unicode code points; NVivo counts UTF-16 code
units, so every character outside the Basic Multilingual Plane (an emoji, some CJK) counts two.
A project read in the wrong unit has every selection after the first such character shifted.

In: a text and offsets. Out: offsets converted between the units, and a measure of how many
selection boundaries fall inside words, which is how a wrong reading shows.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence

#: The units a project's positions can be read in.
POSITION_UNITS: tuple[str, ...] = ("codepoints", "utf16")


def has_astral(text: str) -> bool:
    """True if ``text`` holds a character outside the Basic Multilingual Plane."""
    return any(ord(char) > 0xFFFF for char in text)


def utf16_length(text: str) -> int:
    """The length of ``text`` in UTF-16 code units."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _utf16_starts(text: str) -> list[int]:
    """UTF-16 position of each code point of ``text``, and of its end (len(text) + 1 values)."""
    starts, position = [], 0
    for char in text:
        starts.append(position)
        position += 2 if ord(char) > 0xFFFF else 1
    starts.append(position)
    return starts


def utf16_to_codepoints(text: str, offsets: Iterable[int]) -> tuple[list[int], int]:
    """Code-point offsets for UTF-16 ``offsets`` into ``text``, and how many split a pair.

    An offset that falls between the two halves of a surrogate pair (no program should write
    one) moves to the character after it and is counted. Offsets outside the text are returned
    shifted by the text's surplus so range checks still see them outside.
    """
    offsets = list(offsets)
    if not has_astral(text):
        return offsets, 0
    starts = _utf16_starts(text)
    out, split = [], 0
    for offset in offsets:
        if offset < 0 or offset > starts[-1]:
            out.append(offset - (starts[-1] - len(text)) if offset > 0 else offset)
            continue
        index = bisect.bisect_left(starts, offset)
        if starts[index] != offset:
            split += 1
        out.append(index)
    return out, split


def codepoints_to_utf16(text: str, offsets: Iterable[int]) -> list[int]:
    """UTF-16 offsets for code-point ``offsets`` into ``text`` (each within 0..len(text))."""
    offsets = list(offsets)
    if not has_astral(text):
        return offsets
    starts = _utf16_starts(text)
    return [starts[offset] for offset in offsets]


def inside_word(text: str, offset: int) -> bool:
    """True if ``offset`` falls between two letters or digits of ``text`` (mid-word)."""
    return 0 < offset < len(text) and text[offset - 1].isalnum() and text[offset].isalnum()


def misaligned_share(text: str, spans: Sequence[tuple[int, int]]) -> tuple[int, int]:
    """(boundaries inside words or outside the text, boundaries counted) for ``spans``.

    Only selections that end after the first astral character are counted: those are the only
    ones whose reading depends on the unit.
    """
    first = next((i for i, char in enumerate(text) if ord(char) > 0xFFFF), None)
    if first is None:
        return 0, 0
    bad = counted = 0
    for start, end in spans:
        if end <= first:
            continue
        for offset in (start, end):
            counted += 1
            if offset < 0 or offset > len(text) or inside_word(text, offset):
                bad += 1
    return bad, counted
