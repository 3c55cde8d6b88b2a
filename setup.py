"""Build hook: ship the book's authored files inside the package.

The package reads, at run time, files the project authors in ``data/`` (source manifest, codebook,
speaker roles, timeline, ...) and ``references.bib``. In a checkout it reads them where they are
(see ``medlead.paths``); a built wheel carries copies in ``medlead/bookdata/``, so an installed
package needs nothing from the repository. The list of files is ``medlead.paths.BOOK_FILES``.
Everything else about the build is in ``pyproject.toml``.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def _book_files() -> tuple[str, ...]:
    """Read BOOK_FILES from medlead/paths.py without importing the package."""
    tree = ast.parse((ROOT / "src" / "medlead" / "paths.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "BOOK_FILES":
            return tuple(ast.literal_eval(node.value))
    raise RuntimeError("src/medlead/paths.py defines no BOOK_FILES")


class build_py_with_book_files(build_py):
    """Copy the authored files into ``medlead/bookdata/`` of the build (not in editable mode)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads them from the checkout
        target = Path(self.build_lib) / "medlead" / "bookdata"
        target.mkdir(parents=True, exist_ok=True)
        for name in _book_files():
            source = ROOT / name if name == "references.bib" else ROOT / "data" / name
            if not source.is_file():
                raise FileNotFoundError(f"{source} is missing: the package needs it to build")
            shutil.copyfile(source, target / name)


setup(cmdclass={"build_py": build_py_with_book_files})
