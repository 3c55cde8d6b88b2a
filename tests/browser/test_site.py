"""The built book, as a reader's browser meets it.

Every page in `_toc.yml` is opened in headless Chromium from a server on 127.0.0.1 and must load
with no console errors, no failed requests and no request leaving the machine; every internal
link and image must resolve; content images need meaningful alt text; maths must be typeset (by
the book's own MathJax copy); axe-core must find no serious or critical accessibility violations.
"""

from __future__ import annotations

import urllib.parse

import pytest
from sitecheck import (
    REPO_ROOT,
    PageVisit,
    ResourceChecker,
    html_path,
    problems,
    report,
    toc_docnames,
)


def _assert_none(docname: str, visit_: PageVisit, resources: ResourceChecker, *kinds: str) -> None:
    found = problems(visit_, resources)
    assert not any(found[kind] for kind in kinds), report(docname, found, kinds)


def test_page_loads_cleanly(docname: str, page_visit: PageVisit, resources: ResourceChecker):
    _assert_none(docname, page_visit, resources, "console errors", "failed requests")


def test_page_reads_offline(docname: str, page_visit: PageVisit, resources: ResourceChecker):
    _assert_none(docname, page_visit, resources, "outside requests", "maths not typeset")


def test_internal_links_resolve(docname: str, page_visit: PageVisit, resources: ResourceChecker):
    assert page_visit.links, f"{docname}: no internal links at all (is the navigation missing?)"
    _assert_none(docname, page_visit, resources, "broken links")


def test_images_resolve_and_have_alt_text(
    docname: str, page_visit: PageVisit, resources: ResourceChecker
):
    _assert_none(docname, page_visit, resources, "broken images", "alt text")


def test_no_serious_accessibility_violations(
    docname: str, page_visit: PageVisit, resources: ResourceChecker
):
    _assert_none(docname, page_visit, resources, "accessibility")


def test_every_toc_page_is_in_the_sidebar(tab, base_url: str):
    """index.html leads to the root page, whose navigation reaches every `_toc.yml` page."""
    docnames = toc_docnames(REPO_ROOT)
    root_url = base_url + html_path(docnames[0])
    tab.goto(base_url + "index.html")
    tab.wait_for_url(root_url, timeout=30_000)  # index.html redirects to the root page
    tab.wait_for_load_state("load")
    hrefs = tab.eval_on_selector_all("nav.bd-docs-nav a", "els => els.map(e => e.href)")
    reachable = {urllib.parse.urldefrag(h)[0] for h in hrefs} | {root_url}
    missing = [d for d in docnames if base_url + html_path(d) not in reachable]
    assert not missing, f"pages in _toc.yml missing from the sidebar of {root_url}: {missing}"


def _search(page, base_url: str, term: str) -> list[str]:  # noqa: ANN001
    """Result URLs (without fragments) of the book's own search page for ``term``, searched in
    the tab ``page``."""
    page.goto(base_url + "search.html?q=" + urllib.parse.quote(term), wait_until="load")
    page.wait_for_selector("#search-results .search-summary", timeout=30_000)
    hrefs = page.eval_on_selector_all(
        "#search-results ul.search li a", "els => els.map(e => e.href)"
    )
    return sorted({urllib.parse.urldefrag(h)[0].split("?")[0] for h in hrefs})


def test_search_finds_a_known_term(tab, base_url: str, page_visit_titles):
    """Searching for a word of a chapter's title lists that chapter (and nonsense finds nothing)."""
    docname, word = page_visit_titles
    found = _search(tab, base_url, word)
    assert base_url + html_path(docname) in found, (
        f"searching {word!r} did not list {docname}: {found}"
    )
    assert _search(tab, base_url, "qzxjvwq") == []


@pytest.fixture()
def page_visit_titles(site_dir) -> tuple[str, str]:
    """A (docname, word) pair: a longest word from the title of the last page in `_toc.yml`."""
    import lxml.html

    docname = toc_docnames(REPO_ROOT)[-1]
    tree = lxml.html.parse(str(site_dir / html_path(docname)))
    heading = " ".join(tree.xpath("//article//h1")[0].itertext())
    words = sorted((w for w in heading.replace("#", " ").split() if w.isalpha()), key=len)
    assert words, f"{docname}: its h1 {heading!r} has no word to search for"
    return docname, words[-1].lower()


def test_axe_runs_every_rule_that_can_report_a_blocking_problem(visits: dict):
    """axe runs only rules that can be serious or critical: those must all be there."""
    visit_ = visits[toc_docnames(REPO_ROOT)[0]]
    assert isinstance(visit_, PageVisit), visit_
    rules = set(visit_.axe_rules)
    blocking = {"color-contrast", "image-alt", "button-name", "link-name", "label",
                "aria-required-children", "document-title", "html-has-lang", "frame-title"}
    assert blocking <= rules, f"blocking rules not run: {sorted(blocking - rules)}"
    # rules that can only ever be minor or moderate are left out (they cannot fail a test)
    assert not {"region", "heading-order", "landmark-one-main", "empty-heading"} & rules
