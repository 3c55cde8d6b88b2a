"""Small fixes to the HTML that Jupyter Book 1 writes, so pages load cleanly and pass axe-core.

Loaded from `_config.yml` (`sphinx: local_extensions: reader_fixes: _ext/`) and checked by the
browser tests in `tests/browser/`. Each fix works on every page, including chapters added later:

- Inline scripts added with `app.add_js_file(None, body=...)` (sphinx-thebe's configuration) are
  written twice by Sphinx 7.4, so the browser reports "Identifier 'THEBE_JS_URL' has already been
  declared" on every page. Duplicate scripts are dropped.
- Docutils marks each bibliography entry `role="doc-biblioentry"` inside a `role="list"` container;
  that role is deprecated in DPUB-ARIA 1.1 and is not a list item, so axe reports the critical
  violation `aria-required-children`. Entries get `role="listitem"` instead.
- In the sidebar, a chapter with sections gets an expand/collapse toggle (`<summary>`) that holds
  only an icon, so it has no accessible name (axe: `summary-name`, serious). Each such toggle is
  named after its chapter ("Sections of <chapter title>").
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from bs4 import BeautifulSoup, Tag
from sphinx.application import Sphinx


def _script_key(script: Any) -> tuple:
    filename = getattr(script, "filename", script) or ""
    attributes = tuple(sorted(getattr(script, "attributes", {}).items()))
    return (filename, attributes)


def drop_duplicate_scripts(script_files: list) -> None:
    """Remove later copies of the same script (same file or body, same attributes), in place."""
    seen: set[tuple] = set()
    kept = []
    for script in script_files:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            kept.append(script)
    script_files[:] = kept


def fix_body_roles(body: str) -> str:
    """Give bibliography entries a role that a `role="list"` container may hold."""
    return body.replace('role="doc-biblioentry"', 'role="listitem"')


def name_empty_summaries(soup: Tag) -> None:
    """Give every `<summary>` without text an aria-label naming its chapter, in place."""
    for summary in soup.find_all("summary"):
        if summary.get_text(strip=True) or summary.get("aria-label"):
            continue
        item = summary.find_parent("li")
        link = item.find("a", recursive=False) if item is not None else None
        title = link.get_text(" ", strip=True) if link is not None else ""
        summary["aria-label"] = f"Sections of {title}" if title else "Sections"


def named_toggles_html(html: str) -> str:
    """`name_empty_summaries` for an HTML string (keeps the string type, e.g. markupsafe.Markup)."""
    if "<summary" not in html:
        return html
    soup = BeautifulSoup(html, "html.parser")
    name_empty_summaries(soup)
    return type(html)(str(soup))


def _with_named_toggles(generate: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap the theme's sidebar generator so its toggles have accessible names."""

    @functools.wraps(generate)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = generate(*args, **kwargs)
        if isinstance(result, str):
            return named_toggles_html(result)
        if isinstance(result, Tag):
            name_empty_summaries(result)
        return result

    return wrapper


def _on_page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    if isinstance(context.get("script_files"), list):
        drop_duplicate_scripts(context["script_files"])
    if isinstance(context.get("body"), str):
        context["body"] = fix_body_roles(context["body"])
    if callable(context.get("generate_toctree_html")):
        context["generate_toctree_html"] = _with_named_toggles(context["generate_toctree_html"])


def setup(app: Sphinx) -> dict:
    # Late priority: run after the theme and other extensions have added their scripts.
    app.connect("html-page-context", _on_page_context, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
