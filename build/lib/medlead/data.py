"""Fetch the book's public source files by name: pinned URL, SHA-256 check, cache, offline mirror.

Every file the book reads is listed in ``data/sources.yml`` with an id (``<family>/<file name>``),
a URL pinned to a commit, its SHA-256 and its size. :func:`fetch` returns a verified local copy:

1. a cached copy (in :func:`medlead.paths.cache_dir`) whose checksum matches is used as it is;
2. otherwise, when ``$MEDLEAD_DATA_MIRROR`` names a folder, the file is copied from
   ``<mirror>/<URL path>`` (the layout of a mirror of the source URLs);
3. otherwise it is downloaded from its URL.

Every copy or download is written to a partial file beside its place in the cache and moved into
place only once its SHA-256 matches (downloads use :mod:`pooch`'s HTTP downloader), so the cache
never holds a partial or corrupt file under a real name; partial files left by a killed process are
cleaned by the next fetch. Every failure is a :class:`DataError` that names the file and the fix.
"""

from __future__ import annotations

import os
import shutil
import time
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlparse

import yaml

from medlead import atomic, paths

MANIFEST_PATH: Path = paths.book_file("sources.yml")

# The C YAML loader, where PyYAML has it, reads the manifest several times faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _pooch():
    """Import pooch on first use (it is slow to import and not needed to read the manifest)."""
    with warnings.catch_warnings():
        # pooch imports tqdm.auto, which warns in notebooks without ipywidgets; no progress
        # bar is ever shown here.
        warnings.simplefilter("ignore")
        import pooch

    # pooch reports every download at INFO level; notebooks and tests should stay quiet.
    pooch.get_logger().setLevel("WARNING")
    return pooch


class DataError(Exception):
    """A source file is unknown, missing, truncated, corrupt or malformed.

    The message always names the file, what was expected and how to fix it.
    """


@dataclass(frozen=True)
class Source:
    """One pinned public source file, as listed in ``data/sources.yml``."""

    id: str
    family: str
    url: str
    sha256: str
    size: int
    contains: str = ""

    @property
    def url_path(self) -> str:
        """The URL's path without its leading slash, decoded (``%20`` becomes a space)."""
        return unquote(urlparse(self.url).path).lstrip("/")

    @property
    def file_name(self) -> str:
        return self.url_path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Family:
    """Metadata shared by every file of one source family (``families:`` in the manifest)."""

    name: str
    title: str
    publisher: str
    licence: str
    status: str  # "official" or "derived"
    description: str
    citation: tuple[str, ...]


FAMILY_FIELDS: tuple[str, ...] = (
    "title", "publisher", "licence", "status", "description", "citation"
)
STATUSES: tuple[str, ...] = ("official", "derived")


@lru_cache(maxsize=4)
def _load_yaml(path: Path) -> object:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except FileNotFoundError as exc:
        raise DataError(
            f"The source manifest {path} is missing; restore data/sources.yml from git."
        ) from exc
    except yaml.YAMLError as exc:
        raise DataError(f"The source manifest {path} is not valid YAML: {exc}") from exc


@lru_cache(maxsize=4)
def _read_families(path: Path) -> dict[str, Family]:
    raw = _load_yaml(path)
    entries = raw.get("families") if isinstance(raw, dict) else None
    if not isinstance(entries, dict):
        raise DataError(f"The source manifest {path} has no 'families:' mapping.")
    result: dict[str, Family] = {}
    for name, entry in entries.items():
        missing = [k for k in FAMILY_FIELDS if not isinstance(entry, dict) or k not in entry]
        if missing:
            raise DataError(f"Family {name!r} in {path} lacks {', '.join(missing)}.")
        if entry["status"] not in STATUSES:
            raise DataError(
                f"Family {name!r} in {path} has status {entry['status']!r}; "
                f"expected one of {', '.join(STATUSES)}."
            )
        citation = entry["citation"]
        result[str(name)] = Family(
            name=str(name),
            title=str(entry["title"]),
            publisher=str(entry["publisher"]),
            licence=str(entry["licence"]),
            status=str(entry["status"]),
            description=" ".join(str(entry["description"]).split()),
            citation=tuple(citation) if isinstance(citation, list) else (str(citation),),
        )
    return result


@lru_cache(maxsize=4)
def _read_manifest(path: Path) -> dict[str, Source]:
    raw = _load_yaml(path)
    entries = raw.get("files") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise DataError(f"The source manifest {path} has no 'files:' list.")
    sources: dict[str, Source] = {}
    for number, entry in enumerate(entries, start=1):
        missing = [k for k in ("id", "family", "url", "sha256", "size") if k not in entry]
        if missing:
            raise DataError(f"Entry {number} of {path} lacks {', '.join(missing)}.")
        source = Source(
            id=str(entry["id"]),
            family=str(entry["family"]),
            url=str(entry["url"]),
            sha256=str(entry["sha256"]).lower(),
            size=int(entry["size"]),
            contains=str(entry.get("contains", "")),
        )
        if source.id in sources:
            raise DataError(f"The id {source.id!r} appears twice in {path}.")
        sources[source.id] = source
    return sources


def manifest(path: Path | None = None) -> dict[str, Source]:
    """Return every source listed in the manifest, keyed by id."""
    return _read_manifest(Path(path) if path else MANIFEST_PATH)


def families(path: Path | None = None) -> dict[str, Family]:
    """Return the metadata of every source family (publisher, licence, status...), keyed by name."""
    return _read_families(Path(path) if path else MANIFEST_PATH)


def family(name: str) -> Family:
    """Return the metadata of one source family; raise :class:`DataError` if it is unknown."""
    known = families()
    if name not in known:
        raise DataError(
            f"No source family {name!r} in {MANIFEST_PATH}; known: {', '.join(sorted(known))}."
        )
    return known[name]


def source(source_id: str) -> Source:
    """Return the manifest entry for ``source_id``; raise :class:`DataError` if it is unknown."""
    sources = manifest()
    if source_id not in sources:
        close = [s for s in sources if source_id.split("/")[-1] in s][:5]
        hint = f" Did you mean one of: {', '.join(close)}?" if close else ""
        raise DataError(
            f"Unknown source id {source_id!r}: it is not listed in {MANIFEST_PATH}.{hint}"
        )
    return sources[source_id]


def source_ids(family: str) -> list[str]:
    """Return the ids of every file of one source family, in manifest order."""
    ids = [s.id for s in manifest().values() if s.family == family]
    if not ids:
        raise DataError(f"No source family {family!r} in {MANIFEST_PATH}.")
    return ids


def _cache_path(src: Source) -> Path:
    # The cache mirrors the URL path, so two files with the same name never collide.
    return paths.cache_dir() / src.url_path


def _cache_error(folder: Path, exc: OSError) -> DataError:
    """The one error for a cache folder that cannot be created or written to."""
    configured = "MEDLEAD_CACHE_DIR" in os.environ
    where = "set by $MEDLEAD_CACHE_DIR" if configured else "the default cache"
    return DataError(
        f"Cannot write to the data cache {folder} ({where}): {exc.strerror or exc}. "
        "Make the folder writable, or set MEDLEAD_CACHE_DIR to a folder you can write to "
        "(e.g. export MEDLEAD_CACHE_DIR=$HOME/medlead-cache)."
    )


def _copy_from_mirror(mirror: Path, src: Source, output: BinaryIO) -> None:
    """Copy the mirror's copy of ``src`` into the open file ``output``, checking its size first."""
    mirrored = mirror / src.url_path
    if not mirrored.is_file():
        raise DataError(
            f"{src.id}: not found in the data mirror at {mirrored}. "
            f"Check that $MEDLEAD_DATA_MIRROR ({mirror}) points at the mirror folder, "
            f"or unset it to download from {src.url}."
        )
    size = mirrored.stat().st_size
    if size != src.size:
        raise DataError(
            f"{src.id}: the mirror copy {mirrored} has {size:,} bytes, expected "
            f"{src.size:,} (truncated or replaced). Restore the file from {src.url}."
        )
    try:
        with mirrored.open("rb") as source_file:
            shutil.copyfileobj(source_file, output, length=1 << 20)
    except OSError as exc:
        if exc.filename is not None and Path(exc.filename) == mirrored:
            raise DataError(f"{src.id}: cannot read the mirror copy {mirrored}: {exc}") from exc
        raise


def _download(src: Source, temporary: Path) -> None:
    """Download ``src.url`` into ``temporary`` with pooch's HTTP downloader."""
    downloader = _pooch().HTTPDownloader(progressbar=False, timeout=60)
    try:
        downloader(src.url, str(temporary), None)
    except OSError as exc:
        if exc.filename is not None and Path(exc.filename) == temporary:
            raise  # the cache, not the network: reported by the caller
        raise _network_error(src, exc) from exc
    except Exception as exc:  # requests' errors: no route, refused, HTTP 404...
        raise _network_error(src, exc) from exc


def _network_error(src: Source, exc: BaseException) -> DataError:
    return DataError(
        f"{src.id}: could not download {src.url} ({type(exc).__name__}: {exc}). "
        "Without a network, set MEDLEAD_DATA_MIRROR to a folder holding a mirror of the "
        "source URLs (see README.md)."
    )


def fetch(source_id: str) -> Path:
    """Return the path of a verified local copy of the source file ``source_id``.

    In: an id from ``data/sources.yml`` (e.g. ``"asaria-panel/CQC_ratings.csv"``).
    Out: a :class:`pathlib.Path` to the cached file, whose SHA-256 matches the manifest.

    The file is copied (from the mirror) or downloaded into a partial file beside its place in
    the cache, checked, and only then moved into place, so the cache never holds a partial or
    corrupt file under the real name. Partial files left by a process that was killed are removed
    by the next fetch into the same folder (see :mod:`medlead.atomic`).

    Raises :class:`DataError` for an unknown id, a missing or truncated mirror file, a checksum
    mismatch, a failed download or a cache folder that cannot be written; nothing partial is left.
    """
    src = source(source_id)
    target = _cache_path(src)
    if target.is_file() and target.stat().st_size == src.size and _hash_ok(target, src):
        return target
    mirror = paths.mirror_dir()
    if mirror is not None and not mirror.is_dir():
        raise DataError(
            f"{src.id}: MEDLEAD_DATA_MIRROR names {mirror}, which is not a folder. Point it at "
            "the offline mirror (from the repository root: ../shared/data/mirror) or unset it "
            "to download."
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic.remove_stale_partials(target.parent)
        handle, temporary = atomic.open_partial(target)
    except OSError as exc:
        raise _cache_error(paths.cache_dir(), exc) from exc
    try:
        try:
            if mirror is not None:
                _copy_from_mirror(mirror, src, handle)
                handle.close()
            else:
                handle.close()
                _download(src, temporary)
        except OSError as exc:
            raise _cache_error(paths.cache_dir(), exc) from exc
        digest = _pooch().file_hash(str(temporary), alg="sha256")
        if digest != src.sha256:
            where = f"the mirror ({mirror / src.url_path})" if mirror else src.url
            raise DataError(
                f"{src.id}: the SHA-256 of the file from {where} does not match the manifest "
                f"({src.sha256}; got {digest}); the file was not kept. The source may have "
                "changed or the copy is corrupt: restore it, or update data/sources.yml only "
                "after checking the new file."
            )
        try:
            os.replace(temporary, target)
        except OSError as exc:
            raise _cache_error(paths.cache_dir(), exc) from exc
    finally:
        handle.close()
        temporary.unlink(missing_ok=True)
    _remember_verified(target, src)
    return target


#: Files whose hash was checked in this process: path -> (identity at the check, sha256).
_VERIFIED: dict[str, tuple[tuple[int, int, int, int, int], str]] = {}

#: A file whose status changed less than this long before its check is not remembered as verified
#: (file-system time stamps have coarse ticks; a change within one tick could keep the stamp).
_SETTLE_NS: int = 2_000_000_000


def _identity(stat: os.stat_result) -> tuple[int, int, int, int, int]:
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def _remember_verified(path: Path, src: Source) -> None:
    """Remember that ``path`` holds ``src``, unless it changed too recently to be sure.

    The status-change time (``ctime``) is kept with the size and modification time: any write,
    truncation or ``utime`` call moves it to the current time, which no program can set back, so
    a file changed after its check never matches the remembered identity. A file changed within
    the last :data:`_SETTLE_NS` is hashed again next time instead (as git does for "racily clean"
    files), so a change within one tick of the file system's clock cannot hide either.
    """
    stat = path.stat()
    if time.time_ns() - stat.st_ctime_ns > _SETTLE_NS:
        _VERIFIED[str(path)] = (_identity(stat), src.sha256)
    else:
        _VERIFIED.pop(str(path), None)


def _hash_ok(path: Path, src: Source) -> bool:
    """Check a cached file's SHA-256, reusing a check made in this process on the same file."""
    remembered = _VERIFIED.get(str(path))
    if remembered == (_identity(path.stat()), src.sha256):
        return True
    if _pooch().file_hash(str(path), alg="sha256") != src.sha256:
        _VERIFIED.pop(str(path), None)
        return False
    _remember_verified(path, src)
    return True
