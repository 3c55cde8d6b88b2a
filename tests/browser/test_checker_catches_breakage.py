"""The browser checks catch what they are meant to catch.

The built site is copied to a temporary folder twice, each copy with a probe block on its first
page. In the broken copy, one thing of each kind is broken on purpose (a link, an image, an alt
text, an outside request, a script error, an unlabelled control); each copy is served on
127.0.0.1 and visited with the same code as the book's own pages (`sitecheck.visit_all`), and
each break must be reported. The intact copy, with the same probe content, must report nothing,
so the probe itself is sound.
"""

from __future__ import annotations

import posixpath
import shutil
from pathlib import Path

import lxml.html
import pytest
from PIL import Image
from sitecheck import (
    PROBLEM_KINDS,
    REPO_ROOT,
    PageVisit,
    ResourceChecker,
    alt_text_problem,
    html_path,
    problems,
    report,
    serve,
    toc_docnames,
    visit_all,
)

PROBE_ALT = "A small blue square, drawn only to test the book's checks."
#: The probe's images: (file name, how its <img> is written, or None for the intact one).
PROBE_IMAGES = {
    "probe-ok.png": 'alt="{alt}"',
    "probe-removed.png": 'alt="{alt}"',  # the file is deleted in the broken copy
    "probe-blank-alt.png": 'alt=""',
    "probe-path-alt.png": 'alt="{src}"',  # what Sphinx writes for a figure without alt text
    "probe-no-alt.png": "",
}


def _first_id(page: Path) -> str:
    """An element id inside the article of a built page (a real link target)."""
    ids = lxml.html.parse(str(page)).xpath("//article//*[@id]/@id")
    assert ids, f"{page} has no element with an id in its article"
    return str(ids[0])


def _probe_copy(site_dir: Path, root: Path, broken: bool) -> tuple[Path, str]:
    """Copy the built book to ``root`` and add a probe block to the root page's article.

    Intact, the probe holds sound images, links and markup. Broken, it also holds one of each
    thing the checks must catch (see ``BREAKAGES``), and one real page of the book is deleted.
    Returns (site root, site-relative path of the probed page).
    """
    shutil.copytree(site_dir, root)
    docnames = toc_docnames(REPO_ROOT)
    assert len(docnames) >= 2, "the book needs at least two pages in _toc.yml"
    page, other_page = html_path(docnames[0]), html_path(docnames[-1])
    here = posixpath.dirname(page)
    link = posixpath.relpath(other_page, here)
    anchor = _first_id(root / other_page)
    parts = [
        f'<p>See <a href="{link}">the last page</a> and <a href="{link}#{anchor}">its start</a>.'
    ]
    for name, alt in PROBE_IMAGES.items():
        if not broken and name != "probe-ok.png":
            continue
        Image.new("RGB", (48, 48), (0, 114, 178)).save(root / "_images" / name)
        src = posixpath.relpath(f"_images/{name}", here)
        parts.append(f'<figure><img src="{src}" {alt.format(alt=PROBE_ALT, src=src)} /></figure>')
    if broken:
        missing_page = posixpath.relpath(other_page.replace(".html", "-missing.html"), here)
        parts += [
            f'<p><a href="{missing_page}">a page that is not there</a>',
            f'<a href="{link}#no-such-section">a section that is not there</a></p>',
            '<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>',
            "<script>notDefinedAnywhere();</script>",
            "<button></button>",
        ]
        (root / "_images" / "probe-removed.png").unlink()
        # A real page of the book goes missing: links to it from every sidebar now break.
        (root / html_path(docnames[1])).unlink()
    html = (root / page).read_text(encoding="utf-8")
    assert "</article>" in html, f"{page}: no <article> to put the probe into"
    probe = '<div id="checker-probe">' + "".join(parts) + "</div>"
    (root / page).write_text(html.replace("</article>", probe + "</article>", 1), encoding="utf-8")
    return root, page


@pytest.fixture(scope="module")
def broken_site(site_dir: Path, tmp_path_factory) -> tuple[Path, str]:
    """A copy of the built book with every break of ``BREAKAGES``: (site root, probed page)."""
    return _probe_copy(site_dir, tmp_path_factory.mktemp("broken") / "site", broken=True)


@pytest.fixture(scope="module")
def probe_visits(reader, site_dir: Path, broken_site: tuple[Path, str], tmp_path_factory) -> dict:
    """The probe pages checked as the book's pages are (``visit_all``), in one tab that goes from
    the intact copy's probe page to the broken copy's, then on to a sound page of the broken
    copy. Each copy is served on a port of its own. Returns {"intact" / "broken": (page, problems
    found), "tab": (visit of the broken probe page, visit of the sound page after it)}.
    """
    intact_root, page = _probe_copy(
        site_dir, tmp_path_factory.mktemp("intact") / "site", broken=False
    )
    broken_root, broken_page = broken_site
    clean = html_path(toc_docnames(REPO_ROOT)[-1])
    with serve(intact_root) as intact_url, serve(broken_root) as broken_url:
        urls = [intact_url + page, broken_url + broken_page, broken_url + clean]
        visits = visit_all(reader, urls, parallel=1)
        for url in urls:
            assert isinstance(visits[url], PageVisit), (url, visits[url])
        return {
            "intact": (page, problems(visits[urls[0]], ResourceChecker())),
            "broken": (broken_page, problems(visits[urls[1]], ResourceChecker())),
            "tab": (visits[urls[1]], visits[urls[2]]),
        }


@pytest.fixture()
def intact(probe_visits: dict) -> tuple[str, dict[str, list[str]]]:
    return probe_visits["intact"]


@pytest.fixture()
def broken(probe_visits: dict) -> tuple[str, dict[str, list[str]]]:
    return probe_visits["broken"]


def test_intact_copy_with_probe_reports_nothing(intact):
    page, found = intact
    assert not any(found.values()), report(page, found)


BREAKAGES: list[tuple[str, str, str]] = [
    # (what was broken, kind of problem that must be reported, text the report must contain)
    ("link to a missing page", "broken links", "-missing.html: HTTP 404"),
    ("link to a missing anchor", "broken links", "no element with id 'no-such-section'"),
    ("a real page deleted", "broken links", "HTTP 404"),
    ("image file removed", "broken images", "probe-removed.png: HTTP 404"),
    ("image file removed (browser)", "failed requests", "probe-removed.png: HTTP 404"),
    ("alt text blanked", "alt text", "probe-blank-alt.png: empty alt text"),
    ("alt text is the file path", "alt text", "probe-path-alt.png: alt text is a file path"),
    ("alt attribute missing", "alt text", "probe-no-alt.png: no alt attribute"),
    ("alt attribute missing (axe)", "accessibility", "image-alt"),
    ("script from a CDN", "outside requests", "cdn.jsdelivr.net"),
    ("script error", "console errors", "notDefinedAnywhere"),
    ("button with no name (axe)", "accessibility", "button-name"),
]


@pytest.mark.parametrize(("kind", "expected"), [pytest.param(k, e, id=n) for n, k, e in BREAKAGES])
def test_breakage_is_reported(broken, kind: str, expected: str):
    page, found = broken
    assert kind in PROBLEM_KINDS
    assert any(expected in item for item in found[kind]), (
        f"expected a {kind!r} problem mentioning {expected!r}; got:\n" + report(page, found)
    )


def test_a_tab_that_goes_on_to_another_page_reports_each_page_on_its_own(probe_visits: dict):
    """`visit_all` sends one tab from page to page: the broken probe page's problems must stay
    with it, and the next page must be checked afresh (screen media, its own listeners)."""
    probe, after = probe_visits["tab"]
    assert any("notDefinedAnywhere" in e for e in probe.console_errors), probe
    assert any("cdn.jsdelivr.net" in u for u in probe.outside_requests), probe
    assert any(v["id"] == "button-name" for v in probe.axe_violations), probe.axe_violations
    assert after.console_errors == [] and after.outside_requests == [], after
    assert after.failed_requests == [] and after.axe_violations == [], after
    assert after.links and after.print_cut is not None and probe.print_cut is not None


def test_deleted_real_page_is_named(broken):
    page, found = broken
    deleted = html_path(toc_docnames(REPO_ROOT)[1])
    assert any(deleted in item for item in found["broken links"]), report(page, found)


@pytest.mark.parametrize(
    ("alt", "src", "verdict"),
    [
        (None, "_images/a.png", "no alt attribute"),
        ("   ", "_images/a.png", "empty alt text"),
        ("../_images/3f9a.png", "../_images/3f9a.png", "file path"),
        ("3f9a.png", "../_images/3f9a.png", "file path"),
        ("_images/plot", "../_images/plot.svg", "file path"),
        ("<Figure size 900x500 with 1 Axes>", "a.png", "Python repr"),
        ("Figure 2", "a.png", "names no content"),
        ("chart", "a.png", "names no content"),
        ("Trends", "a.png", "too short"),
        ("Line chart of NHS trust counts by year, 1990 to 2020.", "a.png", None),
        ("Dot plot of events; most fall after 2000.", "../_images/x.png", None),
    ],
)
def test_alt_text_judgement(alt, src, verdict):
    why = alt_text_problem(alt, src)
    if verdict is None:
        assert why is None
    else:
        assert why is not None and verdict in why


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/book/index.html", "http://127.0.0.1/", "http://localhost:9/x",
        "http://localhost", "http://[::1]:80/a", "data:image/png;base64,AA", "about:blank",
        "blob:http://127.0.0.1:8000/1", "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex.js",
        "http://127.0.0.1.example.org/", "https://localhost.example.org/x", "ws://example.org/",
        "HTTPS://FONTS.GOOGLEAPIS.COM/css",
    ],
)
def test_only_requests_leaving_the_machine_are_intercepted(url: str):
    """The browser intercepts exactly the URLs `_is_local` calls outside (blocked, reported)."""
    from sitecheck import _OUTSIDE_URL, _is_local

    assert bool(_OUTSIDE_URL.search(url)) == (not _is_local(url))
