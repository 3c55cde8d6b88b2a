"""Benchmark: the medlead testimony pipeline against the naive NLTK path, side by side in one run.

Package pipeline (cold: nothing cached; the parse is redone):
  parse every hearing day (medlead.corpus), tokenise every turn (one RegexpTokenizer), build the
  token index and run keyword-in-context for 20 terms, then keyness (G², Log Ratio) of doctors'
  against NHS managers' evidence.
Naive path (what a user would write with NLTK alone):
  TreebankWordTokenizer over every line of every day file, then nltk.Text(tokens).concordance(term)
  for each term (output captured, every line printed).

Checks printed with the times:
  - the package's KWIC hits are exactly NLTK's: for every term, the positions the package's index
    returns equal nltk.ConcordanceIndex(...).offsets(term) over the same tokens;
  - hit counts of the naive Treebank path beside the package's, with why they differ.

Run from the repository root:
  MEDLEAD_DATA_MIRROR=<path to shared/data/mirror> PYTHONHASHSEED=0 python benchmarks/corpus.py
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
import time

import nltk
from nltk.tokenize import TreebankWordTokenizer

from medlead import corpus, data, text

TERMS = [
    "leadership", "leaders", "managers", "management", "clinicians", "clinical", "doctors",
    "nurses", "consultants", "director", "executive", "board", "trust", "ppe", "ventilators",
    "capacity", "guidance", "staff", "patients", "pressure",
]


def package_pipeline() -> dict:
    """Parse, tokenise, KWIC for TERMS, keyness doctors vs NHS managers; return the pieces."""
    parsed = corpus.load_corpus(cache=False)
    turns = parsed.turns
    token_lists = text.tokenize_texts(turns["text"])
    index = text.TokenIndex(turns, token_lists)
    hits = text.kwic(index, TERMS, window=5)
    speakers = corpus.load_speakers()
    grouped = corpus.turns_with_groups(turns, speakers)
    keyed = text.keyness_between(grouped, "group", "doctor", "nhs_manager",
                                 token_lists=token_lists)
    return {"turns": turns, "tokens": token_lists, "index": index, "hits": hits, "keyness": keyed}


def naive_path() -> dict:
    """TreebankWordTokenizer over every line, nltk.Text(...).concordance per term."""
    tokenizer = TreebankWordTokenizer()
    tokens: list[str] = []
    for source_id in corpus.day_ids():
        for line in data.fetch(source_id).read_text(encoding="utf-8").splitlines():
            tokens.extend(tokenizer.tokenize(line))
    book = nltk.Text(tokens)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for term in TERMS:
            book.concordance(term, lines=sys.maxsize)
    counts = {term: len(book.concordance_list(term, lines=sys.maxsize)) for term in TERMS}
    return {"tokens": tokens, "counts": counts, "printed": printed.getvalue()}


def timed(function):
    """Run function; return (wall seconds, CPU seconds of this process, result).

    CPU time is printed too because on a shared machine other processes stretch wall time.
    """
    start, start_cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - start, time.process_time() - start_cpu, result


def main() -> int:
    corpus.load_speakers()  # validate the speakers table before timing anything
    for source_id in corpus.day_ids():
        data.fetch(source_id)  # make sure every file is in the local cache (not timed)

    naive_seconds, naive_cpu, naive = timed(naive_path)
    package_seconds, package_cpu, package = timed(package_pipeline)
    corpus.load_corpus()  # fill the memo and disk cache, then time a warm run
    warm_seconds, warm_cpu, _ = timed(
        lambda: text.kwic(text.TokenIndex(corpus.load_turns()), TERMS, window=5)
    )

    # Check 1: the index finds exactly NLTK's concordance hits over the same tokens.
    flat = package["index"].tokens
    concordance = nltk.ConcordanceIndex(flat, key=lambda s: s.lower())
    identical = all(
        package["index"].positions(term).tolist() == concordance.offsets(term) for term in TERMS
    )
    package_counts = package["hits"].groupby("term").size().reindex(TERMS, fill_value=0)

    # Why the naive counts differ: Treebank splits a full stop only at the end of a line, so
    # "ppe." in mid-paragraph stays one token that a search for "ppe" misses; it reads headings
    # and labels too; and it keeps "/"-joined words together.
    glued = {
        term: sum(len(re.findall(rf"(?i)\b{term}\.\s", t)) for t in package["turns"]["text"])
        for term in TERMS
    }

    print("Testimony corpus benchmark (medlead.corpus + medlead.text vs naive NLTK)")
    print(f"  corpus: {len(package['turns']):,} turns, {len(flat):,} tokens; "
          f"{package['keyness'].shape[0]:,} words in the doctors-vs-managers keyness table")
    print("  times: wall seconds (CPU seconds of this process)")
    print(f"  naive NLTK path (Treebank per line + Text.concordance x{len(TERMS)}): "
          f"{naive_seconds:6.2f} s ({naive_cpu:.2f} s CPU)")
    print(f"  package pipeline, cold (parse + tokenise + KWIC x{len(TERMS)} + keyness): "
          f"{package_seconds:6.2f} s ({package_cpu:.2f} s CPU)")
    print(f"  package, parsed corpus cached (tokenise + index + KWIC x{len(TERMS)}): "
          f"{warm_seconds:6.2f} s ({warm_cpu:.2f} s CPU)")
    print(f"  speed-up, cold pipeline vs naive: {naive_seconds / package_seconds:5.1f}x wall, "
          f"{naive_cpu / package_cpu:5.1f}x CPU  (goal: >= 3x, pipeline < 3 s)")
    print(f"  KWIC hits identical to NLTK ConcordanceIndex over the same tokens: {identical}")
    print("  hits per term: package | naive Treebank | mid-line 'term.' the naive path misses")
    for term in TERMS:
        print(f"    {term:<12} {package_counts[term]:>7,} | {naive['counts'][term]:>7,} | "
              f"{glued[term]:>6,}")
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
