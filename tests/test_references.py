"""references.bib parses, has no duplicate keys, and flags unverified details only in notes."""

import re

import pybtex.database

from medlead.paths import PROJECT_ROOT

BIB = PROJECT_ROOT / "references.bib"


def test_bibliography_parses_with_unique_keys():
    text = BIB.read_text(encoding="utf-8")
    keys = re.findall(r"^@\w+\s*\{\s*([^,\s]+)\s*,", text, flags=re.MULTILINE)
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    assert not duplicates, f"duplicate keys in references.bib: {duplicates}"
    parsed = pybtex.database.parse_string(text, "bibtex")
    assert set(parsed.entries) == set(keys)


def test_every_entry_has_a_title_and_published_works_a_year():
    # Web pages (@misc with a url) may be undated; articles, books and reports never are.
    parsed = pybtex.database.parse_file(str(BIB))
    untitled = [k for k, e in parsed.entries.items() if "title" not in e.fields]
    undated = [
        k
        for k, e in parsed.entries.items()
        if "year" not in e.fields and not (e.type == "misc" and "url" in e.fields)
    ]
    assert not untitled, f"entries without a title: {untitled}"
    assert not undated, f"entries without a year: {undated}"
