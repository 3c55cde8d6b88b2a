"""Write the book's downloadable data files before Sphinx reads the pages.

On ``builder-inited`` this calls :func:`medlead.downloads.write_downloads` with the folder
``_build/downloads`` of the book (beside ``_build/html``), so the Data appendix's ``{download}``
links find their files and Sphinx copies them into the site. The files are computed from the
pinned sources by the package (nothing derived is committed) and rewritten only when the
package's code or the project's data files change.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

#: Where the files are written, relative to the book's source folder (the repository root).
DOWNLOADS = Path("_build") / "downloads"

logger = logging.getLogger(__name__)


def _write(app: Sphinx) -> None:
    from medlead.downloads import write_downloads

    folder = Path(app.srcdir) / DOWNLOADS
    written = write_downloads(folder, log=logger.info)
    logger.info("medlead.downloads: %d files in %s", len(written), folder)


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", _write)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
