"""Benchmark: keyword-assisted coding of the whole corpus, package path against the plain one.

Plain path: each code's patterns compiled as one case-insensitive alternation and run with
``finditer`` over every turn's text separately (what a user would write first).
Package path: ``medlead.coding.code_turns``: all turns joined into one string, one pass per code,
lower-cased text with the leading word boundaries checked after each match.

Checks printed with the times: both paths give exactly the same hits (turn, code, pattern, offsets).

Run from the repository root:
  MEDLEAD_DATA_MIRROR=<path to shared/data/mirror> PYTHONHASHSEED=0 python benchmarks/coding.py
"""

from __future__ import annotations

import time

import pandas as pd

from medlead import codebook, coding, corpus


def plain_hits(turns: pd.DataFrame, book: pd.DataFrame) -> pd.DataFrame:
    """Per-turn ``finditer`` with the original case-insensitive patterns."""
    patterns = {row.code: row.patterns for row in book[book["level"] == "code"].itertuples()}
    rows = []
    compiled = coding.compile_codes(book)
    for turn_id, text in zip(turns["turn_id"], turns["text"], strict=True):
        for code, regex in compiled.items():
            for match in regex.finditer(text):
                rows.append((turn_id, code, patterns[code][int(match.lastgroup[1:])],
                             match.start(), match.end(), match.group()))
    return pd.DataFrame(rows, columns=["turn_id", "code", "pattern", "start", "end", "matched"])


def main() -> None:
    turns = corpus.load_turns()
    book = codebook.load_codebook()
    words = int(turns["n_words"].sum())
    print(f"corpus: {len(turns):,} turns, {words:,} words, {len(coding.code_names(book))} codes")

    began = time.perf_counter()
    fast = coding.code_turns(turns, book)
    fast_seconds = time.perf_counter() - began
    began = time.perf_counter()
    plain = plain_hits(turns, book)
    plain_seconds = time.perf_counter() - began

    key = ["turn_id", "code", "pattern", "start", "end", "matched"]
    same = (
        fast[key].sort_values(key).reset_index(drop=True)
        .equals(plain[key].sort_values(key).reset_index(drop=True))
    )
    print(f"package code_turns: {fast_seconds:6.2f} s  ({len(fast):,} hits)")
    print(f"plain per-turn:     {plain_seconds:6.2f} s  ({len(plain):,} hits)")
    print(f"ratio plain/package: {plain_seconds / fast_seconds:.1f}x; identical hits: {same}")


if __name__ == "__main__":
    main()
