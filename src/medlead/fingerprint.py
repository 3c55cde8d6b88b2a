"""Digests of the code and files a result was made from, to tell when it must be made again.

- ``package_files()`` lists every file of the installed ``medlead`` package (code, stopword list,
  schemas, the book's authored files), without compiled caches.
- ``files_digest(named)`` is one SHA-256 over named files, in name order.

Used by ``medlead.downloads`` (are the written downloads up to date?) and by the book's build
extension ``_ext/executions.py`` (was a notebook executed with this very package?).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

#: The folder of the ``medlead`` package that Python imported.
PACKAGE_DIR = Path(__file__).resolve().parent


def package_files() -> list[tuple[str, Path]]:
    """(name, path) of every file of the package, named ``medlead/<path inside it>``.

    Out: every file below :data:`PACKAGE_DIR` but those in ``__pycache__`` folders, so a change to
    any module, to ``stopwords.txt`` or to a schema changes :func:`files_digest` of the list.
    """
    return [
        ("medlead/" + path.relative_to(PACKAGE_DIR).as_posix(), path)
        for path in sorted(PACKAGE_DIR.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    ]


def files_digest(named: Iterable[tuple[str, Path]]) -> str:
    """SHA-256 (hex) over (name, path) pairs in name order: each name, then its file's bytes."""
    digest = hashlib.sha256()
    for name, path in sorted(named):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
