"""Fixtures for the browser tests: the built book served on 127.0.0.1, and Debian's Chromium.

These tests read the built site; they never build it. `.ci/run` builds the book first
(`jupyter-book build --all -W -n --keep-going .`), then runs the whole pytest suite.
Set MEDLEAD_BOOK_HTML to test a site built somewhere else (default: `<repo>/_build/html`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sitecheck import (
    AXE_JS,
    REPO_ROOT,
    VIEWPORT,
    PageVisit,
    ResourceChecker,
    html_path,
    launch_chromium,
    serve,
    toc_docnames,
    visit_all,
)

#: Pages Sphinx writes besides those in `_toc.yml`; readers meet them too.
GENERATED_PAGES = ["search", "genindex"]
#: Pages one Chromium loads and checks side by side (each page renders in its own process, so
#: loading, rendering and axe-core of different pages overlap). Two keep both cores busy; more
#: take no less time here and hold more memory.
BROWSER_PAGES = int(os.environ.get("MEDLEAD_BROWSER_PAGES", 2))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise `docname` over every page in `_toc.yml` (so new chapters are tested unasked),
    plus the search and index pages."""
    if "docname" in metafunc.fixturenames:
        docnames = toc_docnames(REPO_ROOT) + GENERATED_PAGES
        metafunc.parametrize("docname", docnames, ids=docnames)


@pytest.fixture(scope="session")
def site_dir() -> Path:
    """The built HTML book; fails (never skips) when it has not been built."""
    site = Path(os.environ.get("MEDLEAD_BOOK_HTML", REPO_ROOT / "_build" / "html"))
    if not (site / "index.html").is_file():
        pytest.fail(
            f"No built book at {site}: build the book first: jupyter-book build . "
            "(strictly: jupyter-book build --all -W -n --keep-going .)",
            pytrace=False,
        )
    return site


@pytest.fixture(scope="session")
def base_url(site_dir: Path):
    """Base URL (ending in '/') of the built book served on 127.0.0.1 on a free port."""
    with serve(site_dir) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless via Playwright; fails with the install command if missing."""
    if not AXE_JS.is_file():
        pytest.fail(
            f"axe-core is missing ({AXE_JS}); install it with: npm ci --prefix tests/browser",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        try:
            chromium = launch_chromium(playwright)
        except FileNotFoundError as error:
            pytest.fail(str(error), pytrace=False)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def reader(browser):
    """One browser profile for every browser test, as one reader's browser: a test opens its
    own tab (``tab``), so its listeners and page state are its own, while the profile's caches
    serve the site's scripts, styles and fonts to every tab. No test stores anything in the
    profile (theme mode, cookies); a fresh profile for each test cost about half a second of
    processor time per test here.
    """
    ctx = browser.new_context(viewport=VIEWPORT)
    yield ctx
    ctx.close()


@pytest.fixture()
def tab(reader):
    """A new tab of the reader's profile for one test, closed after it."""
    page = reader.new_page()
    yield page
    page.close()


@pytest.fixture(scope="session")
def resources() -> ResourceChecker:
    """Shared cache of fetched site URLs for link and image checks."""
    return ResourceChecker()


@pytest.fixture(scope="session")
def visits(base_url: str, reader) -> dict[str, PageVisit | Exception]:
    """Every page of the book visited once (see `sitecheck.visit_all`), keyed by docname."""
    docnames = toc_docnames(REPO_ROOT) + GENERATED_PAGES
    by_url = visit_all(reader, [base_url + html_path(d) for d in docnames], BROWSER_PAGES)
    return {d: by_url[base_url + html_path(d)] for d in docnames}


@pytest.fixture()
def page_visit(docname: str, visits: dict) -> PageVisit:
    """The page's visit (all pages are visited once per session; each test checks one kind)."""
    result = visits[docname]
    if isinstance(result, Exception):
        pytest.fail(f"{docname}: the browser could not visit the page: {result!r}", pytrace=False)
    return result
