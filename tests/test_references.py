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


def test_every_entry_has_a_title_and_year():
    parsed = pybtex.database.parse_file(str(BIB))
    missing = [k for k, e in parsed.entries.items() if not {"title", "year"} <= set(e.fields)]
    assert not missing, f"entries without title or year: {missing}"
