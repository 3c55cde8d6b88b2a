"""Benchmark: keyword-assisted coding of the whole corpus, package path against the plain scan.

Plain scan (the speed goal's reference): each code's patterns compiled as one case-insensitive
alternation (``coding.compile_codes``) and run with ``finditer`` over all turns joined, one pass
per code. Package path: ``medlead.coding.code_turns``, which makes one pass for all codes
(``medlead.multiscan``) and builds the hit table. Also timed: the per-turn scan a user would
write first (each code over each turn's text), with a third of the corpus, scaled.

Both main paths run in this one process, interleaved (plain, package, plain, package, ...), and
the ratio is taken run by run, so a slower machine or other work slows both alike; the median is
printed. Checked with the times: the package gives exactly the hits of the plain scan (turn,
code, pattern, offsets in turn and source, matched words), and of the per-turn scan on its third.

Run from the repository root:
  MEDLEAD_DATA_MIRROR=<path to shared/data/mirror> PYTHONHASHSEED=0 python benchmarks/coding.py
Options: --runs N (default 3).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import pandas as pd

from medlead import codebook, coding, corpus

GOAL = 0.35  # package time / plain-scan time
KEY = ["turn_id", "code", "pattern", "start", "end", "source_start", "source_end", "matched"]


def plain_scan(turns: pd.DataFrame, book: pd.DataFrame) -> pd.DataFrame:
    """One case-insensitive ``finditer`` per code over all turns joined; hits in the turns."""
    texts = turns["text"].astype(str).tolist()
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths + len(coding._SEPARATOR))])[:-1]
    joined = coding._SEPARATOR.join(texts)
    patterns = {row.code: row.patterns for row in book[book["level"] == "code"].itertuples()}
    turn_ids, turn_starts = turns["turn_id"].to_numpy(), turns["start"].to_numpy()
    rows = []
    for code, regex in coding.compile_codes(book).items():
        for match in regex.finditer(joined):
            which = int(np.searchsorted(offsets, match.start(), side="right")) - 1
            inside = match.start() - int(offsets[which])
            if inside + len(match.group()) > lengths[which]:
                continue  # crosses into the next turn (never happens: the separator stops it)
            rows.append((turn_ids[which], code, patterns[code][int(match.lastgroup[1:])], inside,
                         inside + len(match.group()), int(turn_starts[which]) + inside,
                         int(turn_starts[which]) + inside + len(match.group()), match.group()))
    return pd.DataFrame(rows, columns=KEY)


def per_turn_scan(turns: pd.DataFrame, book: pd.DataFrame) -> pd.DataFrame:
    """Each code's alternation over each turn's text separately."""
    patterns = {row.code: row.patterns for row in book[book["level"] == "code"].itertuples()}
    compiled, rows = coding.compile_codes(book), []
    for turn_id, text, start in zip(turns["turn_id"], turns["text"], turns["start"], strict=True):
        for code, regex in compiled.items():
            for m in regex.finditer(text):
                rows.append((turn_id, code, patterns[code][int(m.lastgroup[1:])], m.start(),
                             m.end(), start + m.start(), start + m.end(), m.group()))
    return pd.DataFrame(rows, columns=KEY)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    def norm(frame: pd.DataFrame) -> list[tuple]:
        return sorted(tuple(str(v) for v in row) for row in frame[KEY].itertuples(index=False))

    return norm(a) == norm(b)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    turns = corpus.load_turns()
    book = codebook.load_codebook()
    words = int(turns["n_words"].sum())
    print(f"corpus: {len(turns):,} turns, {words:,} words, "
          f"{sum(len(p) for p in book.patterns)} patterns in {len(coding.code_names(book))} codes; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

    plain_times, package_times = [], []
    for _ in range(args.runs):
        began = time.perf_counter()
        plain = plain_scan(turns, book)
        plain_times.append(time.perf_counter() - began)
        began = time.perf_counter()
        package = coding.code_turns(turns, book)
        package_times.append(time.perf_counter() - began)
    ratios = [a / b for a, b in zip(package_times, plain_times, strict=True)]
    third = turns.iloc[: len(turns) // 3]
    began = time.perf_counter()
    per_turn = per_turn_scan(third, book)
    per_turn_seconds = (time.perf_counter() - began) * len(turns) / len(third)

    ratio = statistics.median(ratios)
    print(f"plain scan (finditer per code):  median {statistics.median(plain_times):6.2f} s "
          f"(min {min(plain_times):.2f}, max {max(plain_times):.2f}; {len(plain):,} hits)")
    print(f"package code_turns (one pass):   median {statistics.median(package_times):6.2f} s "
          f"(min {min(package_times):.2f}, max {max(package_times):.2f}; {len(package):,} hits)")
    print(f"per-turn scan (a third, scaled): {per_turn_seconds:6.2f} s")
    print(f"ratio package / plain scan, run by run: {', '.join(f'{r:.3f}' for r in ratios)}; "
          f"median {ratio:.3f} (goal <= {GOAL}: {'met' if ratio <= GOAL else 'NOT met'})")
    print(f"identical hits, package vs plain scan: {_same(package, plain)}; "
          f"on the third, package vs per-turn scan: "
          f"{_same(coding.code_turns(third, book), per_turn)}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
