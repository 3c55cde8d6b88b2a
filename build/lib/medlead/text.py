"""Fast, data-free text statistics: tokens, keyword in context, collocations, keyness.

Everything here works on plain DataFrames of turns (one row per speaker turn with a ``text``
column, as :func:`medlead.corpus.load_turns` returns, or your own interview transcripts) and needs
no downloaded NLTK data:

- :func:`tokenize`: one NLTK ``RegexpTokenizer`` (:data:`TOKEN_PATTERN`), lower-cased words;
- :data:`STOPWORDS` / :func:`load_stopwords`: the book's own documented list (``stopwords.txt``);
- :class:`TokenIndex` and :func:`kwic`: keyword in context from a positional index;
- :func:`collocations`: NLTK's ``BigramCollocationFinder`` scored by log-likelihood or PMI;
- :func:`frequency_per_thousand`: how often terms are used per 1,000 words, by group;
- :func:`log_likelihood`, :func:`log_ratio` and :func:`keyness`: Dunning's G² as computed by
  Rayson & Garside (2000) and the Lancaster log-likelihood calculator, with Hardie's (2014) Log
  Ratio as the effect size.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from importlib import resources
from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd
from nltk.collocations import BigramAssocMeasures, BigramCollocationFinder
from nltk.tokenize import RegexpTokenizer
from scipy.stats import chi2

#: The tokeniser's pattern, applied to lower-cased text in which "n't" has been set apart from
#: the word before it (so "don't" gives "do", "n't", like NLTK's Treebank tokeniser). In order of
#: preference it matches "n't", a clitic ("'s", "'re", "'ve", "'ll", "'d", "'m"), and otherwise
#: a run of letters and digits that may contain single hyphens or full stops between them
#: ("self-isolate", "e.g", "3.5"). Punctuation and everything else is dropped.
TOKEN_PATTERN = r"n't|'(?:s|re|ve|ll|d|m)\b|[a-z0-9]+(?:[-.][a-z0-9]+)*"



class TrustedRegexpTokenizer(RegexpTokenizer):
    """NLTK's ``RegexpTokenizer``, with its pattern compiled by the standard library's ``re``.

    Since version 3.9 NLTK compiles every caller-supplied pattern through ``nltk.redos`` (the
    third-party ``regex`` engine plus a 5-second timeout per call), a defence against patterns
    that backtrack catastrophically. That guard makes tokenising a large corpus about four times
    slower, and a single long text can hit the timeout. :data:`TOKEN_PATTERN` is fixed, written
    here and linear (no nested quantifiers), so it is safe to compile directly. The tokens are the
    same as ``RegexpTokenizer(TOKEN_PATTERN)``'s (a test checks this).
    """

    def _check_regexp(self) -> None:
        if self._regexp is None:
            self._regexp = re.compile(self._pattern, self._flags)


#: The one tokeniser every function here uses.
TOKENIZER = TrustedRegexpTokenizer(TOKEN_PATTERN)

_CURLY_APOSTROPHES = ("\u2019", "\u2018", "\u02bc")

#: Critical values of G² (one degree of freedom) for the usual significance levels.
G2_CRITICAL: dict[float, float] = {0.05: 3.84, 0.01: 6.63, 0.001: 10.83, 0.0001: 15.13}


class TextError(ValueError):
    """Input to a text function is unusable (empty, missing columns...); the message says how."""


def _prepare(text: str) -> str:
    text = text.lower()
    if not text.isascii():  # str.replace is much faster than str.translate on long texts
        for curly in _CURLY_APOSTROPHES:
            text = text.replace(curly, "'")
    return text.replace("n't", " n't")


def tokenize(text: str) -> list[str]:
    """Split text into lower-cased word tokens with :data:`TOKENIZER` (curly apostrophes → ')."""
    return TOKENIZER.tokenize(_prepare(text))


def tokenize_texts(texts: Iterable[str]) -> list[list[str]]:
    """Tokenise each text separately (so no token spans two turns); one list per text."""
    return [TOKENIZER.tokenize(_prepare(t)) for t in texts]


# --- stopwords --------------------------------------------------------------------------------


def load_stopwords(path: str | Path | None = None) -> frozenset[str]:
    """Read a stopword list: one word per line; ``#`` starts a comment; blank lines ignored.

    Without ``path``, the list shipped with the package (``medlead/stopwords.txt``), whose
    header explains where the words come from and why interview fillers are in it.
    """
    if path is None:
        raw = resources.files("medlead").joinpath("stopwords.txt").read_text(encoding="utf-8")
    else:
        raw = Path(path).read_text(encoding="utf-8")
    words = {line.split("#", 1)[0].strip().lower() for line in raw.splitlines()}
    words.discard("")
    return frozenset(words)


#: The book's stopword list (see ``stopwords.txt``).
STOPWORDS: frozenset[str] = load_stopwords()


def is_content_word(token: str, stopwords: frozenset[str] = STOPWORDS) -> bool:
    """A token worth counting: not a stopword, has a letter, and is longer than one character."""
    return len(token) > 1 and token not in stopwords and any(c.isalpha() for c in token)


# --- keyword in context -----------------------------------------------------------------------


class TokenIndex:
    """A positional index of every token of a set of turns, for fast keyword-in-context.

    Built once from a DataFrame of turns (any columns; ``text`` is tokenised, or pass ``tokens``,
    one list per row). ``tokens`` is the flat token list, ``turn_starts[i]`` the position of turn
    ``i``'s first token; every token is also coded as an integer (its index in the vocabulary),
    so :meth:`positions` finds a word's positions with a dictionary lookup and one vectorised
    comparison, however large the corpus.
    """

    def __init__(
        self, turns: pd.DataFrame, tokens: Sequence[Sequence[str]] | None = None,
        text_column: str = "text",
    ) -> None:
        if tokens is None:
            if text_column not in turns.columns:
                raise TextError(f"The turns have no {text_column!r} column to tokenise.")
            tokens = tokenize_texts(turns[text_column])
        if len(tokens) != len(turns):
            raise TextError(f"{len(tokens)} token lists for {len(turns)} turns.")
        self.turns = turns.reset_index(drop=True)
        lengths = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))
        self.turn_starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
        self.turn_lengths = lengths
        self.tokens: list[str] = list(chain.from_iterable(tokens))
        codes, vocabulary = pd.factorize(np.asarray(self.tokens, dtype=object), sort=False)
        self._codes = codes
        self._code = {word: i for i, word in enumerate(vocabulary)}
        self._positions: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.tokens)

    def positions(self, word: str) -> np.ndarray:
        """Return the sorted flat positions of a (lower-case) token; empty if it never occurs.

        The token's integer code is looked up in the vocabulary and its positions found with one
        vectorised comparison over the code array (then remembered).
        """
        found = self._positions.get(word)
        if found is None:
            code = self._code.get(word)
            found = (np.flatnonzero(self._codes == code) if code is not None
                     else np.empty(0, dtype=np.int64))
            self._positions[word] = found
        return found

    def phrase_positions(self, phrase: Sequence[str]) -> np.ndarray:
        """Positions where the tokens of ``phrase`` occur in a row, inside one turn."""
        if not phrase:
            return np.empty(0, dtype=np.int64)
        hits = self.positions(phrase[0])
        turn_of = np.searchsorted(self.turn_starts, hits, side="right") - 1
        turn_end = self.turn_starts[turn_of] + self.turn_lengths[turn_of]
        keep = hits + len(phrase) <= turn_end
        hits = hits[keep]
        for offset, word in enumerate(phrase[1:], start=1):
            following = set(self.positions(word).tolist())
            hits = hits[[int(h) + offset in following for h in hits]] if len(hits) else hits
        return hits


def kwic(
    index: TokenIndex | pd.DataFrame,
    terms: str | Iterable[str],
    window: int = 5,
    attributes: Sequence[str] = ("turn_id", "hearing_date", "speaker", "role", "witness"),
) -> pd.DataFrame:
    """Keyword in context: every occurrence of each term, with ``window`` tokens either side.

    In: a :class:`TokenIndex` (or a DataFrame of turns, indexed on the fly), one term or many
    (a term of several words is found as a phrase), the context width in tokens, and the turn
    columns to copy onto each hit. Context never crosses into another turn.
    Out: one row per hit, in corpus order within each term, with columns ``term``, ``left``,
    ``keyword``, ``right``, ``position`` (the keyword's token position within its turn), then
    the ``attributes`` that the turns have.
    """
    if isinstance(index, pd.DataFrame):
        index = TokenIndex(index)
    term_list = [terms] if isinstance(terms, str) else list(terms)
    keep_attributes = [a for a in attributes if a in index.turns.columns]
    frames = []
    tokens = index.tokens
    for term in term_list:
        phrase = tokenize(term)
        hits = index.phrase_positions(phrase)
        turn_of = np.searchsorted(index.turn_starts, hits, side="right") - 1
        starts = index.turn_starts[turn_of]
        ends = starts + index.turn_lengths[turn_of]
        width = len(phrase)
        left = [" ".join(tokens[max(s, h - window) : h]) for h, s in zip(hits, starts, strict=True)]
        right = [
            " ".join(tokens[h + width : min(e, h + width + window)])
            for h, e in zip(hits, ends, strict=True)
        ]
        keyword = [" ".join(tokens[h : h + width]) for h in hits]
        frame = pd.DataFrame(
            {"term": term, "left": left, "keyword": keyword, "right": right,
             "position": (hits - starts).astype(np.int64)}
        )
        for column in keep_attributes:
            frame[column] = index.turns[column].to_numpy()[turn_of]
        frames.append(frame)
    columns = ["term", "left", "keyword", "right", "position", *keep_attributes]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True).loc[:, columns]


# --- collocations -----------------------------------------------------------------------------

_MEASURES = {"likelihood_ratio": BigramAssocMeasures.likelihood_ratio,
             "pmi": BigramAssocMeasures.pmi}


def collocations(
    token_lists: Iterable[Sequence[str]],
    measure: str = "likelihood_ratio",
    top: int = 20,
    min_freq: int = 5,
    stopwords: frozenset[str] = STOPWORDS,
) -> pd.DataFrame:
    """Score adjacent word pairs with NLTK's ``BigramCollocationFinder``.

    In: token lists (one per turn, so pairs never span turns), ``measure`` (``"likelihood_ratio"``
    for Dunning's log-likelihood, ``"pmi"`` for pointwise mutual information, which favours rare
    pairs, hence ``min_freq``), how many to return, and the stopwords to drop (pairs containing
    a non-content word, see :func:`is_content_word`, are removed).
    Out: ``first``, ``second``, ``frequency``, ``score``, best first (ties in alphabetical order).
    """
    if measure not in _MEASURES:
        raise TextError(f"Unknown measure {measure!r}; use one of {', '.join(_MEASURES)}.")
    finder = BigramCollocationFinder.from_documents(token_lists)
    finder.apply_freq_filter(min_freq)
    finder.apply_word_filter(lambda w: not is_content_word(w, stopwords))
    scored = finder.score_ngrams(_MEASURES[measure])
    rows = [(a, b, finder.ngram_fd[(a, b)], score) for (a, b), score in scored]
    frame = pd.DataFrame(rows, columns=["first", "second", "frequency", "score"])
    frame = frame.sort_values(["score", "first", "second"], ascending=[False, True, True],
                              kind="stable")
    return frame.head(top).reset_index(drop=True)


# --- frequencies and keyness ------------------------------------------------------------------


def group_counts(token_lists: Sequence[Sequence[str]], groups: Sequence[object]) -> dict:
    """Count tokens per group: ``{group: Counter}`` (token lists and groups aligned)."""
    counts: dict[object, Counter] = {}
    for tokens, group in zip(token_lists, groups, strict=True):
        counts.setdefault(group, Counter()).update(tokens)
    return counts


def frequency_per_thousand(
    turns: pd.DataFrame,
    terms: Iterable[str],
    by: str = "group",
    token_lists: Sequence[Sequence[str]] | None = None,
) -> pd.DataFrame:
    """How often each term (a single token) is used per 1,000 tokens, by group.

    In: turns with a ``text`` column and a grouping column ``by``, the terms, and optionally the
    turns' token lists (to avoid tokenising twice). Out: one row per (group, term) with
    ``count``, ``tokens`` (all tokens the group spoke) and ``per_1000``.
    """
    if by not in turns.columns:
        raise TextError(f"The turns have no {by!r} column to group by.")
    token_lists = tokenize_texts(turns["text"]) if token_lists is None else token_lists
    counts = group_counts(token_lists, turns[by].astype(str).tolist())
    rows = []
    for group in sorted(counts):
        total = sum(counts[group].values())
        for term in terms:
            n = counts[group].get(term.lower(), 0)
            rows.append({by: group, "term": term, "count": n, "tokens": total,
                         "per_1000": 1000 * n / total if total else np.nan})
    return pd.DataFrame(rows)


def log_likelihood(a, b, c, d) -> np.ndarray:
    """Dunning's log-likelihood G² for a word's frequencies in two corpora.

    ``a``, ``b``: the word's frequency in corpus 1 and 2; ``c``, ``d``: the corpus sizes.
    Following Rayson & Garside (2000) and the Lancaster calculator, with expected frequencies
    E1 = c(a+b)/(c+d) and E2 = d(a+b)/(c+d): G² = 2(a ln(a/E1) + b ln(b/E2)), where a term with
    a zero frequency counts as 0 (the limit of x ln x). Accepts numbers or arrays.
    """
    a, b, c, d = (np.asarray(x, dtype=float) for x in (a, b, c, d))
    total = a + b
    e1 = c * total / (c + d)
    e2 = d * total / (c + d)
    with np.errstate(divide="ignore", invalid="ignore"):
        term_a = np.where(a > 0, a * np.log(a / e1), 0.0)
        term_b = np.where(b > 0, b * np.log(b / e2), 0.0)
    return 2 * (term_a + term_b)


def log_ratio(a, b, c, d, zero: float = 0.5) -> np.ndarray:
    """Hardie's (2014) Log Ratio: log2 of the ratio of relative frequencies, (a/c) / (b/d).

    +1 means twice as frequent (per word) in corpus 1, -1 half as frequent. A zero frequency is
    replaced by ``zero`` (0.5 by default) so the value stays finite.
    """
    a, b, c, d = (np.asarray(x, dtype=float) for x in (a, b, c, d))
    a = np.where(a == 0, zero, a)
    b = np.where(b == 0, zero, b)
    return np.log2((a / c) / (b / d))


def keyness(
    counts_a: Counter | dict,
    counts_b: Counter | dict,
    min_freq: int = 5,
    stopwords: frozenset[str] | None = STOPWORDS,
) -> pd.DataFrame:
    """Keywords of corpus A against corpus B: G² for evidence, Log Ratio for size.

    In: token counts for each corpus (corpus sizes are the sums of *all* counts, before any word
    is filtered out), the minimum combined frequency, and stopwords to leave out of the table
    (``None`` keeps every word). Out: one row per word with ``freq_a``, ``freq_b``,
    ``per_1000_a``, ``per_1000_b``, ``g2``, ``p_value`` (chi-square, 1 d.f.), ``log_ratio`` and
    ``direction`` ("A" when relatively more frequent in A, else "B"), sorted by G² (ties by word).
    """
    size_a, size_b = sum(counts_a.values()), sum(counts_b.values())
    if size_a == 0 or size_b == 0:
        raise TextError("Keyness needs two non-empty corpora; one of them has no tokens.")
    vocabulary = sorted(set(counts_a) | set(counts_b))
    if stopwords is not None:
        vocabulary = [w for w in vocabulary if is_content_word(w, stopwords)]
    freq_a = np.array([counts_a.get(w, 0) for w in vocabulary], dtype=float)
    freq_b = np.array([counts_b.get(w, 0) for w in vocabulary], dtype=float)
    keep = freq_a + freq_b >= min_freq
    words = np.asarray(vocabulary, dtype=object)[keep]
    freq_a, freq_b = freq_a[keep], freq_b[keep]
    g2 = log_likelihood(freq_a, freq_b, size_a, size_b)
    frame = pd.DataFrame(
        {
            "word": words,
            "freq_a": freq_a.astype(np.int64),
            "freq_b": freq_b.astype(np.int64),
            "per_1000_a": 1000 * freq_a / size_a,
            "per_1000_b": 1000 * freq_b / size_b,
            "g2": g2,
            "p_value": chi2.sf(g2, df=1),
            "log_ratio": log_ratio(freq_a, freq_b, size_a, size_b),
        }
    )
    frame["direction"] = np.where(frame["per_1000_a"] >= frame["per_1000_b"], "A", "B")
    frame = frame.sort_values(["g2", "word"], ascending=[False, True], kind="stable")
    return frame.reset_index(drop=True)


def keyness_between(
    turns: pd.DataFrame,
    by: str,
    group_a: object,
    group_b: object,
    token_lists: Sequence[Sequence[str]] | None = None,
    **options,
) -> pd.DataFrame:
    """:func:`keyness` of the turns where ``turns[by] == group_a`` against ``group_b``."""
    if by not in turns.columns:
        raise TextError(f"The turns have no {by!r} column to group by.")
    token_lists = tokenize_texts(turns["text"]) if token_lists is None else token_lists
    values = turns[by].to_numpy()
    counts_a, counts_b = Counter(), Counter()
    for tokens, value in zip(token_lists, values, strict=True):
        if value == group_a:
            counts_a.update(tokens)
        elif value == group_b:
            counts_b.update(tokens)
    for name, counts in ((group_a, counts_a), (group_b, counts_b)):
        if not counts:
            raise TextError(f"No tokens for {by} == {name!r}; check the group's name.")
    return keyness(counts_a, counts_b, **options)
