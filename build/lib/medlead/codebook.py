"""The book's codebook: themes and codes for coding witness evidence, loaded and checked.

``data/codebook.yml`` lists themes (entries without a parent) and codes (entries with one). Each
code carries a definition, when to use it and when not to, the works that ground it, transparent
keyword patterns for assisted coding and one short real example from the transcripts.
:func:`load_codebook` reads and checks the file and returns one row per theme or code;
:func:`resolve_example_turns` finds the turn id of each example once the corpus is parsed;
:func:`codes_table` turns the codebook into the ``codes`` table that :mod:`medlead.refi` exports;
:func:`codebook_markdown` renders it for the book.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import yaml

from medlead import paths

CODEBOOK_PATH: Path = paths.book_file("codebook.yml")
BIBLIOGRAPHY_PATH: Path = paths.book_file("references.bib")

#: Longest example extract allowed, in words (extracts stay short and attributed).
MAX_QUOTE_WORDS = 30

#: Columns of the table returned by :func:`load_codebook`, in order.
CODEBOOK_COLUMNS: list[str] = [
    "code",
    "parent",
    "theme",
    "level",
    "label",
    "definition",
    "use_when",
    "not_when",
    "source",
    "colour",
    "patterns",
    "example_quote",
    "example_speaker",
    "example_date",
    "example_line",
    "example_turn_id",
    "example_sic",
]

_THEME_FIELDS = {"name", "parent", "label", "definition", "source", "colour"}
_CODE_FIELDS = {
    "name",
    "parent",
    "label",
    "definition",
    "use_when",
    "not_when",
    "source",
    "patterns",
    "example",
}
_EXAMPLE_FIELDS = {"quote", "speaker", "date", "line"}
#: Optional: ``sic: true`` marks a quote copied exactly from a source whose wording is garbled;
#: it is shown with "[sic]" after it.
_EXAMPLE_OPTIONAL = {"sic"}
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_COLOUR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")


class CodebookError(ValueError):
    """The codebook file is malformed; the message names the file, the code and the problem."""


def _bib_keys(path: Path) -> set[str] | None:
    if not path.is_file():
        return None
    return set(re.findall(r"^@\w+\{([^,\s]+),", path.read_text(encoding="utf-8"), flags=re.M))


def _fail(path: Path, name: str, problem: str) -> CodebookError:
    where = f"code {name!r}" if name else "the file"
    return CodebookError(f"{path}: {where}: {problem}")


def _check_entry(path: Path, entry: dict, bib: set[str] | None) -> dict:
    """Check one theme or code entry and return it as a flat row."""
    name = str(entry.get("name", "") or "")
    if not _NAME_RE.match(name):
        raise _fail(path, name, "needs a 'name' of lower-case letters, digits and underscores")
    parent = str(entry.get("parent") or "")
    is_theme = parent == ""
    allowed = _THEME_FIELDS if is_theme else _CODE_FIELDS
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise _fail(path, name, f"has unknown fields {unknown}; allowed are {sorted(allowed)}")
    required = (
        ["label", "definition", "source", "colour"]
        if is_theme
        else ["label", "definition", "use_when", "not_when", "source", "patterns", "example"]
    )
    missing = [f for f in required if not entry.get(f)]
    if missing:
        kind = "theme" if is_theme else "code"
        raise _fail(path, name, f"lacks {', '.join(missing)} (every {kind} needs them)")

    sources = entry["source"]
    sources = [sources] if isinstance(sources, str) else list(sources)
    if bib is not None:
        unknown_keys = [k for k in sources if k not in bib]
        if unknown_keys:
            raise _fail(path, name, f"cites {unknown_keys}, not in references.bib")

    row = {
        "code": name,
        "parent": parent,
        "level": "theme" if is_theme else "code",
        "label": str(entry["label"]).strip(),
        "definition": " ".join(str(entry["definition"]).split()),
        "use_when": " ".join(str(entry.get("use_when", "")).split()),
        "not_when": " ".join(str(entry.get("not_when", "")).split()),
        "source": sources,
        "colour": str(entry.get("colour", "") or ""),
        "patterns": [],
        "example_quote": "",
        "example_speaker": "",
        "example_date": "",
        "example_line": 0,
        "example_turn_id": "",
        "example_sic": False,
    }
    if is_theme:
        if not _COLOUR_RE.match(row["colour"]):
            raise _fail(path, name, f"has colour {row['colour']!r}; use '#RRGGBB'")
        return row

    patterns = entry["patterns"]
    if not isinstance(patterns, list) or not all(isinstance(p, str) and p for p in patterns):
        raise _fail(path, name, "'patterns' must be a list of regular expressions")
    for pattern in patterns:
        try:
            re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise _fail(path, name, f"has a bad pattern {pattern!r}: {exc}") from exc
        if r"\b" not in pattern:
            raise _fail(path, name, f"pattern {pattern!r} has no word boundary (\\b); add one")
    row["patterns"] = list(patterns)

    example = entry["example"]
    if not isinstance(example, dict):
        raise _fail(path, name, "'example' must have quote, speaker, date and line")
    unknown = sorted(set(example) - _EXAMPLE_FIELDS - _EXAMPLE_OPTIONAL)
    missing = sorted(f for f in _EXAMPLE_FIELDS if not example.get(f))
    if unknown or missing:
        raise _fail(path, name, f"example lacks {missing} or has unknown fields {unknown}")
    quote = " ".join(str(example["quote"]).split())
    if len(quote.split()) > MAX_QUOTE_WORDS:
        raise _fail(
            path,
            name,
            f"example quote has {len(quote.split())} words; keep it to {MAX_QUOTE_WORDS} or fewer",
        )
    date = str(example["date"])
    try:
        dt.date.fromisoformat(date)
    except ValueError as exc:
        raise _fail(path, name, f"example date {date!r} is not YYYY-MM-DD") from exc
    line = example["line"]
    if not isinstance(line, int) or isinstance(line, bool) or line < 1:
        raise _fail(path, name, f"example line {line!r} must be a whole number from 1")
    sic = example.get("sic", False)
    if not isinstance(sic, bool):
        raise _fail(path, name, f"example sic {sic!r} must be true or false")
    row.update(
        example_quote=quote,
        example_speaker=str(example["speaker"]).strip(),
        example_date=date,
        example_line=line,
        example_sic=sic,
    )
    return row


def _themes(path: Path, rows: list[dict]) -> dict[str, str]:
    """Check parents exist and the hierarchy has no cycle; return each code's top-level theme."""
    parent = {row["code"]: row["parent"] for row in rows}
    for row in rows:
        if row["parent"] and row["parent"] not in parent:
            raise _fail(path, row["code"], f"has unknown parent {row['parent']!r}")
    theme = {}
    for name in parent:
        seen = [name]
        node = name
        while parent[node]:
            node = parent[node]
            if node in seen:
                raise _fail(path, name, "is part of a cycle: " + " -> ".join([*seen, node]))
            seen.append(node)
        theme[name] = node
    return theme


def load_codebook(
    path: str | Path = CODEBOOK_PATH, bibliography: str | Path | None = BIBLIOGRAPHY_PATH
) -> pd.DataFrame:
    """Read and check the codebook; return one row per theme or code (:data:`CODEBOOK_COLUMNS`).

    Checks: the file is YAML with a ``themes_and_codes`` list; names are unique identifiers;
    every parent exists and there is no cycle; themes have a label, definition, source and
    colour; codes also have use/not-use guidance, at least one pattern (each compiles and has a
    word boundary) and an example (quote of at most :data:`MAX_QUOTE_WORDS` words, speaker,
    ISO date, line); cited keys exist in ``references.bib`` (pass ``bibliography=None`` to
    skip). A failure raises :class:`CodebookError` naming the file, the code and the problem.
    Codes inherit their theme's colour. ``example_turn_id`` is empty until
    :func:`resolve_example_turns` fills it.
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CodebookError(f"{path}: the codebook file does not exist.") from exc
    except yaml.YAMLError as exc:
        raise CodebookError(f"{path}: not valid YAML: {exc}") from exc
    entries = raw.get("themes_and_codes") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        raise CodebookError(f"{path}: needs a non-empty 'themes_and_codes:' list.")
    bib = _bib_keys(Path(bibliography)) if bibliography else None

    rows, seen = [], set()
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise CodebookError(f"{path}: entry {number} is not a mapping of fields.")
        row = _check_entry(path, entry, bib)
        if row["code"] in seen:
            raise _fail(path, row["code"], "is defined twice; names must be unique")
        seen.add(row["code"])
        rows.append(row)
    themes = _themes(path, rows)
    colours = {row["code"]: row["colour"] for row in rows if row["level"] == "theme"}
    for row in rows:
        row["theme"] = themes[row["code"]]
        row["colour"] = row["colour"] or colours.get(row["theme"], "")
    return pd.DataFrame(rows, columns=CODEBOOK_COLUMNS)


def compiled_patterns(codebook: pd.DataFrame) -> dict[str, list[re.Pattern[str]]]:
    """Return each code's patterns compiled case-insensitively, keyed by code name."""
    return {
        row.code: [re.compile(p, re.IGNORECASE) for p in row.patterns]
        for row in codebook.itertuples()
        if row.level == "code"
    }


def _squash(text: str) -> str:
    return " ".join(str(text).split())


def resolve_example_turns(codebook: pd.DataFrame, turns: pd.DataFrame) -> pd.DataFrame:
    """Fill ``example_turn_id`` with the id of the turn that contains each code's example.

    ``turns`` has one row per speaker turn with columns ``turn_id``, ``date`` (YYYY-MM-DD),
    ``speaker`` and ``text``; if it also has ``line`` (the turn's first line in the day's file),
    ties between turns holding the same words are broken by the example's line. Whitespace is
    compared loosely (runs of spaces and line breaks count as one space). Returns a copy of the
    codebook; raises :class:`CodebookError` for an example found in no turn of that speaker on
    that date.
    """
    missing = [c for c in ("turn_id", "date", "speaker", "text") if c not in turns.columns]
    if missing:
        raise CodebookError(f"The turns table lacks the columns {missing}.")
    result = codebook.copy()
    dates = turns["date"].astype(str)
    for index, row in codebook.iterrows():
        if row["level"] != "code":
            continue
        mask = (dates == row["example_date"]) & (turns["speaker"] == row["example_speaker"])
        candidates = turns[mask]
        quote = _squash(row["example_quote"])
        holding = candidates[candidates["text"].map(lambda t, q=quote: q in _squash(t))]
        if holding.empty:
            raise CodebookError(
                f"Code {row['code']!r}: its example quote was not found in any turn by "
                f"{row['example_speaker']!r} on {row['example_date']}; check the quote, speaker "
                "and date in the codebook."
            )
        if len(holding) > 1 and "line" in holding.columns:
            before = holding[holding["line"] <= row["example_line"]]
            holding = before.sort_values("line").tail(1) if len(before) else holding.head(1)
        result.at[index, "example_turn_id"] = str(holding.iloc[0]["turn_id"])
    return result


def codes_table(codebook: pd.DataFrame) -> pd.DataFrame:
    """Turn the codebook into the ``codes`` table of :mod:`medlead.refi` (for .qdc/.qdpx).

    The description gathers the definition, when to use and not use the code, its sources and
    its patterns, so other programs show the whole codebook. Themes are not codable.
    """
    descriptions = []
    for row in codebook.itertuples():
        parts = [row.definition]
        if row.use_when:
            parts.append(f"Use when: {row.use_when}")
        if row.not_when:
            parts.append(f"Do not use when: {row.not_when}")
        parts.append("Sources: " + ", ".join(row.source))
        if row.patterns:
            parts.append("Keyword patterns: " + "  ".join(row.patterns))
        descriptions.append("\n".join(parts))
    return pd.DataFrame(
        {
            "code_id": codebook["code"],
            "name": codebook["label"],
            "parent": codebook["parent"],
            "description": descriptions,
            "colour": codebook["colour"],
            "codable": codebook["level"] == "code",
        }
    )


def _long_date(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {day.strftime('%B %Y')}"


def codebook_markdown(codebook: pd.DataFrame, citations: bool = True) -> str:
    """Render the codebook as MyST Markdown: a section per theme, an entry per code.

    Each code shows its definition, when to use and not use it, its keyword patterns and its
    example, attributed to the speaker and hearing date. With ``citations`` the sources are
    written as MyST ``{cite:p}`` roles (for the book); otherwise as plain keys.
    """

    def cite(keys: list[str]) -> str:
        return "{cite:p}`" + ",".join(keys) + "`" if citations else "(" + "; ".join(keys) + ")"

    lines: list[str] = []
    themes = codebook[codebook["level"] == "theme"]
    for theme in themes.itertuples():
        lines += [f"### {theme.label}", "", f"{theme.definition} {cite(theme.source)}", ""]
        codes = codebook[(codebook["theme"] == theme.code) & (codebook["level"] == "code")]
        for code in codes.itertuples():
            patterns = ", ".join(f"`{p}`" for p in code.patterns)
            turn = f", turn {code.example_turn_id}" if code.example_turn_id else ""
            lines += [
                f"#### {code.label} (`{code.code}`)",
                "",
                f"{code.definition} {cite(code.source)}",
                "",
                f"- **Use when:** {code.use_when}",
                f"- **Do not use when:** {code.not_when}",
                f"- **Keyword patterns** (case-insensitive): {patterns}",
                "",
                f"> “{code.example_quote}”{' [sic]' if code.example_sic else ''}",
                f"> — {code.example_speaker}, hearing of {_long_date(code.example_date)} "
                f"(line {code.example_line}{turn})",
                "",
            ]
    return "\n".join(lines)
