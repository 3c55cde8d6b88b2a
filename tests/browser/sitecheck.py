"""Check the built book the way a reader's browser meets it.

The pieces here are used by the browser tests (``test_site.py``) and by the tests that break a
copy of the site on purpose (``test_checker_catches_breakage.py``), so both run the same checks:

- ``serve(directory)`` serves a built site on 127.0.0.1 on a free port.
- ``launch_chromium(playwright)`` starts Debian's Chromium headless (never a downloaded browser).
- ``visit_all(context, urls)`` loads pages in one browser profile, several at once, blocks and
  records every request that would leave the machine, and returns what the reader's browser saw
  on each: console errors, failed requests, links, images with their alt text, whether maths was
  typeset, axe-core's findings (axe runs only the rules that can report a serious or critical
  problem) and what printing on A4 would cut.
- ``problems(visit, resources)`` turns a visit into readable problems, grouped by kind.
- ``toc_docnames(repo_root)`` lists the book's pages from ``_toc.yml`` (never hard-coded).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import posixpath
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html
from printcheck import cut_at_right_edge

HERE = Path(__file__).resolve().parent
#: The repository root (holding `_toc.yml`).
REPO_ROOT = HERE.parents[1]
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("MEDLEAD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
#: axe-core impact levels that fail the book.
BLOCKING_IMPACTS = {"serious", "critical"}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".bmp", ".pdf")
#: Alt texts that name the kind of thing instead of saying what it shows.
GENERIC_ALT = {
    "alt", "alt text", "chart", "diagram", "fig", "figure", "graph", "image", "img", "output",
    "photo", "picture", "plot", "png", "screenshot", "svg", "untitled",
}  # fmt: skip
PROBLEM_KINDS = (
    "console errors",
    "failed requests",
    "outside requests",
    "broken links",
    "broken images",
    "alt text",
    "maths not typeset",
    "accessibility",
)


# ----------------------------------------------------------------------------------------- pages


def toc_docnames(repo_root: Path) -> list[str]:
    """Docnames of every page in the book's ``_toc.yml``, in table-of-contents order.

    In: the repository root (holding ``_toc.yml``).
    Out: e.g. ``["book/index", "notebooks/history"]``.
    """
    from sphinx_external_toc.parsing import parse_toc_yaml

    site_map = parse_toc_yaml(repo_root / "_toc.yml")
    return list(site_map.keys())


def html_path(docname: str) -> str:
    """The site-relative path of a docname's page (``book/index`` -> ``book/index.html``)."""
    return f"{docname}.html"


# ---------------------------------------------------------------------------------------- server


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib signature)
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 on a free port; yield its base URL (ending in ``/``)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --------------------------------------------------------------------------------------- browser


def launch_chromium(playwright):  # noqa: ANN001, ANN201 (playwright types are optional here)
    """Launch Debian's Chromium headless through Playwright.

    Raises FileNotFoundError with the install command if the browser is missing.
    """
    if not Path(CHROMIUM).exists():
        raise FileNotFoundError(
            f"Chromium not found at {CHROMIUM}. Install Debian's package: "
            "apt-get install -y --no-install-recommends chromium "
            "(never `playwright install`), or set MEDLEAD_CHROMIUM to its path."
        )
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, proxy=NO_WAY_OUT
    )


#: Every request that would leave the machine goes to a proxy that is not there (a closed port on
#: 127.0.0.1), so it fails at once without reaching the network; the site's own requests to
#: 127.0.0.1 go direct. Blocking them in the network layer costs nothing per request, where
#: intercepting every request in the browser's driver took a tenth of the browser tests' time.
NO_WAY_OUT = {"server": "http://127.0.0.1:9", "bypass": "127.0.0.1,localhost,[::1]"}

#: URLs of requests that would leave the machine: any scheme but data:, blob: and about:, to a
#: host other than 127.0.0.1, localhost or [::1] (the same rule as ``_is_local``; a test checks).
_OUTSIDE_URL = re.compile(
    r"^(?!(?:data|blob|about):)(?![a-z][a-z0-9+.-]*://(?:127\.0\.0\.1|localhost|\[::1\])(?:[:/?#]|$))",
    re.IGNORECASE,
)


def _is_local(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname in LOCAL_HOSTS or f"[{parts.hostname}]" in LOCAL_HOSTS


@dataclass
class PageVisit:
    """What the browser saw on one page."""

    url: str
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    maths: dict = field(default_factory=dict)
    axe_violations: list[dict] = field(default_factory=list)
    axe_rules: list[str] = field(default_factory=list)
    title: str = ""
    #: Elements cut at the right edge when the page is printed on A4 (``printcheck``); None when
    #: the visit did not lay the page out for print.
    print_cut: list[str] | None = None
    #: Requests started and not yet finished or failed, and how many have started in all (kept
    #: by the listeners of ``_open``, to tell when the page has gone quiet).
    in_flight: set = field(default_factory=set, repr=False, compare=False)
    requests_started: int = 0
    #: Removes the visit's listeners from its page (set by ``_open``).
    detach: object = field(default=None, repr=False, compare=False)


_COLLECT_JS = """
() => {
  const here = location.origin;
  const links = [...document.querySelectorAll('a[href]')]
    .map(a => a.href)
    .filter(h => { try { return new URL(h).origin === here; } catch (e) { return false; } });
  const images = [...document.images].map(img => ({
    src: img.currentSrc || img.src,
    attr_src: img.getAttribute('src'),
    alt: img.getAttribute('alt'),
    content: !!img.closest('article, .bd-article, main'),
    decorative: img.getAttribute('role') === 'presentation'
      || img.getAttribute('aria-hidden') === 'true',
    html: img.outerHTML.slice(0, 200),
  }));
  const maths = {
    expected: document.querySelectorAll('.math').length,
    typeset: [...document.querySelectorAll('.math')]
      .filter(e => e.querySelector('mjx-container')).length,
  };
  return {links, images, maths, title: document.title};
}
"""

#: Runs axe-core with only the rules that can report a blocking (serious or critical) impact: a
#: rule's impact is its own, if it sets one, else the highest impact among its checks that fail.
#: Rules that can only be minor or moderate are never run (they could not fail a test); the
#: others are those axe runs by default (enabled, not experimental). The result is kept in
#: ``window.__medleadAxe``, so axe can start on several pages before the first result is read.
_AXE_START_JS = """
() => {
  const audit = axe._audit, blocking = ['serious', 'critical'];
  const canBlock = rule => rule.impact ? blocking.includes(rule.impact)
    : [...rule.any, ...rule.all, ...rule.none].some(check => {
        const id = typeof check === 'string' ? check : check.id;
        const impact = (audit.data.checks[id] || {}).impact;
        return !impact || blocking.includes(impact);
      });
  // the rules axe.run picks by default: enabled, and not tagged experimental or deprecated
  const byDefault = rule => rule.enabled !== false
    && !rule.tags.some(tag => (audit.tagExclude || []).includes(tag));
  const rules = audit.rules.filter(rule => byDefault(rule) && canBlock(rule)).map(rule => rule.id);
  // started from a timer, so this call returns at once and axe works while others are started
  window.__medleadAxe = new Promise(resolve => setTimeout(resolve, 0))
    .then(() => axe.run(document, {runOnly: {type: 'rule', values: rules},
                                   resultTypes: ['violations']}))
    .then(r => ({rules, violations: r.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
    }))}));
}
"""
_AXE_RESULT_JS = "() => window.__medleadAxe"


#: How long a page must go without a request in flight before it counts as settled (ms).
QUIET_MS = 100


#: How many pages one tab visits before a new tab replaces it: a tab's renderer process keeps
#: memory from page to page (over 1 GiB after all the book's pages in one tab).
TAB_PAGES = int(os.environ.get("MEDLEAD_TAB_PAGES", 4))
#: The window every visit starts in (a print check changes it; the next visit restores it).
VIEWPORT = {"width": 1280, "height": 900}


def _open(page, url: str) -> PageVisit:  # noqa: ANN001
    """Open ``url`` in the tab ``page`` (first set back to screen media and the standard window)
    with every listener in place; do not wait for it to load. Returns the visit its listeners
    fill in; the visit's ``detach()`` removes the listeners, so that the tab can go on to another
    page."""
    result = PageVisit(url=url)
    page.goto("about:blank")  # leave the last page first, so that it is not laid out again
    page.emulate_media(media="screen")
    page.set_viewport_size(VIEWPORT)

    def on_console(message) -> None:  # noqa: ANN001
        if message.type == "error":
            where = message.location.get("url", "") if message.location else ""
            result.console_errors.append(f"{message.text} ({where})")

    def on_page_error(error) -> None:  # noqa: ANN001
        result.console_errors.append(f"uncaught: {error}")

    def on_request(request) -> None:  # noqa: ANN001
        result.in_flight.add(request)
        result.requests_started += 1
        if _OUTSIDE_URL.search(request.url):  # blocked by NO_WAY_OUT; recorded here
            result.outside_requests.append(request.url)

    def on_request_done(request) -> None:  # noqa: ANN001
        result.in_flight.discard(request)

    def on_request_failed(request) -> None:  # noqa: ANN001
        on_request_done(request)
        if _is_local(request.url):
            result.failed_requests.append(f"{request.url}: {request.failure}")

    def on_response(response) -> None:  # noqa: ANN001
        if response.status >= 400:
            result.failed_requests.append(f"{response.url}: HTTP {response.status}")

    listeners = {
        "console": on_console, "pageerror": on_page_error, "request": on_request,
        "requestfinished": on_request_done, "requestfailed": on_request_failed,
        "response": on_response,
    }  # fmt: skip
    for event, listener in listeners.items():
        page.on(event, listener)

    def detach() -> None:
        for event, listener in listeners.items():
            page.remove_listener(event, listener)

    result.detach = detach
    try:
        page.goto(url, wait_until="commit", timeout=60_000)
    except Exception:
        detach()
        raise
    return result


def _load(page, result: PageVisit) -> None:  # noqa: ANN001
    """Wait until the page has loaded and MathJax (where the page has it) has typeset it."""
    page.wait_for_load_state("load", timeout=60_000)
    page.evaluate(
        "async () => { if (window.MathJax && MathJax.startup && MathJax.startup.promise)"
        " { await MathJax.startup.promise; } await document.fonts.ready; }"
    )


def _wait_until_quiet(pages: list[tuple[object, PageVisit]], timeout_s: float = 60.0) -> None:
    """Wait until none of ``pages`` has had a request in flight for :data:`QUIET_MS`.

    Every request a page starts is seen (the listeners of :func:`_open`), so a request started
    late, by a script or a font, is waited for and any failure of it recorded.
    Raises TimeoutError naming a page that never went quiet.
    """
    if not pages:
        return
    deadline = time.monotonic() + timeout_s
    pump = pages[0][0].wait_for_timeout  # waiting on one page lets every page's listeners run
    while True:
        started = [result.requests_started for _page, result in pages]
        busy = [result for _page, result in pages if result.in_flight]
        if busy:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{busy[0].url}: requests still in flight after {timeout_s} s")
            pump(20)
            continue
        pump(QUIET_MS)
        if [result.requests_started for _page, result in pages] == started and not any(
            result.in_flight for _page, result in pages
        ):
            return


def _collect(page, result: PageVisit) -> None:  # noqa: ANN001
    """Record the settled page's links, images, maths and title."""
    collected = page.evaluate(_COLLECT_JS)
    result.links = collected["links"]
    result.images = collected["images"]
    result.maths = collected["maths"]
    result.title = collected["title"]


def _start_axe(page) -> None:  # noqa: ANN001
    """Start axe-core on the page (added first, unless the tab already adds it to every page)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    page.evaluate(_AXE_START_JS)


def _finish_axe(page, result: PageVisit) -> None:  # noqa: ANN001
    found = page.evaluate(_AXE_RESULT_JS)
    result.axe_rules = found["rules"]
    result.axe_violations = found["violations"]


def _check_print(page, result: PageVisit) -> None:  # noqa: ANN001
    """Lay the page out as it prints on A4 and record what would be cut at the right edge.

    Runs last: it switches the page to print media and the printable width.
    """
    result.print_cut = cut_at_right_edge(page)


def visit_all(context, urls: list[str], parallel: int = 4) -> dict[str, PageVisit | Exception]:  # noqa: ANN001
    """Load every URL in new tabs of the Playwright browser ``context`` (a profile), ``parallel``
    pages at once, and record what the reader's browser saw (:class:`PageVisit`): wait until the
    page has loaded, gone quiet and been typeset, collect its links, images and maths, run
    axe-core, and lay it out for print (:func:`_check_print`). Every request to a host other
    than 127.0.0.1/localhost is blocked and recorded, so a page that would fetch something from
    outside shows up as an outside request rather than hanging.

    One profile serves every page, with ``parallel`` tabs that each go from page to page as a
    reader's would: the tab's renderer process and the profile's caches serve all its pages.
    Measured here, tabs in separate profiles took about a sixth more processor time, and a new tab
    of a new profile for every page about twice as much. The checks lose nothing by it: each
    visit has its own listeners, and a request that fails or leaves the machine is never cached,
    so every page that makes it still reports it. Pages go in batches of ``parallel``, one per
    tab: all start loading together, then each is waited for, then axe-core starts on all of
    them before the first result is read, so loading, rendering and axe of different pages
    overlap (each tab has its own renderer process). Each page is then laid out for print on the
    same visit, so the print checks need no second load. A page that cannot be visited maps to
    the exception raised, so one bad page does not hide the others. The tabs are closed at the
    end; the profile is left open.
    """
    results: dict[str, PageVisit | Exception] = {}
    parallel = max(1, min(parallel, len(urls)))
    tabs = [_new_tab(context) for _ in range(parallel)]
    try:
        for batch, first in enumerate(range(0, len(urls), parallel)):
            if batch and batch % TAB_PAGES == 0:  # a new tab now and then: memory stays low
                for tab in tabs:
                    tab.close()
                tabs = [_new_tab(context) for _ in range(parallel)]
            _visit_batch(tabs, urls[first:first + parallel], results)
    finally:
        for tab in tabs:
            tab.close()
    return results


def _new_tab(context):  # noqa: ANN001, ANN202
    """A new tab of ``context`` that has axe-core in every page it loads, from the page's start
    (no copy of axe added to each page afterwards)."""
    tab = context.new_page()
    tab.add_init_script(path=str(AXE_JS))
    return tab


def _visit_batch(tabs: list, urls: list[str], results: dict) -> None:
    """Visit ``urls`` (at most one per tab) side by side; see :func:`visit_all`."""
    batch: list[tuple[str, object, PageVisit]] = []
    for tab, url in zip(tabs, urls, strict=False):
        try:
            result = _open(tab, url)
        except Exception as error:  # noqa: BLE001 (reported per page by the tests)
            results[url] = error
            continue
        batch.append((url, tab, result))

    def each(step) -> None:  # noqa: ANN001
        for url, page, result in batch:
            if url in results:
                continue  # this page failed an earlier step
            try:
                step(page, result)
            except Exception as error:  # noqa: BLE001 (reported per page by the tests)
                results[url] = error

    each(_load)
    try:
        _wait_until_quiet([(page, result) for url, page, result in batch if url not in results])
    except TimeoutError as error:
        for url, _page, result in batch:
            if result.in_flight:
                results.setdefault(url, error)
    for step in (_collect, lambda page, _result: _start_axe(page), _finish_axe, _check_print):
        each(step)
    for url, _page, result in batch:
        results.setdefault(url, result)
        result.detach()


# ---------------------------------------------------------------------------------- judgements


def alt_text_problem(alt: str | None, src: str) -> str | None:
    """Why ``alt`` is not meaningful alt text for the image at ``src``, or None if it is acceptable.

    Rejects: a missing or empty alt, a file path, file name or URL (what Sphinx and myst-nb write
    when no alt is given), the image's own file name, and one-word labels such as "figure".
    """
    if alt is None:
        return "no alt attribute"
    text = alt.strip()
    if not text:
        return "empty alt text"
    lowered = text.lower()
    src_name = posixpath.basename(urllib.parse.urlsplit(src).path).lower()
    if (
        lowered.endswith(IMAGE_SUFFIXES)
        or lowered.startswith(("http:", "https:", "data:", "file:", "../", "./", "/", "_images"))
        or (src_name and lowered == src_name)
        or ("/" in text and " " not in text)
        or ("\\" in text and " " not in text)
    ):
        return f"alt text is a file path or name ({text!r})"
    if lowered.startswith("<figure size") or lowered.startswith("<matplotlib"):
        return f"alt text is a Python repr ({text!r})"
    if re.fullmatch(r"[\W_]*([a-z ]+?)[\s\d.:_-]*", lowered) and (
        re.sub(r"[\W\d_]+", " ", lowered).strip() in GENERIC_ALT
    ):
        return f"alt text names no content ({text!r})"
    if len(text.split()) < 2:
        return f"alt text too short to describe the image ({text!r})"
    return None


class ResourceChecker:
    """Fetches site URLs once each (only on 127.0.0.1) to check they exist and hold an anchor."""

    def __init__(self) -> None:
        self._status: dict[str, tuple[int, str, bytes]] = {}
        self._ids: dict[str, set[str]] = {}

    def fetch(self, url: str) -> tuple[int, str, bytes]:
        """(HTTP status, content type, body) for a local URL without its fragment."""
        url = urllib.parse.urldefrag(url)[0]
        if not _is_local(url):
            raise ValueError(f"refusing to fetch a non-local URL: {url}")
        if url not in self._status:
            try:
                with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (local only)
                    self._status[url] = (
                        response.status,
                        response.headers.get_content_type(),
                        response.read(),
                    )
            except urllib.error.HTTPError as error:
                self._status[url] = (error.code, "", b"")
        return self._status[url]

    def anchors(self, url: str) -> set[str]:
        """Every ``id`` (and ``<a name>``) in the HTML page at ``url``."""
        url = urllib.parse.urldefrag(url)[0]
        if url not in self._ids:
            status, content_type, body = self.fetch(url)
            ids: set[str] = set()
            if status == 200 and content_type == "text/html" and body.strip():
                tree = lxml.html.fromstring(body)
                ids = {str(v) for v in tree.xpath("//@id | //a/@name")}
            self._ids[url] = ids
        return self._ids[url]

    def link_problem(self, url: str) -> str | None:
        """Why the internal link ``url`` does not resolve, or None if it does."""
        base, fragment = urllib.parse.urldefrag(url)
        if urllib.parse.urlsplit(base).query:
            base = base.split("?", 1)[0]
        status, content_type, _ = self.fetch(base)
        if status != 200:
            return f"{url}: HTTP {status}"
        fragment = urllib.parse.unquote(fragment)
        if fragment and content_type == "text/html" and fragment not in self.anchors(base):
            return f"{url}: no element with id {fragment!r} on the target page"
        return None

    def image_problem(self, src: str) -> str | None:
        """Why the image at ``src`` cannot be shown, or None if it is served as an image."""
        if urllib.parse.urlsplit(src).scheme == "data":
            return None
        if not _is_local(src):
            return f"{src}: image from outside the site"
        status, content_type, body = self.fetch(src)
        if status != 200:
            return f"{src}: HTTP {status}"
        if not (content_type.startswith("image/") or content_type == "application/pdf") or not body:
            return f"{src}: served as {content_type or 'nothing'}, not an image"
        return None


def problems(result: PageVisit, resources: ResourceChecker) -> dict[str, list[str]]:
    """Every problem found on one visited page, grouped by kind (see ``PROBLEM_KINDS``)."""
    found: dict[str, list[str]] = {kind: [] for kind in PROBLEM_KINDS}
    found["console errors"] = list(result.console_errors)
    found["failed requests"] = list(result.failed_requests)
    found["outside requests"] = list(result.outside_requests)
    for link in sorted(set(result.links)):
        if (why := resources.link_problem(link)) is not None:
            found["broken links"].append(why)
    for image in result.images:
        if (why := resources.image_problem(image["src"])) is not None:
            found["broken images"].append(why)
        if image["content"] and not image["decorative"]:
            if (why := alt_text_problem(image["alt"], image["src"])) is not None:
                found["alt text"].append(f"{image['attr_src']}: {why}")
    expected, typeset = result.maths.get("expected", 0), result.maths.get("typeset", 0)
    if expected and typeset < expected:
        found["maths not typeset"].append(
            f"{expected} maths elements, {typeset} typeset by MathJax"
        )
    for violation in result.axe_violations:
        if violation["impact"] in BLOCKING_IMPACTS:
            found["accessibility"].append(
                f"{violation['impact']} {violation['id']} ({violation['help']}) at "
                + "; ".join(violation["targets"])
            )
    return found


def report(page: str, found: dict[str, list[str]], kinds: tuple[str, ...] = PROBLEM_KINDS) -> str:
    """A readable multi-line report of the problems of the given kinds on one page."""
    lines = [f"{page}:"]
    for kind in kinds:
        for item in found.get(kind, []):
            lines.append(f"  [{kind}] {item}")
    return "\n".join(lines)
