"""Where the package finds the book's own files, the download cache and the offline mirror.

The package works in two settings, and finds its files in each without being told:

- **In the book's checkout** (``pip install -r requirements.txt`` installs it editable from
  ``src/``): the authored files are read where their authors edit them, in the repository's
  ``data/`` folder (and ``references.bib`` at its root), and downloads are cached in ``data/cache``.
- **Installed as a package** (``pip install`` of the repository, or of a wheel): the same files ship
  inside the package as package data (``medlead/bookdata/``, copied there when the wheel is built)
  and are read through :mod:`importlib.resources`; downloads are cached in the user's cache folder
  (``~/.cache/medlead`` on Linux, the platform's equivalent elsewhere), never inside
  ``site-packages``.

``$MEDLEAD_CACHE_DIR`` moves the cache in both settings; ``$MEDLEAD_DATA_MIRROR`` names an offline
mirror of the source files (see ``data/sources.yml``).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

#: The folder of the installed package (``src/medlead`` in a checkout).
PACKAGE_DIR: Path = Path(__file__).resolve().parent

#: The files the package reads at run time, besides its own code (all authored by the project).
BOOK_FILES: tuple[str, ...] = (
    "sources.yml",
    "codebook.yml",
    "speakers.csv",
    "timeline.csv",
    "panel_dictionary.csv",
    "manual_sample.csv",
    "manual_codes.csv",
    "references.bib",
)


def _checkout_root() -> Path | None:
    """The book's repository root when the package runs from its ``src/`` folder, else ``None``.

    A checkout is recognised by its ``_config.yml`` and ``data/sources.yml`` two folders above
    the package, so an installed copy in ``site-packages`` is never mistaken for one.
    """
    root = PACKAGE_DIR.parents[1]
    if (root / "_config.yml").is_file() and (root / "data" / "sources.yml").is_file():
        return root
    return None


#: Root of the book's repository (the folder holding ``_config.yml``), or ``None`` when installed.
PROJECT_ROOT: Path | None = _checkout_root()

#: Where the authored files are: ``data/`` in a checkout, the package's ``bookdata/`` otherwise.
DATA_DIR: Path = (
    PROJECT_ROOT / "data" if PROJECT_ROOT else Path(str(resources.files("medlead") / "bookdata"))
)


def book_file(name: str) -> Path:
    """Return the path of one of the package's authored files (see :data:`BOOK_FILES`).

    In: a file name such as ``"codebook.yml"``. Out: its path, in the checkout's ``data/`` folder
    (``references.bib`` at the checkout's root) or in the installed package's data. The file is
    not opened here; callers report a missing file in their own words.
    """
    if name not in BOOK_FILES:
        raise ValueError(f"{name!r} is not one of the book's files: {', '.join(BOOK_FILES)}")
    if PROJECT_ROOT is not None and name == "references.bib":
        return PROJECT_ROOT / name
    return DATA_DIR / name


def default_cache_dir() -> Path:
    """The cache folder used when ``$MEDLEAD_CACHE_DIR`` is not set.

    ``data/cache`` in a checkout (git-ignored); otherwise the per-user cache folder that
    :mod:`platformdirs` gives for ``medlead`` (``$XDG_CACHE_HOME/medlead`` or
    ``~/.cache/medlead`` on Linux, ``~/Library/Caches/medlead`` on macOS,
    ``%LOCALAPPDATA%\\medlead\\Cache`` on Windows).
    """
    if PROJECT_ROOT is not None:
        return PROJECT_ROOT / "data" / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir("medlead", appauthor=False))


def cache_dir() -> Path:
    """Return the folder where downloaded source files and derived tables are kept.

    ``$MEDLEAD_CACHE_DIR`` moves it; otherwise :func:`default_cache_dir`. Not created here.
    """
    configured = os.environ.get("MEDLEAD_CACHE_DIR")
    return Path(configured).expanduser().resolve() if configured else default_cache_dir()


def mirror_dir() -> Path | None:
    """Return the offline mirror folder named by ``$MEDLEAD_DATA_MIRROR``, or ``None``.

    The mirror's layout is the URL path of each file on its source (see ``data/sources.yml``).
    """
    configured = os.environ.get("MEDLEAD_DATA_MIRROR")
    return Path(configured).expanduser().resolve() if configured else None
