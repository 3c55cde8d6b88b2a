"""Run many case-insensitive regular expressions over one long text in a single pass.

:func:`finditer_each` takes ``{key: compiled expression}`` and a text, and returns for each key
exactly the matches ``expression.finditer(text)`` would give, as a list of ``re.Match``. Instead
of one pass per expression it makes one pass for all of them:

1. every expression's top-level branches are lower-cased, their leading ``\\b`` dropped, and the
   whole lot factored on shared literal prefixes into one alternation (a trie: ``m(?:edical
   directors?|ental health)|c(?:...)``), so the engine skips to the letters a match can start
   with and tries only the branches that begin with the letters it sees;
2. that alternation runs case-sensitively over the lower-cased text and lists every position
   where some expression may match (it never misses one; it may list a few more);
3. each expression is then tried (``match``) only at those positions, left to right, taking the
   leftmost match at or after the end of the previous one, as ``finditer`` does.

An expression is scanned on its own instead (``finditer`` over the text) when step 1 cannot keep
its matches: flags other than ``re.IGNORECASE``, an escape naming a character, group or
property (``\\x41``, ``\\1``), an upper-case letter inside a character class, a conditional
group, or a match of the empty string; and every expression is when lower-casing the text would
move characters or fold one the way the engine does not (such as the long s, which matches "s").
The medlead codebook's patterns take the single pass; ``tests/test_multiscan.py`` and
``benchmarks/coding.py`` check that the matches are the same as ``finditer``'s.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping

try:  # characters that match others case-insensitively although str.lower() keeps them apart
    from re._casefix import _EXTRA_CASES as _CASE_EXTRAS  # Python >= 3.11
except ImportError:  # pragma: no cover - other Pythons: the single pass only for ASCII text
    _CASE_EXTRAS = None

_FOLD_SPECIAL: frozenset[str] | None = (
    None
    if _CASE_EXTRAS is None
    else frozenset(chr(c) for key, more in _CASE_EXTRAS.items() for c in (key, *more) if c > 127)
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
#: Escapes that mean the same in a lower-cased pattern run on lower-cased text.
_CASE_SAFE_ESCAPES = frozenset("bBwWsSdDAZ")
_QUANTIFIERS = ("?", "*", "+", "{")
#: Most branches one expression may multiply out into when leading groups are expanded.
_EXPANSION_LIMIT = 64


def _outside_classes(pattern: str, start: int = 0):
    """Yield ``(index, char, depth)`` for each character of ``pattern`` from ``start`` on that is
    neither escaped nor inside a character class; ``depth`` is the group nesting before it."""
    depth, in_class, i = 0, False, start
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "^":
                i += 1
            if pattern[i + 1:i + 2] == "]":
                i += 1
        else:
            yield i, char, depth
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
        i += 1


def top_level_branches(pattern: str) -> list[str]:
    """Split a regular expression at its top-level ``|`` (outside groups and classes)."""
    branches, start = [], 0
    for i, char, depth in _outside_classes(pattern):
        if char == "|" and depth == 0:
            branches.append(pattern[start:i])
            start = i + 1
    branches.append(pattern[start:])
    return branches


def lowered_pattern(pattern: str) -> str | None:
    """Lower-case a pattern's literals and unname its groups; None when that could lose matches.

    The result, run case-sensitively on lower-cased text, matches wherever ``pattern`` matches
    case-insensitively. Named groups become ``(?:``; unsafe (None): an escape that names a
    character, group or property, a named back-reference, a conditional group, or an upper-case
    letter inside a character class (``[A-z]`` is not ``[a-z]``).
    """
    out, i, in_class = [], 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            escaped = pattern[i + 1:i + 2]
            if escaped.isalnum() and escaped not in _CASE_SAFE_ESCAPES:
                return None
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            if char.isupper():
                return None
            in_class = char != "]"
        elif char == "[":
            opening = re.match(r"\[\^?\]?", pattern[i:]).group()  # a leading ] is a member
            out.append(opening)
            i += len(opening)
            in_class = True
            continue
        elif pattern.startswith("(?P<", i):
            close = pattern.find(">", i)
            out.append("(?:")
            i = close + 1
            continue
        elif pattern.startswith(("(?P=", "(?("), i):
            return None
        out.append(char.lower())
        i += 1
    return "".join(out)


def _leading_group(branch: str) -> tuple[list[str], str] | None:
    """``(alternatives, rest)`` if ``branch`` starts with a plain or ``(?:`` group.

    A group followed by ``?`` gains an empty alternative; any other quantifier, or another kind
    of group (look-around, atomic), gives None.
    """
    if branch.startswith("(?:"):
        opened = 3
    elif branch.startswith("(") and not branch.startswith("(?"):
        opened = 1
    else:
        return None
    ends = (i for i, char, depth in _outside_classes(branch, opened) if char == ")" and not depth)
    close = next(ends, None)
    if close is None:
        return None
    alternatives, rest = top_level_branches(branch[opened:close]), branch[close + 1:]
    if rest.startswith("?") and not rest.startswith(("??", "?+")):
        return [*alternatives, ""], rest[1:]
    if rest.startswith(_QUANTIFIERS):
        return None
    return alternatives, rest


def _expanded(branch: str) -> list[str]:
    """Branches matching at the same positions as ``branch``, leading groups multiplied out."""
    done, todo = [], [branch]
    while todo:
        current = todo.pop()
        if current.startswith("\\b"):  # dropped: the positions found are only candidates
            todo.append(current[2:])
            continue
        split = _leading_group(current)
        if split is None:
            done.append(current)
        else:
            todo += [alternative + split[1] for alternative in split[0]]
        if len(done) + len(todo) > _EXPANSION_LIMIT:
            return [branch]
    return done


def _first_literal(branch: str) -> str | None:
    """The literal character every match of ``branch`` starts with, if plain to see."""
    char = branch[:1]
    if char and (char.isalnum() or char in " -'\"") and not branch[1:2].startswith(_QUANTIFIERS):
        return char
    return None


def trie_alternation(branches: list[str]) -> str:
    """One alternation that matches at a position exactly when one of ``branches`` does there.

    Branches are expanded (leading groups multiplied out, leading ``\\b`` dropped) and factored
    on their shared literal prefixes. Which branch matched, and how far, is not kept: the result
    only finds positions.
    """
    groups: dict[str, list[str]] = {}
    others: list[str] = []
    for branch in branches:
        for one in _expanded(branch):
            first = _first_literal(one)
            if first is None:
                others.append(one)
            else:
                groups.setdefault(first, []).append(one[1:])
    parts = []
    for first, tails in groups.items():
        if "" in tails:  # a match ends here already, so longer tails add no position
            parts.append(re.escape(first))
        elif len(tails) == 1:
            parts.append(re.escape(first) + tails[0])
        else:
            parts.append(re.escape(first) + "(?:" + trie_alternation(tails) + ")")
    parts += [f"(?:{other})" for other in others]
    return "|".join(parts)


def _lowering_keeps_matches(text: str, lowered: str, patterns: list[str]) -> bool:
    """True when lower-casing kept every character in place and folds nothing specially."""
    if len(lowered) != len(text):
        return False
    odd = set(_NON_ASCII.findall(lowered)) | set(_NON_ASCII.findall("".join(patterns)))
    if _FOLD_SPECIAL is None:
        return not odd
    return not (odd & _FOLD_SPECIAL)


def match_starts(regex: re.Pattern[str], text: str) -> list[int]:
    """Every position of ``text`` where ``regex`` matches, overlapping matches included."""
    starts, position, search = [], 0, regex.search
    while position <= len(text) and (match := search(text, position)) is not None:
        starts.append(match.start())
        position = match.start() + 1
    return starts


def _matches_at(regex: re.Pattern[str], text: str, starts: list[int]) -> list[re.Match] | None:
    """``regex.finditer(text)``'s matches, trying only ``starts`` (ascending, a superset of
    the positions where ``regex`` matches); None if it matches the empty string at one, which
    ``finditer`` treats specially."""
    found, position, match_at = [], 0, regex.match
    for start in starts:
        if start < position:
            continue
        match = match_at(text, start)
        if match is None:
            continue
        if match.end() == start:
            return None
        found.append(match)
        position = match.end()
    return found


def finditer_each(regexes: Mapping[Hashable, re.Pattern[str]], text: str) -> dict:
    """For each key, the list of matches ``regexes[key].finditer(text)`` gives, in one pass.

    In: compiled expressions (typically with ``re.IGNORECASE``) and the text. Out: ``{key: [Match,
    ...]}`` in the order of ``regexes``, each list equal (same spans and groups) to
    ``list(regexes[key].finditer(text))``. See the module docstring for how, and when an
    expression is scanned on its own instead.
    """
    lowered_branches: dict[Hashable, list[str]] = {}
    for key, regex in regexes.items():
        plain_flags = regex.flags == re.IGNORECASE | re.UNICODE
        lowered = lowered_pattern(regex.pattern) if plain_flags else None
        if lowered is not None:
            lowered_branches[key] = top_level_branches(lowered)
    candidates: list[int] = []
    if lowered_branches:
        lowered_text = text.lower()
        sources = [regexes[key].pattern for key in lowered_branches]
        try:
            prefilter = re.compile(
                trie_alternation([b for bs in lowered_branches.values() for b in bs])
            )
        except re.error:  # e.g. an inline global flag in the middle: scan one by one
            prefilter = None
        if prefilter is not None and _lowering_keeps_matches(text, lowered_text, sources):
            candidates = match_starts(prefilter, lowered_text)
        else:
            lowered_branches = {}
        del lowered_text
    result = {}
    for key, regex in regexes.items():
        found = _matches_at(regex, text, candidates) if key in lowered_branches else None
        result[key] = list(regex.finditer(text)) if found is None else found
    return result
