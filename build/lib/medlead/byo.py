"""Bring your own transcripts: the book's names for :mod:`medlead.transcripts`, kept for notebooks.

The readers now live in the package :mod:`medlead.transcripts`, one small module per format
(plain text, Word, WebVTT/SRT captions, REFI-QDA projects); this module re-exports their public
names so ``from medlead.byo import read_transcripts`` keeps working.

How the turns table's columns are filled (every format):

=================  =========================================================================
column             value
=================  =========================================================================
``turn_id``        ``<transcript id>-<NNNN>``, NNNN the 1-based number of the turn in its file
``hearing_date``   the transcript's ``date`` (``YYYY-MM-DD``; missing if none was given)
``section``        the ``## heading`` (Word: ``Heading 1``/``2``) the turn is under
``subheading``     the ``### heading`` (Word: ``Heading 3``) the turn is under
``witness``        the participant the turn is from, or, for the interviewer's turns, the one
                   participant who is not an interviewer when there is exactly one
``speaker``        the speaker code (``P1``), as declared under ``participants``
``speaker_label``  the label as written in the turn (the same as ``speaker``)
``role``           ``interviewer`` or ``participant``
``is_witness``     ``True`` unless the speaker is one of the transcript's interviewers
``text``           the turn's text: from after ``SPEAKER:`` to the end of its last line
``n_words``        whitespace-separated words in ``text``
``start``/``end``  0-based, end-exclusive character offsets of ``text`` in the file's decoded
                   text (``.txt``) or in :func:`medlead.transcripts.document_text` (others)
=================  =========================================================================

Then ``transcript``, ``site``, ``timestamp`` (the turn's ``[hh:mm:ss]``, if any) and one column per
participant attribute declared in the front matter (``group``, ``hybrid_medical_manager``...).
"""

from __future__ import annotations

from medlead.corpus import TURN_COLUMNS
from medlead.transcripts import (
    REFI_UNITS,
    RESERVED_ATTRIBUTES,
    TRANSCRIPT_COLUMNS,
    TranscriptError,
    TranscriptNotice,
    document_text,
    format_transcript,
    parse_transcript,
    read_transcript,
    read_transcripts,
    turns_from_refi,
    write_transcript,
)
from medlead.transcripts.common import OPTIONAL_KEYS, REQUIRED_KEYS

#: File names :func:`read_transcripts` reads from a folder (any case), besides other formats.
TRANSCRIPT_GLOB = "*.txt"

__all__ = [
    "OPTIONAL_KEYS", "REFI_UNITS", "REQUIRED_KEYS", "RESERVED_ATTRIBUTES", "TRANSCRIPT_COLUMNS",
    "TRANSCRIPT_GLOB", "TURN_COLUMNS", "TranscriptError", "TranscriptNotice", "document_text",
    "format_transcript", "parse_transcript", "read_transcript", "read_transcripts",
    "turns_from_refi", "write_transcript",
]
