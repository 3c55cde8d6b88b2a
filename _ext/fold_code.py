"""Fold every notebook code cell's source away by default, one click to show it.

Most readers of the book are managers and clinicians who read the results, not the code. myst-nb
folds a cell's source when the cell carries the tag ``hide-input``: the source goes into a
``<details>`` element with a "Show code cell source" toggle, while outputs, figures and glued
numbers stay in view. Tagging every cell by hand would touch every notebook and be forgotten in
new ones, so this extension applies the same fold at build time to every code cell, unless:

- the cell carries the tag ``show-input`` (a cell whose code is the point: method sections that
  teach the code itself), or
- its source is already removed (``remove-input``) or already folded (``hide-input``,
  ``hide-cell``); a cell tagged ``hide-output`` gets its input folded too.

It runs as a post-transform just before myst-nb's own ``HideInputCells`` (priority 199), so the
folded cells are rendered by myst-nb exactly like hand-tagged ones. myst-nb names each toggle
``aria-label="Toggle hidden content"`` while it shows "Show code cell source", which axe-core
reports as a serious ``label-content-name-mismatch`` (speech users say what they see); the label
is dropped from the page body so the toggle is named by its visible text. Loaded from `_config.yml`
(`sphinx: local_extensions`); checked by `tests/test_fold_code.py` and the browser tests.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

#: Tag that keeps a cell's source open.
SHOW_TAG = "show-input"
#: How myst-nb's hide modes change when the input is folded as well.
_FOLDED_MODE = {None: "input", "output": "input+output"}
#: myst-nb's defaults, used if its configuration is not available.
_DEFAULT_PROMPTS = ("Show code cell {type}", "Hide code cell {type}")


def cell_tags(cell: nodes.Element) -> list[str]:
    """The tags of a myst-nb code-cell container (an empty list when it has none)."""
    metadata = cell.get("cell_metadata") or {}
    tags = metadata.get("tags") or []
    return [str(tag) for tag in tags]


def fold_cell(cell: nodes.Element, prompts: tuple[str, str] = _DEFAULT_PROMPTS) -> bool:
    """Mark one myst-nb code-cell container to have its source folded; True if it was changed.

    In: a ``nodes.container`` with ``nb_element == "cell_code"``. Out: the container gets the
    ``hide_mode`` that myst-nb gives a cell tagged ``hide-input`` (keeping a folded output folded)
    and the prompts, unless it is tagged ``show-input``, has no source shown, or is already folded.
    """
    if cell.get("nb_element") != "cell_code" or not cell.children:
        return False
    if SHOW_TAG in cell_tags(cell):
        return False
    if cell.children[0].get("nb_element") != "cell_code_source":
        return False  # source removed (remove-input): nothing to fold
    mode = cell.get("hide_mode")
    if mode not in _FOLDED_MODE:
        return False  # already folded (hide-input, hide-cell, input+output)
    cell["hide_mode"] = _FOLDED_MODE[mode]
    if mode is None:
        cell["prompt_show"], cell["prompt_hide"] = prompts
    cell["classes"].append("tag_hide-input")
    return True


class FoldCodeCells(SphinxPostTransform):
    """Give every code cell without ``show-input`` the ``hide-input`` fold (HTML only)."""

    default_priority = 190  # before myst_nb.sphinx_.HideInputCells (199) renders the folds
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        config = getattr(self.env, "mystnb_config", None)
        prompts = (
            (config.code_prompt_show, config.code_prompt_hide) if config else _DEFAULT_PROMPTS
        )
        for node in list(self.document.findall(nodes.container)):
            fold_cell(node, prompts)


#: myst-nb's toggle label that does not match the toggle's visible text.
MISMATCHED_LABEL = '<summary aria-label="Toggle hidden content">'


def name_toggles_by_text(body: str) -> str:
    """Drop myst-nb's fixed aria-label from fold toggles, so their visible text names them."""
    return body.replace(MISMATCHED_LABEL, "<summary>")


def _on_page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    if isinstance(context.get("body"), str):
        context["body"] = name_toggles_by_text(context["body"])


def setup(app: Sphinx) -> dict:
    app.add_post_transform(FoldCodeCells)
    app.connect("html-page-context", _on_page_context)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
