"""The testimony corpus: the UK Covid-19 Inquiry's Module 3 hearings, one row per speaker turn.

The source (family ``covid-inquiry-m3`` in ``data/sources.yml``) is one reStructuredText file per
hearing day, parsed from the Inquiry's PDF transcripts by a volunteer project. Its layout:

- the day's title, underlined with ``=====``;
- section headings underlined with ``-----``: a witness's name ("Professor Sir Stephen Powis"), or
  an opening statement, a submission, closing remarks...;
- sub-headings underlined with ``^^^^``, one per questioner ("Questions From Ms Stone");
- italic lines: the oath (``*NAME (sworn).*``, ``(affirmed)``, ``(continued)`` when evidence
  runs over to another day), time stamps (``*(10.00 am)*``) and stage directions
  (``*(A short break)*``, ``*(The witness withdrew)*``...);
- speaker turns, ``**Speaker**: text``; the plain paragraphs that follow continue the same turn.

:func:`parse_day` turns one day into turns and a record of every line it did not put in a turn
(:class:`DayParse`), so no text is lost silently: each non-turn line is skipped for a stated
reason. :func:`load_turns` parses every day into one DataFrame; :func:`parse_report` says what was
skipped and :func:`speaker_report` how every raw speaker label was read.

Speakers. Labels are messy (see :data:`COUNSEL_TO_THE_INQUIRY_LABELS`, :data:`SPEAKER_ALIASES`,
:data:`CONTINUATION_LABELS`). Each turn gets a ``role``:

- ``witness``: the label names the section's witness (:func:`label_matches_heading` gives the
  rules), or is "The Witness";
- ``chair``: Lady Hallett, who chairs the Inquiry;
- ``counsel_to_the_inquiry``: the Inquiry's own counsel, whose labels the source often garbles
  ("Counsel Inquiry", "Lead 3"...);
- ``counsel``: any other named speaker. In a witness's section they are questioners (counsel for
  core participants); in other sections they make opening or closing statements. These labels are
  *assumed* to be counsel: :func:`speaker_report` lists them so the assumption can be checked;
- ``unidentified``: the transcript itself does not know ("Unknown Speaker").

The book analyses what witnesses say: :func:`witness_turns` keeps only the witnesses' turns and
joins their attributes from ``data/speakers.csv`` (:func:`load_speakers`).
"""

from __future__ import annotations

import hashlib
import pickle
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from medlead import data, paths
from medlead.atomic import pickle_atomically
from medlead.authored import read_authored_csv

#: The source family of the hearing transcripts in ``data/sources.yml``.
SOURCE_FAMILY = "covid-inquiry-m3"

#: Bump when the parser's output changes, so on-disk caches of older output are not used.
PARSER_VERSION = "1"

#: The columns of :func:`load_turns`, in order.
TURN_COLUMNS: tuple[str, ...] = (
    "turn_id",
    "hearing_date",
    "section",
    "subheading",
    "witness",
    "speaker",
    "speaker_label",
    "role",
    "is_witness",
    "text",
    "n_words",
    "start",
    "end",
)

#: Speaker labels that are parse artefacts for the Inquiry's own counsel (the PDF's running
#: header "Counsel to the Inquiry" / "Lead Counsel to the Inquiry for Module 3" split badly).
COUNSEL_TO_THE_INQUIRY_LABELS: dict[str, str] = {
    "Counsel Inquiry": "Counsel to the Inquiry",
    "Counsel 3": "Counsel to the Inquiry",
    "Lead 3": "Lead Counsel to the Inquiry",
    "Lead Module3": "Lead Counsel to the Inquiry",
}

#: The chair of the Inquiry.
CHAIR_LABELS: frozenset[str] = frozenset({"Lady Hallett"})

#: Labels for a speaker the transcript could not identify.
UNIDENTIFIED_LABELS: frozenset[str] = frozenset(
    {"New Speaker", "Unknown Speaker", "Unidentifed Speaker", "Unidentified Speaker"}
)

#: Labels that are not speakers at all but a word followed by a colon at the start of a paragraph
#: ("PPE: one, getting the stuff into the country..."). The turn is kept (its text and offsets are
#: the source's) and attributed to the speaker of the turn before it.
CONTINUATION_LABELS: frozenset[str] = frozenset({"Ppe"})

#: Misspellings of counsel's names seen in the transcripts, mapped to the spelling used elsewhere.
SPEAKER_ALIASES: dict[str, str] = {
    "Ms Polaschack": "Ms Polaschek",
    "Ms Polascheck": "Ms Polaschek",
    "Ms Weereratine": "Ms Weereratne",
    "Ms Sen": "Ms Sen Gupta",
    "Ms Weatherby": "Mr Weatherby",
}

#: Headings of sections that are statements, not a witness's evidence.
STATEMENT_HEADING = re.compile(
    r"^(Opening|Closing|Submissions?\b|Statement|Reply|Remarks)", re.IGNORECASE
)
#: Headings that open the closing statements; later name-only headings that day are counsel's.
CLOSING_HEADING = re.compile(r"^Closing", re.IGNORECASE)

#: Titles and honorifics ignored when matching a speaker label to a witness's heading.
TITLES: frozenset[str] = frozenset(
    {"mr", "mrs", "ms", "miss", "dr", "professor", "prof", "sir", "dame", "lady", "lord",
     "baroness", "baron", "kc", "qc", "the", "rt", "hon"}
)
_GENDERED = {"mr": "m", "mrs": "f", "ms": "f", "miss": "f", "sir": "m", "dame": "f",
             "lord": "m", "lady": "f", "baroness": "f", "baron": "m"}

# --- compiled patterns over whole files (multiline) ------------------------------------------
_NON_BLANK_LINE = re.compile(r"^[^\S\n]*\S[^\n]*", re.MULTILINE)
_COUNSEL_SUFFIX = re.compile(r"\b(KC|QC)$")
_NAME_WORD = re.compile(r"[a-z][a-z'\-]*")
_TURN = re.compile(r"\*\*(?P<label>[^*\n]+?)\*\*:[ \t]?")
_UNDERLINE = re.compile(r"(?P<char>[-=^])(?P=char)+[ \t]*")
_ITALIC = re.compile(r"\*[^*\n](?:[^\n]*[^*\n])?\*[ \t]*")
_OATH = re.compile(r"\((sworn|affirmed|continued)\)", re.IGNORECASE)
_TIME_STAMP = re.compile(r"\*\(\d{1,2}(?:\.\d{2})? ?[ap]m\)\*", re.IGNORECASE)
_DATE_FROM_ID = re.compile(r"(\d{4}-\d{2}-\d{2})\.rst$")


class CorpusError(ValueError):
    """A transcript or the speakers table cannot be read as expected.

    The message names the file, what is wrong and how to fix it.
    """


@dataclass
class DayParse:
    """What :func:`parse_day` found in one hearing day.

    ``turns``: one dict per speaker turn (the columns of :data:`TURN_COLUMNS` but ``witness``,
    ``role`` and ``is_witness``, which :func:`assign_speakers` adds). ``skipped``: one dict per
    non-blank line not in a turn (``hearing_date``, ``line`` (1-based), ``start``, ``end``,
    ``reason``, ``text``). ``sections``: one dict per section heading (``heading``, ``line``,
    ``kind``: ``witness`` or ``statement``, ``oath``: the oath line or ``""``, ``panel``: the
    headings of every witness giving evidence together, ``classified_by``: the rule used).
    """

    hearing_date: str
    turns: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    sections: list[dict] = field(default_factory=list)


# --- one day ----------------------------------------------------------------------------------


def parse_day(text: str, hearing_date: str, source_name: str = "<text>") -> DayParse:
    """Parse one hearing day's transcript into turns, sections and skipped lines.

    In: the decoded text of one day, its date (``YYYY-MM-DD``) and a name for error messages.
    Out: a :class:`DayParse`. Every non-blank line is either part of a turn (its label line or a
    continuation paragraph) or a skipped line with its reason (headings and their underlines are
    skipped lines too, with reasons of their own).

    Raises :class:`CorpusError` if the text is empty or has no section headings (``-----``).
    """
    if not text.strip():
        raise CorpusError(f"{source_name}: the file is empty; expected a hearing-day transcript.")
    result = DayParse(hearing_date=hearing_date)
    # One pass of a compiled regex finds every non-blank line with its offsets.
    lines = [(m.start(), m.end(), m.group()) for m in _NON_BLANK_LINE.finditer(text)]
    if "\r" in text:  # Windows line ends: leave the carriage return out of each line
        lines = [(s, e - 1, ln[:-1]) if ln.endswith("\r") else (s, e, ln) for s, e, ln in lines]
    n_lines = len(lines)
    newline_cursor, line_number = 0, 1

    def skip(index: int, reason: str) -> None:
        nonlocal newline_cursor, line_number
        start, end, line = lines[index]
        line_number += text.count("\n", newline_cursor, start)
        newline_cursor = start
        result.skipped.append(
            {"hearing_date": hearing_date, "line": line_number, "start": start, "end": end,
             "reason": reason, "text": line}
        )

    current: dict | None = None  # the open turn
    section: str | None = None
    subheading: str | None = None
    closing_seen = False
    turn_number = 0
    i = 0
    while i < n_lines:
        start, end, line = lines[i]
        first = line[0]
        if first == "*":
            turn = _TURN.match(line)
            if turn:
                turn_number += 1
                current = {
                    "turn_id": f"{hearing_date}-{turn_number:04d}",
                    "hearing_date": hearing_date,
                    "section": section,
                    "subheading": subheading,
                    "speaker_label": " ".join(turn.group("label").split()),
                    "start": start + turn.end(),
                    "end": end,
                }
                result.turns.append(current)
                if section is not None:
                    result.sections[-1]["n_turns"] += 1
                i += 1
                continue
        # A heading: a line directly followed by an underline of -, = or ^.
        if i + 1 < n_lines and lines[i + 1][2][0] in "-=^" and start < lines[i + 1][0] and (
            text.count("\n", end, lines[i + 1][0]) == 1
        ):
            underline = _UNDERLINE.fullmatch(lines[i + 1][2])
            if underline:
                current = None
                kind_char = underline.group("char")
                if kind_char == "=":
                    skip(i, "day title")
                elif kind_char == "-":
                    section, subheading = line.strip(), None
                    kind, rule = "witness", "name heading"
                    if STATEMENT_HEADING.match(section):
                        kind, rule = "statement", "statement heading"
                        closing_seen = closing_seen or bool(CLOSING_HEADING.match(section))
                    elif closing_seen:
                        kind, rule = "statement", "name heading after the closing submissions began"
                    result.sections.append(
                        {"hearing_date": hearing_date, "heading": section, "kind": kind,
                         "oath": "", "classified_by": rule, "n_turns": 0}
                    )
                    skip(i, "section heading")
                    result.sections[-1]["line"] = line_number
                else:
                    subheading = line.strip()
                    skip(i, "questioner sub-heading")
                skip(i + 1, "heading underline")
                i += 2
                continue
        if first in "-=^" and _UNDERLINE.fullmatch(line):
            current = None
            skip(i, "underline without a heading")
        elif first == "*" and _ITALIC.fullmatch(line):
            current = None
            in_witness_section = bool(result.sections) and result.sections[-1]["kind"] == "witness"
            if in_witness_section and not line.startswith("*(") and _OATH.search(line):
                if section is not None:
                    result.sections[-1]["oath"] = line.strip("* ")
                skip(i, "oath line")
            elif _TIME_STAMP.fullmatch(line.strip()):
                skip(i, "time stamp")
            else:
                skip(i, "stage direction")
        elif line.startswith("**"):
            current = None
            skip(i, "unrecognised turn format (starts with ** but is not '**Speaker**: text')")
        elif current is not None:
            current["end"] = end  # a plain paragraph continues the open turn
        else:
            skip(i, "text outside any turn (no speaker label before it)")
        i += 1

    if not result.sections:
        raise CorpusError(
            f"{source_name}: no section headings (a line underlined with '-----') were found. "
            "Expected a Module 3 transcript in the reStructuredText layout of the source "
            "(see medlead.corpus); check that the file is the right one and is complete."
        )
    for row in result.turns:
        row["text"] = text[row["start"] : row["end"]]
        row["n_words"] = len(row["text"].split())
    _classify_sections(result)
    return result


def _classify_sections(day: DayParse) -> None:
    """Mark witness sections with an oath line, and group witness headings into panels.

    A witness heading with no turns under it, followed directly by another witness heading, gives
    evidence together with it (a panel): the source puts all of a panel's turns under its last
    heading. ``panel`` lists the panel's headings in source order.
    """
    pending: list[str] = []
    for sec in day.sections:
        if sec["kind"] == "witness" and sec["oath"]:
            sec["classified_by"] = "oath line"
        elif sec["kind"] == "witness":
            sec["classified_by"] = "name heading without an oath line (a recalled witness)"
        if sec["kind"] != "witness":
            pending = []
            sec["panel"] = []
            continue
        pending.append(sec["heading"])
        sec["panel"] = list(pending)
        if sec["n_turns"] > 0:
            pending = []


# --- speakers ---------------------------------------------------------------------------------


def _name_tokens(name: str) -> tuple[list[str], str | None]:
    """Return (name words without titles, gender implied by an honorific or None)."""
    words = _NAME_WORD.findall(name.lower())
    gender = next((_GENDERED[w] for w in words if w in _GENDERED), None)
    return [w for w in words if w not in TITLES], gender


@lru_cache(maxsize=8192)
def label_matches_heading(label: str, heading: str) -> bool:
    """Say whether a speaker label names the witness of a section heading.

    Rules, in order:

    1. titles and honorifics (Mr, Ms, Dr, Professor, Sir, Dame, Baroness, KC...) are ignored,
       except that a gendered honorific on both sides must agree (so counsel "Mr Scott" does not
       match witness "Ms Chloe Scott");
    2. the surnames (last remaining words) must be equal, case-insensitively;
    3. every other name the label gives must appear in the heading ("Michael McBride" matches
       "Professor Sir Michael McBride"; "Professor Sir Powis" and "Professor Gould" match too);
       but a label with a forename the heading lacks does not.

    "Professor Evans" thus matches "Dr Rachael Evans" (the transcript's titles are not reliable).
    A label ending in "KC" or "QC" names counsel and matches only a heading that has it too.
    """
    if _COUNSEL_SUFFIX.search(label) and not _COUNSEL_SUFFIX.search(heading):
        return False
    label_words, label_gender = _name_tokens(label)
    heading_words, heading_gender = _name_tokens(heading)
    if not label_words or not heading_words:
        return False
    if label_gender and heading_gender and label_gender != heading_gender:
        return False
    if label_words[-1] != heading_words[-1]:
        return False
    return set(label_words[:-1]) <= set(heading_words[:-1])


def normalise_label(label: str) -> str:
    """Normalise a non-witness speaker label: fix known misspellings and drop a trailing "KC"."""
    label = " ".join(label.split())
    if label in COUNSEL_TO_THE_INQUIRY_LABELS:
        return COUNSEL_TO_THE_INQUIRY_LABELS[label]
    if label in UNIDENTIFIED_LABELS:
        return "Unidentified speaker"
    bare = re.sub(r",?\s+(KC|QC)$", "", label)
    return SPEAKER_ALIASES.get(bare, bare)


def assign_speakers(day: DayParse) -> None:
    """Add ``witness``, ``speaker``, ``role`` and ``is_witness`` to each of the day's turns.

    ``witness`` is whose evidence the section is: for a witness's own turn, that witness's
    heading; for other turns in a witness section, the heading of the section's witness (a panel's
    headings joined with " / "); missing for statements and before the first heading.
    """
    sections = {}
    for sec in day.sections:
        sections.setdefault(sec["heading"], sec)
    previous_speaker: tuple[str, str, bool, str | None] | None = None
    for turn in day.turns:
        label = turn["speaker_label"]
        sec = sections.get(turn["section"]) if turn["section"] is not None else None
        panel = sec["panel"] if sec is not None and sec["kind"] == "witness" else []
        witness = " / ".join(panel) if panel else None
        matched = None
        if label in CONTINUATION_LABELS and previous_speaker is not None:
            speaker, role, is_witness, matched = previous_speaker
            turn.update(speaker=speaker, role=role, is_witness=is_witness,
                        witness=matched if is_witness else witness)
            continue
        if panel:
            if label == "The Witness" and len(panel) == 1:
                matched = panel[0]
            else:
                hits = [h for h in panel if label_matches_heading(label, h)]
                matched = hits[0] if len(hits) == 1 else None
        if matched is not None:
            speaker, role, is_witness = matched, "witness", True
            witness = matched
        elif label in CHAIR_LABELS:
            speaker, role, is_witness = label, "chair", False
        elif label in COUNSEL_TO_THE_INQUIRY_LABELS:
            speaker, role, is_witness = normalise_label(label), "counsel_to_the_inquiry", False
        elif label in UNIDENTIFIED_LABELS or label == "The Witness":
            speaker, role, is_witness = "Unidentified speaker", "unidentified", False
        else:
            speaker, role, is_witness = normalise_label(label), "counsel", False
        turn.update(speaker=speaker, role=role, is_witness=is_witness, witness=witness)
        previous_speaker = (speaker, role, is_witness, matched)


# --- files and the whole corpus ---------------------------------------------------------------


def decode_transcript(raw: bytes, source_name: str) -> str:
    """Decode a transcript's bytes as UTF-8, or raise :class:`CorpusError` saying where it fails."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CorpusError(
            f"{source_name}: byte {exc.start} (line {line}) is not valid UTF-8 "
            f"({raw[exc.start:exc.start + 4]!r}). The transcripts are UTF-8; the file may be "
            "corrupt or saved in another encoding: fetch it again or re-save it as UTF-8."
        ) from exc


def hearing_date_of(source_id_or_path: str | Path) -> str:
    """Return the ``YYYY-MM-DD`` date in a day file's name, or raise :class:`CorpusError`."""
    match = _DATE_FROM_ID.search(str(source_id_or_path))
    if not match:
        raise CorpusError(
            f"{source_id_or_path}: the file name does not end in a hearing date 'YYYY-MM-DD.rst'."
        )
    return match.group(1)


def parse_file(path: str | Path, hearing_date: str | None = None) -> DayParse:
    """Read, decode, parse one day file and assign its speakers (see :func:`parse_day`)."""
    path = Path(path)
    date = hearing_date or hearing_date_of(path)
    day = parse_day(decode_transcript(path.read_bytes(), str(path)), date, str(path))
    assign_speakers(day)
    return day


def day_ids() -> list[str]:
    """Return the source ids of every hearing day in date order (the family's index left out)."""
    ids = [i for i in data.source_ids(SOURCE_FAMILY) if _DATE_FROM_ID.search(i)]
    return sorted(ids, key=hearing_date_of)


@dataclass
class Corpus:
    """Every parsed day: turns, skipped lines and sections as DataFrames."""

    turns: pd.DataFrame
    skipped: pd.DataFrame
    sections: pd.DataFrame


def build_corpus(paths_by_date: Sequence[tuple[str, Path]]) -> Corpus:
    """Parse day files (``(hearing_date, path)`` pairs) into a :class:`Corpus`.

    Raises :class:`CorpusError` for an empty list, and passes on each file's errors.
    """
    if not paths_by_date:
        raise CorpusError(
            "The corpus is empty: no hearing-day files were given. Check "
            f"medlead.data.source_ids({SOURCE_FAMILY!r}) and the data mirror."
        )
    days = [parse_file(p, date) for date, p in paths_by_date]
    turns = pd.DataFrame([t for d in days for t in d.turns], columns=list(TURN_COLUMNS))
    if turns.empty:
        raise CorpusError(
            "The corpus is empty: none of the files "
            f"({', '.join(str(p) for _, p in paths_by_date[:3])}...) holds a speaker turn."
        )
    turns["is_witness"] = turns["is_witness"].astype(bool)
    turns["n_words"] = turns["n_words"].astype("int64")
    skipped = pd.DataFrame(
        [s for d in days for s in d.skipped],
        columns=["hearing_date", "line", "start", "end", "reason", "text"],
    )
    sections = pd.DataFrame(
        [dict(s, panel=" / ".join(s["panel"])) for d in days for s in d.sections],
        columns=["hearing_date", "heading", "line", "kind", "oath", "classified_by", "n_turns",
                 "panel"],
    )
    return Corpus(turns=turns, skipped=skipped, sections=sections)


_MEMO: dict[str, Corpus] = {}


def _cache_key(ids: Sequence[str]) -> str:
    """Hash the parser (version and this module's source) and each source file's manifest hash."""
    digest = hashlib.sha256(PARSER_VERSION.encode())
    digest.update(Path(__file__).read_bytes())
    for source_id in ids:
        digest.update(f"{source_id}={data.source(source_id).sha256};".encode())
    return digest.hexdigest()[:24]


def load_corpus(source_ids: Iterable[str] | None = None, *, cache: bool = True) -> Corpus:
    """Fetch and parse the hearing days (all of them by default) into a :class:`Corpus`.

    With ``cache=True`` the result is kept in memory for the process and on disk in
    ``<cache_dir>/corpus/turns-<key>.pkl``, where the key hashes the parser (its version and
    source code) and the manifest SHA-256 of every source file, so a changed source or parser is
    re-parsed. The disk
    file is written atomically. ``cache=False`` always parses.
    """
    ids = list(source_ids) if source_ids is not None else day_ids()
    key = _cache_key(ids)
    if cache and key in _MEMO:
        return _MEMO[key]
    disk = paths.cache_dir() / "corpus" / f"turns-{key}.pkl"
    corpus = None
    if cache and disk.is_file():
        try:
            with disk.open("rb") as handle:
                corpus = pickle.load(handle)
        except Exception:  # a stale or unreadable cache is rebuilt, never trusted
            corpus = None
        if not isinstance(corpus, Corpus):
            corpus = None
    if corpus is None:
        corpus = build_corpus([(hearing_date_of(i), data.fetch(i)) for i in ids])
        if cache:
            pickle_atomically(corpus, disk)
    if cache:
        _MEMO[key] = corpus
    return corpus


def load_turns(source_ids: Iterable[str] | None = None, *, cache: bool = True) -> pd.DataFrame:
    """Return one row per speaker turn across the hearing days, in source order.

    Columns (:data:`TURN_COLUMNS`): ``turn_id`` (``<hearing_date>-<NNNN>``, the 1-based index of
    the turn in its day file), ``hearing_date``, ``section`` (the heading the turn is under;
    missing before a day's first heading), ``subheading`` (the questioner sub-heading, if any),
    ``witness`` (whose evidence the section is), ``speaker`` (normalised), ``speaker_label`` (as
    in the source), ``role``, ``is_witness`` (the speaker is the section's witness), ``text``,
    ``n_words`` (whitespace-separated words), ``start``/``end`` (0-based, end-exclusive character
    offsets of ``text`` in the day's decoded source, so ``source[start:end] == text``).

    A copy is returned, so callers may change it freely.
    """
    return load_corpus(source_ids, cache=cache).turns.copy()


def parse_report(source_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Count the non-blank lines the parser did not put in a turn, by reason (with an example)."""
    skipped = load_corpus(source_ids).skipped
    report = skipped.groupby("reason", sort=True).agg(
        lines=("text", "size"), words=("text", lambda s: int(s.str.split().str.len().sum())),
        example=("text", "first"),
    )
    return report.sort_values("lines", ascending=False, kind="stable")


def load_sections(source_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Return one row per section heading: its day, kind, oath line, panel and turn count."""
    return load_corpus(source_ids).sections.copy()


def speaker_report(turns: pd.DataFrame) -> pd.DataFrame:
    """Say how every raw speaker label was read: role, normalised speaker, turns and sections.

    Rows with role ``counsel`` are labels assumed to be counsel because they did not match the
    section's witness; ``unmatched_in_witness_section`` counts their turns inside witness
    sections, where they asked questions. Check those rows for a witness the rules missed.
    """
    grouped = turns.groupby(["speaker_label", "role", "speaker"], sort=True, dropna=False)
    report = grouped.agg(turns=("turn_id", "size"), sections=("section", "nunique"))
    in_witness = turns["witness"].notna() & ~turns["is_witness"]
    report["unmatched_in_witness_section"] = (
        turns[in_witness].groupby(["speaker_label", "role", "speaker"]).size()
        .reindex(report.index).fillna(0).astype(int)
    )
    return report.reset_index().sort_values(["role", "turns"], ascending=[True, False],
                                            kind="stable", ignore_index=True)


# --- speaker attributes -----------------------------------------------------------------------

SPEAKERS_PATH: Path = paths.book_file("speakers.csv")
SPEAKER_COLUMNS: tuple[str, ...] = (
    "section_heading", "person_id", "name", "appearance", "group", "hybrid_medical_manager",
    "organisation", "role_title", "evidence_date", "evidence",
)
#: Where the evidence for a row is: a turn id (``evidence_turn``) or the 1-based line of the turn
#: in that day's file (``evidence_line``). The table needs at least one of them.
EVIDENCE_POINTERS: tuple[str, ...] = ("evidence_turn", "evidence_line")
APPEARANCES: tuple[str, ...] = (
    "witness", "opening statement", "closing statement", "other statement",
)
GROUPS: tuple[str, ...] = (
    "doctor", "nurse_midwife", "nhs_manager", "civil_servant_minister", "counsel", "chair",
    "patient_family", "union_professional_body", "other",
)
_TRUE, _FALSE = {"true", "yes", "1"}, {"false", "no", "0"}
_TURN_ID = re.compile(r"^\d{4}-\d{2}-\d{2}-\d{4}$")


def load_speakers(path: str | Path = SPEAKERS_PATH) -> pd.DataFrame:
    """Load and validate ``data/speakers.csv``: who each section heading's speaker is.

    In: a CSV with the columns :data:`SPEAKER_COLUMNS` and at least one of
    :data:`EVIDENCE_POINTERS` (other columns, such as a coder's ``confidence``, are kept).
    Out: a DataFrame with ``hybrid_medical_manager`` as bool and ``group`` as a categorical of
    :data:`GROUPS`.

    Raises :class:`CorpusError` naming the file, the line (header = 1) and every problem: a
    missing file or column, a duplicated ``section_heading``, a ``group`` or ``appearance``
    outside the allowed values, a boolean that is not true/false, an ``evidence_turn`` not in
    the ``YYYY-MM-DD-NNNN`` form, an ``evidence_line`` that is not a positive whole number.
    """
    path = Path(path)
    frame = read_authored_csv(path, SPEAKER_COLUMNS, CorpusError, "speakers table")
    if not any(c in frame.columns for c in EVIDENCE_POINTERS):
        raise CorpusError(
            f"{path}: needs a column {' or '.join(EVIDENCE_POINTERS)} saying where the evidence is."
        )
    if frame.empty:
        raise CorpusError(f"{path}: the speakers table has no rows.")
    frame = frame.apply(lambda s: s.str.strip())
    problems: list[str] = []
    for index, row in frame.iterrows():
        line = int(index) + 2
        for column in ("section_heading", "person_id", "name", "appearance", "group"):
            if not row[column]:
                problems.append(f"line {line}: '{column}' is empty")
        if row["group"] and row["group"] not in GROUPS:
            problems.append(
                f"line {line}: group {row['group']!r} is not one of {', '.join(GROUPS)}"
            )
        if row["appearance"] and row["appearance"] not in APPEARANCES:
            problems.append(
                f"line {line}: appearance {row['appearance']!r} is not one of "
                f"{', '.join(APPEARANCES)}"
            )
        if row["hybrid_medical_manager"].lower() not in _TRUE | _FALSE:
            problems.append(
                f"line {line}: hybrid_medical_manager {row['hybrid_medical_manager']!r} is not "
                "true or false"
            )
        evidence_line = row.get("evidence_line", "")
        if evidence_line and not (evidence_line.isdigit() and int(evidence_line) > 0):
            problems.append(
                f"line {line}: evidence_line {evidence_line!r} is not a positive line number"
            )
        if row.get("evidence_turn", "") and not _TURN_ID.match(row["evidence_turn"]):
            problems.append(
                f"line {line}: evidence_turn {row['evidence_turn']!r} is not a turn id "
                "'YYYY-MM-DD-NNNN'"
            )
    duplicated = frame.loc[frame["section_heading"].duplicated(keep=False), "section_heading"]
    for heading in sorted(set(duplicated)):
        lines = [str(i + 2) for i in frame.index[frame["section_heading"] == heading]]
        problems.append(f"section_heading {heading!r} appears on lines {', '.join(lines)}")
    if problems:
        raise CorpusError(f"{path}: " + "; ".join(problems) + ".")
    frame["hybrid_medical_manager"] = frame["hybrid_medical_manager"].str.lower().isin(_TRUE)
    frame["group"] = pd.Categorical(frame["group"], categories=list(GROUPS))
    return frame


#: The group of speakers who are not in ``data/speakers.csv`` as witnesses, by role.
ROLE_GROUPS: dict[str, str] = {
    "chair": "chair",
    "counsel_to_the_inquiry": "counsel",
    "counsel": "counsel",
    "unidentified": "other",
}


def witness_turns(
    turns: pd.DataFrame | None = None, speakers: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Return the witnesses' own turns, joined to their attributes from ``data/speakers.csv``.

    In: turns from :func:`load_turns` and speakers from :func:`load_speakers` (both loaded when
    not given). The join is ``turns.witness == speakers.section_heading`` (for a witness's own turn,
    ``witness`` is that witness's heading, also in a panel). Out: the turns where ``is_witness``,
    with every speakers column but ``section_heading``.

    Raises :class:`CorpusError` naming every witness heading missing from the speakers table.
    """
    turns = load_turns() if turns is None else turns
    speakers = load_speakers() if speakers is None else speakers
    own = turns.loc[turns["is_witness"]]
    missing = sorted(set(own["witness"]) - set(speakers["section_heading"]))
    if missing:
        raise CorpusError(
            f"{SPEAKERS_PATH}: no row for the witness heading(s) {'; '.join(missing)}. "
            "Add one row per section heading (column section_heading, exact text)."
        )
    joined = own.merge(speakers, how="left", left_on="witness", right_on="section_heading",
                       validate="many_to_one")
    return joined.drop(columns=["section_heading"])


def witness_turns_with_cadre(
    turns: pd.DataFrame, speakers: pd.DataFrame, years: Sequence[int] = (2023, 2024)
) -> pd.DataFrame:
    """The witnesses' turns of the given hearing years, with ``group`` as text and a ``cadre``.

    In: all turns (:func:`load_turns`), the speaker table, the hearing years kept. Out: the
    witnesses' turns of those years (fresh index), ``group`` as text, and ``cadre``: the group,
    with doctors split into "hybrid medical manager" and "other doctor" (the listening chapter's
    table, also used by its downloads and its seminar pack).
    """
    witness = witness_turns(turns, speakers)
    witness = witness.loc[witness["hearing_date"].str[:4].astype(int).isin(list(years))]
    witness = witness.assign(group=witness["group"].astype(str)).reset_index(drop=True)
    witness["cadre"] = np.where(
        witness["group"] != "doctor", witness["group"],
        np.where(witness["hybrid_medical_manager"], "hybrid medical manager", "other doctor"),
    )
    return witness


def turns_with_groups(
    turns: pd.DataFrame | None = None, speakers: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Return every turn with a ``group``: witnesses' from the speakers table, others by role.

    Witness turns take their ``group`` from :func:`witness_turns`; the chair is ``chair``, all
    counsel are ``counsel`` and unidentified speakers ``other`` (:data:`ROLE_GROUPS`).
    """
    turns = load_turns() if turns is None else turns
    speakers = load_speakers() if speakers is None else speakers
    own = witness_turns(turns, speakers).set_index("turn_id")["group"].astype(str)
    groups = turns["role"].map(ROLE_GROUPS)
    groups = groups.where(~turns["is_witness"], turns["turn_id"].map(own))
    return turns.assign(group=pd.Categorical(groups, categories=list(GROUPS)))
