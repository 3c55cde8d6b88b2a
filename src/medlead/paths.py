"""Locations of the project's own files and of the download cache.

The package is installed in editable mode from the book's repository (``pip install -r
requirements.txt`` does this), so the authored data in ``data/`` sit two folders above this file.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Root of the book's repository (the folder holding ``_config.yml``).
PROJECT_ROOT: Path = Path(__file__).resolve().parents[2]

#: Data the project itself authors (timeline, source manifest, codebook, speaker roles...).
DATA_DIR: Path = PROJECT_ROOT / "data"


def cache_dir() -> Path:
    """Return the folder where downloaded source files are kept.

    ``$MEDLEAD_CACHE_DIR`` moves it; by default it is ``data/cache`` inside the repository,
    which is git-ignored. The folder is not created here.
    """
    configured = os.environ.get("MEDLEAD_CACHE_DIR")
    return Path(configured).expanduser().resolve() if configured else DATA_DIR / "cache"


def mirror_dir() -> Path | None:
    """Return the offline mirror folder named by ``$MEDLEAD_DATA_MIRROR``, or ``None``.

    The mirror's layout is the URL path of each file on its source (see ``data/sources.yml``).
    """
    configured = os.environ.get("MEDLEAD_DATA_MIRROR")
    return Path(configured).expanduser().resolve() if configured else None
