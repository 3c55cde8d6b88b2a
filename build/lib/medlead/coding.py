"""Keyword-assisted coding of witness turns, the tables built on it, and the reference check.

The codebook (:mod:`medlead.codebook`) gives every code a few transparent regular expressions.
:func:`code_turns` runs them over the turns and returns one row per *hit*: which code, which
pattern fired, the matched words and where they are (0-based, end-exclusive character offsets
inside the turn's text and inside the day's source file). Everything else is built from the hits:

- :func:`coded_turns`: a turn x code table of True/False (a code applies to a turn when any of its
  patterns matches there);
- :func:`code_group_matrix`: code x group tables of coded turns, share of turns or hits per 1,000
  words; :func:`cooccurrence`: how often two codes fall in the same turn;
- :func:`framework_matrix`: a group x theme matrix with counts and a short attributed extract;
- :func:`validation_sample`: a seeded, stratified sample of turns for a reference coding by reading,
  and :func:`load_manual_codes` to read that coding back (the book's reference coding was done by an
  AI assistant, not by a human coder: see ``data/manual_sample.md``; the "manual" in the names is
  historical);
- :func:`coded_corpus_tables`: the coded corpus as the tables :mod:`medlead.refi` exports to
  REFI-QDA (one text source per witness).

Keyword coding finds words, not meaning: it misses paraphrase and flags words used in another
sense. The reference sample measures how far the two part company.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from medlead import codebook as codebook_module
from medlead import corpus, multiscan, paths, refi
from medlead.atomic import pickle_atomically

#: Columns of the hits table returned by :func:`code_turns`, in order.
HIT_COLUMNS: list[str] = [
    "turn_id",
    "code",
    "pattern",
    "start",
    "end",
    "source_start",
    "source_end",
    "matched",
]

#: Measures :func:`code_group_matrix` can compute.
MEASURES: tuple[str, ...] = ("count", "hits", "share", "per_1000_words")

#: Validation strata: each speakers-table group is mapped to one of five strata.
STRATA: dict[str, str] = {
    "doctor": "doctors",
    "nurse_midwife": "nurses and midwives",
    "nhs_manager": "NHS managers",
    "civil_servant_minister": "civil servants and ministers",
    "patient_family": "others",
    "union_professional_body": "others",
    "other": "others",
}

MANUAL_SAMPLE_PATH: Path = paths.book_file("manual_sample.csv")
MANUAL_CODES_PATH: Path = paths.book_file("manual_codes.csv")

#: Name written as the coder of keyword-assisted selections in REFI-QDA exports.
ASSISTED_CODER = "medlead keyword patterns"

_SEPARATOR = "\n\x00\n"  # between turns when scanning them as one string; no pattern crosses it
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")


class CodingError(ValueError):
    """Input to the coding functions is malformed; the message says what and how to fix it."""


def _code_rows(codebook: pd.DataFrame) -> pd.DataFrame:
    return codebook[codebook["level"] == "code"]


def compile_codes(codebook: pd.DataFrame) -> dict[str, re.Pattern[str]]:
    """Compile each code's patterns once into one case-insensitive alternation.

    Each pattern becomes a named group ``p0``, ``p1``…, so the group that matched says which
    pattern fired. Returns ``{code: compiled}`` in codebook order.
    """
    compiled = {}
    for row in _code_rows(codebook).itertuples():
        alternation = "|".join(f"(?P<p{i}>{p})" for i, p in enumerate(row.patterns))
        compiled[row.code] = re.compile(alternation, re.IGNORECASE)
    return compiled


def _check_columns(table: pd.DataFrame, needed: list[str], name: str) -> None:
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise CodingError(
            f"The {name} table lacks the column(s) {missing}; pass turns from "
            "medlead.corpus.load_turns() or medlead.corpus.witness_turns()."
        )


def code_turns(turns: pd.DataFrame, codebook: pd.DataFrame) -> pd.DataFrame:
    """Run the codebook's keyword patterns over the turns; return one row per hit.

    In: ``turns`` with ``turn_id``, ``text`` and ``start`` (the turn's offset in its day file, as
    :func:`medlead.corpus.load_turns` gives), and a codebook from
    :func:`medlead.codebook.load_codebook`. Out: :data:`HIT_COLUMNS`: ``start``/``end`` are
    0-based, end-exclusive offsets in the turn's text (``text[start:end] == matched``);
    ``source_start``/``source_end`` the same in the day's source (turn start + offset);
    ``pattern`` is the regular expression that fired. Within one code, matches do not overlap
    (the first listed pattern wins at a position); different codes may cover the same words.

    All turns are joined into one string and scanned once for all codes
    (:func:`medlead.multiscan.finditer_each`): the hits are exactly those of each code's
    compiled alternation (:func:`compile_codes`) run with ``finditer`` over the joined turns,
    found in a fraction of the time of one pass per code (see ``benchmarks/coding.py``).
    """
    _check_columns(turns, ["turn_id", "text", "start"], "turns")
    if turns["turn_id"].duplicated().any():
        raise CodingError("The turns table repeats turn ids; each turn must appear once.")
    texts = turns["text"].astype(str).tolist()
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    offsets = np.concatenate([[0], np.cumsum(lengths + len(_SEPARATOR))])[:-1]
    joined = _SEPARATOR.join(texts)
    turn_ids = turns["turn_id"].to_numpy()
    turn_starts = turns["start"].to_numpy(dtype=np.int64)
    patterns = {row.code: row.patterns for row in _code_rows(codebook).itertuples()}

    frames = []
    for code, matches in multiscan.finditer_each(compile_codes(codebook), joined).items():
        found = [(m.start(), m.end(), m.lastgroup, m.group()) for m in matches]
        if not found:
            continue
        starts = np.array([f[0] for f in found], dtype=np.int64)
        ends = np.array([f[1] for f in found], dtype=np.int64)
        which = np.searchsorted(offsets, starts, side="right") - 1
        inside = starts - offsets[which]
        keep = ends - offsets[which] <= lengths[which]  # never true across a separator, checked
        frame = pd.DataFrame(
            {
                "turn_id": turn_ids[which],
                "code": code,
                "pattern": [patterns[code][int(f[2][1:])] for f in found],
                "start": inside,
                "end": inside + (ends - starts),
                "source_start": turn_starts[which] + inside,
                "source_end": turn_starts[which] + inside + (ends - starts),
                "matched": [f[3] for f in found],
            }
        )
        frames.append(frame[keep])
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in HIT_COLUMNS})
    hits = pd.concat(frames, ignore_index=True)
    order = {t: i for i, t in enumerate(turn_ids)}
    code_order = {c: i for i, c in enumerate(patterns)}
    hits = hits.assign(_t=hits["turn_id"].map(order), _c=hits["code"].map(code_order))
    hits = hits.sort_values(["_t", "start", "_c"], kind="stable").drop(columns=["_t", "_c"])
    return hits.reset_index(drop=True)[HIT_COLUMNS]


def _hits_cache_key(turns: pd.DataFrame, codebook: pd.DataFrame) -> str:
    digest = hashlib.sha256(b"coding-v1")
    for row in _code_rows(codebook).itertuples():
        digest.update(f"{row.code}={'|'.join(row.patterns)};".encode())
    for turn_id, start, text in zip(turns["turn_id"], turns["start"], turns["text"], strict=True):
        digest.update(f"{turn_id}:{start}:".encode())
        digest.update(str(text).encode())
    return digest.hexdigest()[:24]


def cached_code_turns(turns: pd.DataFrame, codebook: pd.DataFrame) -> pd.DataFrame:
    """:func:`code_turns` with a disk cache in ``<cache_dir>/coding/hits-<key>.pkl``.

    The key hashes the codebook's patterns and every turn's id, offset and text, so any change
    recomputes. The file is written atomically; an unreadable cache file is recomputed.
    """
    target = paths.cache_dir() / "coding" / f"hits-{_hits_cache_key(turns, codebook)}.pkl"
    if target.is_file():
        try:
            hits = pd.read_pickle(target)
            if list(hits.columns) == HIT_COLUMNS:
                return hits
        except Exception:  # a stale or broken cache is rebuilt, never trusted
            pass
    hits = code_turns(turns, codebook)
    pickle_atomically(hits, target)
    return hits


def code_names(codebook: pd.DataFrame) -> list[str]:
    """Return the codebook's codes (not themes) in codebook order."""
    return _code_rows(codebook)["code"].tolist()


def coded_turns(hits: pd.DataFrame, turns: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """Return a turn x code table of booleans: does any pattern of the code match in the turn?

    Rows follow ``turns`` (indexed by ``turn_id``, every turn present even when uncoded);
    columns are ``codes`` in the order given. Hits of turns or codes not listed raise
    :class:`CodingError`.
    """
    unknown_turns = set(hits["turn_id"]) - set(turns["turn_id"])
    unknown_codes = set(hits["code"]) - set(codes)
    if unknown_turns or unknown_codes:
        raise CodingError(
            f"The hits mention turns {sorted(unknown_turns)[:3]} or codes "
            f"{sorted(unknown_codes)[:3]} that are not in the turns table or code list."
        )
    index = pd.Index(turns["turn_id"], name="turn_id")
    table = pd.DataFrame(False, index=index, columns=list(codes))
    for code, ids in hits.groupby("code", sort=False)["turn_id"]:
        table.loc[ids.unique(), code] = True
    return table


def theme_flags(coded: pd.DataFrame, codebook: pd.DataFrame) -> pd.DataFrame:
    """Which themes each turn touches: a turn touches a theme when any of its codes is in it.

    In: the turn x code table of :func:`coded_turns` and the codebook. Out: a table of booleans
    with the same rows (and index), one column per theme in codebook order.
    """
    theme_of = _code_rows(codebook).set_index("code")["theme"]
    themes = codebook.loc[codebook["level"] == "theme", "code"].tolist()
    return coded.T.groupby(theme_of).any().T.reindex(columns=themes, fill_value=False)


def code_group_matrix(
    hits: pd.DataFrame,
    turns: pd.DataFrame,
    codes: list[str],
    by: str = "group",
    measure: str = "count",
) -> pd.DataFrame:
    """Return a code x group table (codes as rows, the values of ``by`` as columns).

    Measures: ``count``, the number of turns with the code; ``hits``, the number of pattern
    matches; ``share``, coded turns as a share (0-1) of the group's turns; ``per_1000_words``,
    pattern matches per 1,000 words the group spoke (``n_words``). Groups with no turns are left
    out; codes with no hits are kept as zeros.
    """
    if measure not in MEASURES:
        raise CodingError(f"Unknown measure {measure!r}; use one of {MEASURES}.")
    _check_columns(turns, ["turn_id", by, "n_words"], "turns")
    group_of = turns.set_index("turn_id")[by].astype(str)
    groups = sorted(set(group_of))
    if measure in ("hits", "per_1000_words"):
        table = (
            hits.assign(g=hits["turn_id"].map(group_of))
            .groupby(["code", "g"]).size().unstack(fill_value=0)
        )
    else:
        table = coded_turns(hits, turns, codes).groupby(group_of).sum().T
    table = table.reindex(index=list(codes), columns=groups, fill_value=0).astype("int64")
    if measure == "share":
        table = table / turns.groupby(by, observed=True).size().rename(str).reindex(groups)
    elif measure == "per_1000_words":
        words = turns.groupby(turns[by].astype(str))["n_words"].sum().reindex(groups)
        table = table / words * 1000
    table.index.name, table.columns.name = "code", by
    return table


def cooccurrence(coded: pd.DataFrame) -> pd.DataFrame:
    """Return a code x code table: the number of turns coded with both codes.

    In: a boolean turn x code table from :func:`coded_turns`. The diagonal holds the number of
    turns with each code.
    """
    values = coded.to_numpy(dtype=np.int64)
    return pd.DataFrame(values.T @ values, index=coded.columns, columns=coded.columns)


def _sentence_around(text: str, start: int, end: int, max_words: int) -> str:
    """Return the sentence of ``text`` holding ``start:end``, cut to ``max_words`` around it."""
    bounds = [0] + [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text) + 1]
    first = max(b for b in bounds if b <= start)
    last = min(b for b in bounds if b >= end)
    sentence = text[first:last].strip()
    words = sentence.split()
    if len(words) <= max_words:
        return " ".join(words)
    # keep the matched words and as much context as fits on both sides
    before = len(text[first:start].split())
    matched = max(1, len(text[start:end].split()))
    lead = max(0, min(before - (max_words - matched) // 2, len(words) - max_words))
    kept = words[lead: lead + max_words]
    return ("… " if lead > 0 else "") + " ".join(kept) + (
        " …" if lead + max_words < len(words) else ""
    )


def framework_matrix(
    turns: pd.DataFrame,
    hits: pd.DataFrame,
    codebook: pd.DataFrame,
    by: str = "group",
    quotes_per_cell: int = 1,
    max_words: int = 35,
    seed: int = 0,
) -> pd.DataFrame:
    """Return a framework matrix in long form: one row per (group, theme) with a count and quotes.

    Columns: ``by``, ``theme``, ``theme_label``, ``turns`` (turns coded with any code of the
    theme), then ``quote``, ``speaker``, ``turn_id`` and ``code`` for up to ``quotes_per_cell``
    extracts drawn at random (seeded) from the cell's hits (one row per quote; cells without hits
    have one row with empty quote fields). Each quote is the sentence around the match, cut to
    at most ``max_words`` words ("…" marks a cut). ``turns`` needs ``speaker`` or ``name``.
    """
    _check_columns(turns, ["turn_id", by, "text"], "turns")
    person = "name" if "name" in turns.columns else "speaker"
    by_turn = turns.set_index("turn_id")
    theme_of = _code_rows(codebook).set_index("code")["theme"]
    themes = codebook[codebook["level"] == "theme"]
    labelled = hits.assign(theme=hits["code"].map(theme_of), g=hits["turn_id"].map(by_turn[by]))
    labelled["g"] = labelled["g"].astype(str)
    rng = np.random.default_rng(seed)
    rows = []
    for group in sorted(set(turns[by].astype(str))):
        for theme in themes.itertuples():
            cell = labelled[(labelled["g"] == group) & (labelled["theme"] == theme.code)]
            base = {by: group, "theme": theme.code, "theme_label": theme.label,
                    "turns": int(cell["turn_id"].nunique())}
            if cell.empty:
                rows.append({**base, "quote": "", "speaker": "", "turn_id": "", "code": ""})
                continue
            one_per_turn = cell.drop_duplicates("turn_id")
            chosen = rng.choice(len(one_per_turn), size=min(quotes_per_cell, len(one_per_turn)),
                                replace=False)
            for position in sorted(chosen):
                hit = one_per_turn.iloc[int(position)]
                text = str(by_turn.at[hit["turn_id"], "text"])
                rows.append({
                    **base,
                    "quote": _sentence_around(text, int(hit["start"]), int(hit["end"]), max_words),
                    "speaker": str(by_turn.at[hit["turn_id"], person]),
                    "turn_id": hit["turn_id"],
                    "code": hit["code"],
                })
    return pd.DataFrame(rows)


def framework_table(framework: pd.DataFrame, by: str = "group") -> pd.DataFrame:
    """Pivot :func:`framework_matrix` into a group x theme table of readable cells.

    Each cell reads ``N turns: “quote” (speaker, turn id)``, quotes on separate lines.
    """
    def cell(rows: pd.DataFrame) -> str:
        head = f"{int(rows['turns'].iloc[0])} turns"
        quotes = [f"“{r.quote}” ({r.speaker}, {r.turn_id})" for r in rows.itertuples() if r.quote]
        return head + (": " + " ".join(quotes) if quotes else "")

    cells = framework.groupby([by, "theme_label"], sort=False)[list(framework.columns)].apply(cell)
    table = cells.unstack("theme_label")
    return table[list(dict.fromkeys(framework["theme_label"]))]


def framework_markdown(
    framework: pd.DataFrame, groups: list[str] | None = None, by: str = "group"
) -> str:
    """Render :func:`framework_matrix` as Markdown: per group, one bullet per theme with its quote.

    Each bullet reads *theme* (N turns): “quote” — speaker, turn id. ``groups`` picks and orders
    the groups (all, sorted, by default); cells without a quote show the count only.
    """
    groups = sorted(set(framework[by])) if groups is None else groups
    lines: list[str] = []
    for group in groups:
        lines += [f"**{str(group).replace('_', ' ').capitalize()}**", ""]
        for row in framework[framework[by] == group].itertuples():
            quote = f": “{row.quote}” — {row.speaker}, turn {row.turn_id}" if row.quote else ""
            lines.append(f"- *{row.theme_label}* ({row.turns} turns){quote}")
        lines.append("")
    return "\n".join(lines)


# --- reference (validation) sample: coded by reading, in this book by an AI assistant ---------


def validation_sample(
    turns: pd.DataFrame,
    n: int = 200,
    seed: int = 20241127,
    strata: str = "group",
    min_words: int = 15,
) -> pd.DataFrame:
    """Draw a seeded sample of witness turns, stratified by professional group, for hand coding.

    In: witness turns with ``turn_id``, ``n_words`` and ``strata`` (a speakers-table group,
    mapped to five strata by :data:`STRATA`). Turns of fewer than ``min_words`` words are left out
    (answers like "Yes." carry no code). Each stratum gets ``n // 5`` turns (the remainder goes to
    strata in :data:`STRATA` order), drawn without replacement with ``numpy``'s generator seeded
    by ``seed``. Out: ``turn_id``, ``stratum``, ordered by stratum then turn id.
    """
    _check_columns(turns, ["turn_id", "n_words", strata], "turns")
    eligible = turns[turns["n_words"] >= min_words].copy()
    eligible["stratum"] = eligible[strata].astype(str).map(STRATA)
    unmapped = sorted(set(eligible.loc[eligible["stratum"].isna(), strata].astype(str)))
    if unmapped:
        raise CodingError(f"Groups {unmapped} have no stratum in medlead.coding.STRATA.")
    return draw_by_stratum(
        eligible, list(dict.fromkeys(STRATA.values())), n, seed,
        lambda name, have, want: CodingError(
            f"Stratum {name!r} has {have} turns of at least {min_words} words; "
            f"{want} were asked for. Lower n or min_words."
        ),
    )


def draw_by_stratum(
    eligible: pd.DataFrame,
    names: list[str],
    n: int,
    seed: int,
    too_few: Callable[[str, int, int], Exception],
) -> pd.DataFrame:
    """Draw ``n`` turns spread evenly over the strata ``names``, reproducibly.

    In: turns with ``turn_id`` and ``stratum`` columns. Each stratum gets ``n // len(names)`` turns,
    the first ``n % len(names)`` strata one more; within a stratum (sorted by turn id) they are
    drawn without replacement with ``numpy.random.default_rng(seed)``, strata in the given order.
    Out: ``turn_id`` and ``stratum``, stratum by stratum in turn-id order. A stratum with too few
    turns raises ``too_few(name, available, wanted)``.
    """
    sizes = {name: n // len(names) + (1 if i < n % len(names) else 0)
             for i, name in enumerate(names)}
    rng = np.random.default_rng(seed)
    picked = []
    for name in names:
        pool = eligible[eligible["stratum"] == name].sort_values("turn_id")
        if len(pool) < sizes[name]:
            raise too_few(name, len(pool), sizes[name])
        chosen = rng.choice(len(pool), size=sizes[name], replace=False)
        picked.append(pool.iloc[np.sort(chosen)][["turn_id", "stratum"]])
    return pd.concat(picked, ignore_index=True)


def load_manual_codes(
    path: str | Path = MANUAL_CODES_PATH, codes: list[str] | None = None
) -> pd.DataFrame:
    """Read the reference coding of the validation sample; return a 0/1 turn x code table.

    The coding is whatever the file holds; the book's own file was coded by an AI assistant reading
    each turn (``coder-A``), not by a human, and the ``coder`` column records who coded.

    The CSV has ``turn_id``, ``coder``, one 0/1 column per code and an optional ``note``. When
    ``codes`` is given, the file must have exactly those code columns. Raises
    :class:`CodingError` naming the file and the problem (missing column, repeated turn, a value
    other than 0 or 1).
    """
    path = Path(path)
    if not path.is_file():
        raise CodingError(f"{path}: the manual coding file does not exist.")
    frame = pd.read_csv(path, dtype={"turn_id": str}, keep_default_na=False, comment="#")
    for column in ("turn_id", "coder"):
        if column not in frame.columns:
            raise CodingError(f"{path}: lacks the column {column!r}.")
    code_columns = [c for c in frame.columns if c not in ("turn_id", "coder", "note")]
    if codes is not None and sorted(code_columns) != sorted(codes):
        raise CodingError(
            f"{path}: code columns differ from the codebook: missing "
            f"{sorted(set(codes) - set(code_columns))}, unknown "
            f"{sorted(set(code_columns) - set(codes))}."
        )
    if frame["turn_id"].duplicated().any():
        repeated = sorted(frame.loc[frame["turn_id"].duplicated(), "turn_id"])
        raise CodingError(f"{path}: repeats turn ids {repeated[:3]}.")
    values = frame[code_columns].astype(str)
    bad = values.isin(["0", "1"])
    if not bad.to_numpy().all():
        row = int(np.argwhere(~bad.to_numpy())[0][0])
        raise CodingError(f"{path}: line {row + 2} holds a value other than 0 or 1.")
    table = values.astype(int).set_axis(frame["turn_id"], axis=0)
    table.index.name = "turn_id"
    return table[codes] if codes is not None else table


# --- REFI-QDA export ---------------------------------------------------------------------------


def witness_sources(turns: pd.DataFrame, by: str = "person_id") -> tuple[pd.DataFrame, pd.Series]:
    """Join each witness's turns into one text; return the sources and each turn's offset in it.

    Each turn is written as a line ``[turn id]`` followed by the turn's text and a blank line, in
    corpus order. Returns ``(sources, offsets)``: ``sources`` has ``person_id``, ``name``,
    ``text``; ``offsets`` maps turn id to the offset of its text in its witness's source.
    """
    _check_columns(turns, ["turn_id", by, "name", "text"], "turns")
    rows, offsets = [], {}
    for person, own in turns.groupby(by, sort=False):
        pieces, position = [], 0
        for turn_id, text in zip(own["turn_id"], own["text"].astype(str), strict=True):
            header = f"[{turn_id}]\n"
            offsets[turn_id] = position + len(header)
            piece = header + text + "\n\n"
            pieces.append(piece)
            position += len(piece)
        rows.append({by: person, "name": str(own["name"].iloc[0]), "text": "".join(pieces)})
    return pd.DataFrame(rows), pd.Series(offsets, name="offset")


def coded_corpus_tables(
    turns: pd.DataFrame | None = None,
    codebook: pd.DataFrame | None = None,
    hits: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """Return the coded corpus as the REFI-QDA tables :func:`medlead.refi.export_qdpx` writes.

    One text source and one case per witness (the witness's own turns, see
    :func:`witness_sources`); case variables ``group``, ``hybrid_medical_manager`` (Boolean),
    ``organisation`` and ``role``; the codebook's themes and codes with their descriptions; one
    segment per keyword hit, with offsets moved into the witness's source. Ids are GUIDs from
    :func:`medlead.refi.stable_guid`, so importing the export gives back these very tables.
    By default the whole corpus's witness turns and the book's codebook are used.
    """
    turns = corpus.witness_turns() if turns is None else turns
    if codebook is None:
        codebook = codebook_module.load_codebook()
    hits = cached_code_turns(turns, codebook) if hits is None else hits
    sources, offsets = witness_sources(turns)
    source_guid = {p: refi.stable_guid("source", p) for p in sources["person_id"]}
    case_guid = {p: refi.stable_guid("case", p) for p in sources["person_id"]}
    code_guid = {c: refi.stable_guid("code", c) for c in codebook["code"]}

    people = turns.drop_duplicates("person_id").set_index("person_id")
    variables = []
    for person in sources["person_id"]:
        info = people.loc[person]
        for variable, column, kind in (
            ("group", "group", "Text"),
            ("hybrid_medical_manager", "hybrid_medical_manager", "Boolean"),
            ("organisation", "organisation", "Text"),
            ("role", "role_title", "Text"),
        ):
            value = info[column]
            value = ("true" if value else "false") if kind == "Boolean" else str(value)
            variables.append({"case_id": case_guid[person], "variable": variable,
                              "value": value, "type": kind})

    codes = codebook_module.codes_table(codebook)
    codes["code_id"] = codes["code_id"].map(code_guid)
    codes["parent"] = codes["parent"].map(lambda p: code_guid[p] if p else "")

    person_of = turns.set_index("turn_id")["person_id"]
    shift = hits["turn_id"].map(offsets).astype("int64")
    segments = pd.DataFrame({
        "source_id": hits["turn_id"].map(person_of).map(source_guid),
        "code_id": hits["code"].map(code_guid),
        "start": (hits["start"].astype("int64") + shift),
        "end": (hits["end"].astype("int64") + shift),
        "text": hits["matched"],
        "coder": ASSISTED_CODER,
    })
    # grouped by source (in source order), then by position: the order an import reads them in
    rank = {source_guid[p]: i for i, p in enumerate(sources["person_id"])}
    order = np.lexsort((segments["start"].to_numpy(), segments["source_id"].map(rank).to_numpy()))
    return {
        "sources": pd.DataFrame({"source_id": sources["person_id"].map(source_guid),
                                 "name": sources["name"], "text": sources["text"]}),
        "cases": pd.DataFrame({"case_id": sources["person_id"].map(case_guid),
                               "name": sources["name"],
                               "source_ids": [[source_guid[p]] for p in sources["person_id"]]}),
        "variables": pd.DataFrame(variables, columns=refi.TABLE_COLUMNS["variables"]),
        "codes": codes[refi.TABLE_COLUMNS["codes"]],
        "segments": segments.iloc[order].reset_index(drop=True),
    }


def codebook_with_example_turns(
    codebook: pd.DataFrame | None = None, turns: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Return the codebook with ``example_turn_id`` filled from the corpus's turns.

    Uses :func:`medlead.codebook.resolve_example_turns` with each turn's ``speaker_label`` (the
    codebook gives speakers as printed) and ``hearing_date``.
    """
    codebook = codebook_module.load_codebook() if codebook is None else codebook
    turns = corpus.load_turns() if turns is None else turns
    # the codebook names speakers as printed in the transcript, i.e. the raw speaker label
    renamed = turns[["turn_id", "hearing_date", "speaker_label", "text"]].rename(
        columns={"hearing_date": "date", "speaker_label": "speaker"}
    )
    return codebook_module.resolve_example_turns(codebook, renamed)
