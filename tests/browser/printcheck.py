"""Print checks for the built book: does a page print on A4 with nothing cut at the right edge?

Used by `test_print.py`. A page is laid out as Chromium prints it (print media, a viewport as
wide as the printable width of an A4 page with the margins of `_static/print.css`), then every
element of the article is measured: an element that reaches past the printable width, or a box
that hides or scrolls content wider than itself, would lose that content on paper.
"""

from __future__ import annotations

import re

#: A4 in millimetres, and the side margins set by `_static/print.css` (`@page`, 12mm each side).
A4_WIDTH_MM = 210.0
SIDE_MARGIN_MM = 12.0
#: CSS pixels per millimetre (96 per inch).
PX_PER_MM = 96 / 25.4
#: The width a printed page lays its content out in, in CSS pixels.
PRINTABLE_WIDTH_PX = int((A4_WIDTH_MM - 2 * SIDE_MARGIN_MM) * PX_PER_MM)

#: Returns one description per element cut at the right edge (tag, id/class, text start, widths).
_OVERFLOW_JS = r"""
(limit) => {
  // the layout must be the printed one: fail loudly rather than measure the screen layout
  if (!matchMedia('print').matches || window.innerWidth !== limit) {
    throw new Error(`not laid out for print: print media ${matchMedia('print').matches}, `
      + `width ${window.innerWidth}px, expected ${limit}px`);
  }
  const root = document.querySelector('.bd-article') || document.querySelector('main')
    || document.body;
  const problems = [];
  const describe = (el) => {
    const cls = (el.className && el.className.baseVal === undefined) ? el.className : '';
    const text = (el.innerText || el.getAttribute('alt') || '').trim().slice(0, 60);
    return `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}`
      + `${cls ? '.' + String(cls).trim().split(/\s+/).join('.') : ''} "${text}"`;
  };
  for (const el of root.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    if (rect.right > limit + 1) {
      problems.push(`${describe(el)} reaches ${Math.round(rect.right)}px of ${limit}px`);
      continue;
    }
    const clips = ['hidden', 'auto', 'scroll', 'clip'].includes(style.overflowX);
    if (clips && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`${describe(el)} hides ${el.scrollWidth - el.clientWidth}px to the right`);
    }
  }
  // The first twenty are enough to find the cause (a cut table also cuts its cells).
  return problems.slice(0, 20);
}
"""


def cut_at_right_edge(page) -> list[str]:  # noqa: ANN001 (a Playwright page)
    """Descriptions of elements the printed page would cut at its right edge (empty: none).

    Lays the already loaded ``page`` out for print at :data:`PRINTABLE_WIDTH_PX` first.
    """
    page.emulate_media(media="print")
    page.set_viewport_size({"width": PRINTABLE_WIDTH_PX, "height": 1100})
    # No wait is needed: reading styles and boxes makes the browser lay the page out anew with
    # print media at the new width, which the script checks before it measures.
    return page.evaluate(_OVERFLOW_JS, PRINTABLE_WIDTH_PX)


def pdf_page_count(pdf: bytes) -> int:
    """The number of pages in a PDF that Chromium wrote (from its page tree's ``/Count``).

    Raises ValueError if the bytes are not a PDF with a page tree.
    """
    if not pdf.startswith(b"%PDF"):
        raise ValueError("Not a PDF: it does not start with %PDF.")
    counts = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf)]
    counts += [int(n) for n in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", pdf)]
    if not counts:
        pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
        if pages == 0:
            raise ValueError("No page tree found in the PDF.")
        return pages
    return max(counts)


def print_pdf(page) -> bytes:  # noqa: ANN001 (a Playwright page)
    """The page printed to PDF on A4 with the book's print styles (CSS page size and margins)."""
    page.emulate_media(media="print")
    return page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
