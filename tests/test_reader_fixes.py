"""The HTML fixes in `_ext/reader_fixes.py` (tests/browser checks their effect on the book)."""

import importlib.util
from pathlib import Path

from markupsafe import Markup

_PATH = Path(__file__).resolve().parents[1] / "_ext" / "reader_fixes.py"
_SPEC = importlib.util.spec_from_file_location("reader_fixes", _PATH)
reader_fixes = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(reader_fixes)


class _Script:
    def __init__(self, filename, **attributes):
        self.filename = filename
        self.attributes = attributes


def test_duplicate_inline_scripts_are_dropped_in_order():
    config = _Script(None, body="const A = 1")
    again = _Script("", body="const A = 1")  # Sphinx's second copy: '' instead of None
    other = _Script("_static/x.js", defer="defer")
    scripts = [config, other, again, _Script("_static/x.js", defer="defer")]
    reader_fixes.drop_duplicate_scripts(scripts)
    assert scripts == [config, other]


def test_scripts_with_different_attributes_are_kept():
    scripts = [_Script("a.js"), _Script("a.js", defer="defer")]
    reader_fixes.drop_duplicate_scripts(scripts)
    assert len(scripts) == 2


def test_bibliography_entries_become_list_items():
    body = '<div role="list"><div class="citation" role="doc-biblioentry">x</div></div>'
    assert reader_fixes.fix_body_roles(body) == (
        '<div role="list"><div class="citation" role="listitem">x</div></div>'
    )


def test_icon_only_toggle_is_named_after_its_chapter():
    html = Markup(
        '<ul><li><a class="reference internal" href="data.html">Data</a>'
        '<details><summary><span role="presentation"><i class="fa"></i></span></summary>'
        "<ul><li><a href='x.html'>X</a></li></ul></details></li></ul>"
    )
    fixed = reader_fixes.named_toggles_html(html)
    assert isinstance(fixed, Markup)
    assert '<summary aria-label="Sections of Data">' in fixed


def test_toggle_with_text_is_left_alone():
    html = '<details><summary><p class="caption">Part one</p></summary></details>'
    assert "aria-label" not in reader_fixes.named_toggles_html(html)
