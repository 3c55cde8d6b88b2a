"""Shared pytest set-up.

Notebook kernels started by nbval inherit this environment, so hash-seeded ordering is the same as
when the saved outputs were made.

Figures are compared by what they show, not by their bytes: every chapter's figures carry a text
summary of their data (:mod:`medlead.figures`, as ``text/plain``), which nbval compares like any
other output, while the images themselves are left out of the comparison, because their bytes
change with the CPU's floating-point kernels though nothing they show does. nbval already leaves out
``image/png`` and ``image/jpeg`` of displayed figures; the glued ones carry the same images under
myst-nb's ``application/papermill.record/`` prefix. Every other output is compared strictly.
"""

import os

os.environ.setdefault("PYTHONHASHSEED", "0")

#: Image payloads left out of nbval's comparison (their figures' text summaries are compared).
IMAGE_MIME_TYPES: tuple[str, ...] = tuple(
    prefix + kind
    for prefix in ("", "application/papermill.record/")
    for kind in ("image/png", "image/jpeg", "image/svg+xml")
)


def pytest_collection_modifyitems(config, items):
    """Leave image bytes out of every notebook's output comparison (see the module docstring)."""
    for item in items:
        parent = item.parent
        skip = getattr(parent, "skip_compare", None)
        if skip is not None and type(parent).__name__ == "IPyNbFile":
            parent.skip_compare = tuple(skip) + tuple(
                mime for mime in IMAGE_MIME_TYPES if mime not in skip
            )
