"""Atomic file writes: a file is either absent, or complete; never half-written.

Every cache and export the package writes goes through here. The data go to a temporary file in
the target's own folder (so the final move never crosses file systems), which is moved into place
with :func:`os.replace` only once it is complete; on any failure the temporary file is removed.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path


def write_bytes_atomically(target: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically (creating its folder); return the target path."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".part"
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def write_text_atomically(target: str | Path, text: str) -> Path:
    """Write ``text`` as UTF-8, line ends unchanged, to ``target`` atomically; return the path."""
    return write_bytes_atomically(target, text.encode("utf-8"))


def pickle_atomically(obj: object, target: str | Path) -> Path:
    """Pickle ``obj`` (e.g. a DataFrame, readable with ``pandas.read_pickle``) to ``target``."""
    return write_bytes_atomically(target, pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
