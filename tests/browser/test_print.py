"""The built book on paper: teacher's packs print on 1 to 8 A4 pages, and no printed
chapter loses anything at the right edge of the page.

Each page is laid out in headless Chromium with print media at the printable width of an A4 page
(see `printcheck.py`), on the same visit as the other browser checks; every element of the article
must fit within it, and no box may hide content wider than itself. Pack pages are also printed to
PDF and their pages counted.
"""

from __future__ import annotations

import pytest
from printcheck import cut_at_right_edge, pdf_page_count, print_pdf
from sitecheck import REPO_ROOT, PageVisit, html_path, toc_docnames

#: The teacher's packs: print-ready pages, one per seminar.
PACKS = [d for d in toc_docnames(REPO_ROOT) if d.startswith("notebooks/packs/")]
#: The pages of `_toc.yml` (the right-edge check runs over all of them, through conftest.py).
PAGES = toc_docnames(REPO_ROOT)
MAX_PACK_PAGES = 8


def test_every_seminar_plan_has_a_pack():
    plans = [d for d in PAGES if d.startswith("book/seminar-")]
    assert plans, "no seminar plans in _toc.yml"
    assert sorted(d.split("/")[-1] for d in PACKS) == sorted(d.split("/")[-1] for d in plans)


@pytest.mark.parametrize("pack", PACKS)
def test_pack_prints_on_one_to_eight_a4_pages(pack: str, base_url: str, tab):
    tab.goto(base_url + html_path(pack), wait_until="load")
    pages = pdf_page_count(print_pdf(tab))
    assert 1 <= pages <= MAX_PACK_PAGES, f"{pack} prints on {pages} A4 pages"
    # a pack's part B starts on its own page, so the handout can be printed alone
    assert tab.locator(".pack-break").count() == 1


def test_nothing_is_cut_at_the_right_edge_in_print(docname: str, page_visit: PageVisit):
    """`docname` runs over every page of `_toc.yml` (see conftest.py); each page was laid out for
    print on the same visit as the other browser checks (`sitecheck.visit_all`)."""
    cut = page_visit.print_cut
    assert cut is not None, f"{docname}: the visit did not lay the page out for print"
    assert not cut, f"{docname}: printed on A4, these are cut at the right edge:\n" + "\n".join(cut)


def test_the_check_finds_a_table_too_wide_for_the_page(base_url: str, tab):
    """The check itself can fail: a wide table that must scroll is reported."""
    tab.goto(base_url + html_path(PACKS[0]), wait_until="load")
    tab.evaluate("""() => {
        const box = document.createElement('div');
        box.style.overflowX = 'auto';
        box.innerHTML = '<table><tr><td style="white-space:nowrap!important">'
            + 'x'.repeat(400) + '</td></tr></table>';
        document.querySelector('.bd-article').appendChild(box);
    }""")
    assert cut_at_right_edge(tab)
