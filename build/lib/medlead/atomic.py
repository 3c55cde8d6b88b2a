"""Atomic file writes: a file is either absent, or complete; never half-written.

Every cache and export the package writes goes through here. The data go to a *partial file* in the
target's own folder (so the final move never crosses file systems), which is moved into place with
:func:`os.replace` only once it is complete; on any failure the partial file is removed.

A process killed mid-write (``kill -9``, a power cut) cannot remove its partial file, so partial
files are named ``.<target name>.partial-<host>-<pid>-<random>``: the next write or fetch into the
same folder (:func:`remove_stale_partials`) removes those whose process, on this host, has ended,
and any older than a day.
"""

from __future__ import annotations

import os
import pickle
import re
import secrets
import socket
import time
from pathlib import Path
from typing import BinaryIO

#: How long a partial file of a process that may still run (another host's) is kept.
STALE_AFTER_SECONDS: float = 24 * 3600

_PARTIAL = re.compile(r"^\..+\.partial-(?P<host>[A-Za-z0-9_-]*)-(?P<pid>\d+)-[0-9a-f]{8}$")


def _host() -> str:
    """This host's name, reduced to the characters allowed in a partial file's name."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", socket.gethostname())[:40]


def partial_name(target: str | Path) -> str:
    """The name of a new partial file for ``target`` (in the same folder)."""
    target = Path(target)
    return f".{target.name}.partial-{_host()}-{os.getpid()}-{secrets.token_hex(4)}"


def open_partial(target: str | Path) -> tuple[BinaryIO, Path]:
    """Create a new, empty partial file beside ``target``; return it open for writing, and its path.

    The target's folder must exist. Raises :class:`OSError` when the folder cannot be written.
    """
    target = Path(target)
    temporary = target.parent / partial_name(target)
    handle = open(temporary, "xb")  # noqa: SIM115 - the caller closes it
    return handle, temporary


def _process_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_partials(folder: str | Path) -> list[Path]:
    """Remove partial files in ``folder`` left by processes that ended; return what was removed.

    A partial file is stale when it was made on this host by a process that is no longer
    running, or when it is older than :data:`STALE_AFTER_SECONDS` (made on another host sharing
    the folder, or by a process whose number has since been reused). Files that are not partial
    files are never touched; a partial file that vanishes meanwhile is ignored.
    """
    folder = Path(folder)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return removed
    host, now = _host(), time.time()
    for entry in entries:
        match = _PARTIAL.match(entry.name)
        if not match or not entry.is_file(follow_symlinks=False):
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except FileNotFoundError:
            continue
        ended = match["host"] == host and not _process_running(int(match["pid"]))
        if ended or age > STALE_AFTER_SECONDS:
            try:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
            except FileNotFoundError:
                pass
    return removed


def write_bytes_atomically(target: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically (creating its folder); return the target path."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(target.parent)
    handle, temporary = open_partial(target)
    try:
        with handle:
            handle.write(data)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target


def write_text_atomically(target: str | Path, text: str) -> Path:
    """Write ``text`` as UTF-8, line ends unchanged, to ``target`` atomically; return the path."""
    return write_bytes_atomically(target, text.encode("utf-8"))


def pickle_atomically(obj: object, target: str | Path) -> Path:
    """Pickle ``obj`` (e.g. a DataFrame, readable with ``pandas.read_pickle``) to ``target``."""
    return write_bytes_atomically(target, pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
