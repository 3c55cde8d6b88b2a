"""Which notebooks this build executed, and with exactly what, so the tests need not run them again.

The build executes every notebook (myst-nb, through jupyter-cache, which keeps each executed
notebook in ``_build/.jupyter_cache``). The README's test command must check that every notebook
re-executes to the outputs saved in it; when the build has just done that execution, with the same
code, data, installed packages and environment, the tests compare the build's outputs with the
saved ones (with nbval's own comparison, see ``conftest.py``) instead of executing the notebook a
second time.

That is only safe if the build's execution is known to be current, and jupyter-cache cannot tell:
it keys a notebook on its code cells alone, so after a change to the ``medlead`` package a rebuild
serves outputs made with the old code. So this extension keeps, for every notebook executed during
a build, a fingerprint of everything that execution depended on (:func:`fingerprint`):

- the notebook's code cells and their tags, and the kernel it names;
- every file of the imported ``medlead`` package and of the project's authored ``data/`` (the source
  files themselves are pinned by checksum in ``data/sources.yml``), and ``references.bib``;
- the Python version, the platform and processor, every installed distribution and its version,
  and the environment variables that change results (hash seed, BLAS and thread settings, locale,
  time zone).

The records go to ``_build/executions.json``. The tests use a record only if its fingerprint equals
the one computed at test time and the executed notebook is the very file recorded (SHA-256);
anything else, including a missing record, means the notebook is executed again by nbval. When a
rebuild shows a notebook from jupyter-cache whose recorded execution used other code or data, the
build warns: its pages show stale outputs until ``_build/.jupyter_cache`` is removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import sys
from pathlib import Path

#: The records, relative to the book's source folder (the repository root).
RECORDS = Path("_build") / "executions.json"
#: jupyter-cache's folder, relative to the source folder. Each execution is kept there, exactly as
#: the kernel produced it, as ``executed/<hash key>/base.ipynb``. (The copies myst-nb writes to
#: ``_build/jupyter_execute`` have lost their glue outputs, so they cannot be compared.)
CACHE = Path("_build") / ".jupyter_cache"
#: Environment variables whose values can change what a notebook computes or prints.
RESULT_ENV = re.compile(r"^(PYTHONHASHSEED|OPENBLAS_.*|OMP_.*|MKL_.*|NUMEXPR_.*|GOTO_.*|"
                        r"VECLIB_.*|BLIS_.*|TZ|LANG|LANGUAGE|LC_.*|MPLBACKEND|MEDLEAD_.*)$")
#: MEDLEAD_ variables that cannot change a notebook's results: where files are kept (the files
#: are checked by checksum) and settings of the tests alone.
NEUTRAL_ENV = {"MEDLEAD_CACHE_DIR", "MEDLEAD_DATA_MIRROR", "MEDLEAD_BOOK_HTML", "MEDLEAD_CHROMIUM",
               "MEDLEAD_BROWSER_PAGES", "MEDLEAD_TAB_PAGES", "MEDLEAD_REEXECUTE"}
#: Increase when the meaning of a fingerprint changes, so that older records are never used.
VERSION = 2


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _project_files(root: Path) -> list[tuple[str, Path]]:
    data = root / "data"
    named = [
        (p.relative_to(root).as_posix(), p)
        for p in data.rglob("*")
        if p.is_file() and p.relative_to(data).parts[0] != "cache"
    ]
    bib = root / "references.bib"
    return named + ([("references.bib", bib)] if bib.is_file() else [])


def _processor() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("model name", "flags")):
                return line
    return platform.processor()


def context(root: Path) -> dict[str, str]:
    """A digest of each thing besides the notebook itself that an execution depends on (see the
    module docstring): {"package", "project", "python", "distributions", "environment"}."""
    from medlead.fingerprint import files_digest, package_files

    distributions = sorted(
        f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions()
    )
    environment = sorted(
        f"{k}={v}" for k, v in os.environ.items() if RESULT_ENV.match(k) and k not in NEUTRAL_ENV
    )
    python = [VERSION, sys.version, sys.prefix, platform.platform(), _processor()]
    return {
        "package": files_digest(package_files()),
        "project": files_digest(_project_files(root)),
        "python": _sha256(json.dumps(python).encode()),
        "distributions": _sha256(json.dumps(distributions).encode()),
        "environment": _sha256(json.dumps(environment).encode()),
    }


#: What each part of :func:`context` means, for the reasons the tests give.
PART_NAMES = {
    "notebook": "the notebook's code",
    "package": "the medlead package",
    "project": "the project's data files",
    "python": "the Python interpreter or platform",
    "distributions": "the installed packages",
    "environment": "result-changing environment variables (e.g. PYTHONHASHSEED)",
}


def notebook_digest(path: Path) -> str:
    """SHA-256 of what an execution of the notebook at ``path`` runs: its kernel, and its code
    cells with their tags (saved outputs are left out: they are what the tests compare against).
    """
    notebook = json.loads(path.read_text(encoding="utf-8"))
    kernel = notebook.get("metadata", {}).get("kernelspec", {}).get("name", "")
    cells = [
        ["".join(cell.get("source", "")), sorted(cell.get("metadata", {}).get("tags", []))]
        for cell in notebook.get("cells", [])
        if cell.get("cell_type") == "code"
    ]
    return _sha256(json.dumps([kernel, cells]).encode())


def fingerprint(notebook: Path, context_: dict[str, str]) -> dict[str, str]:
    """The fingerprint of one notebook's execution: its own digest and the context's."""
    return {"notebook": notebook_digest(notebook), **context_}


def changed(recorded: dict, now: dict[str, str]) -> list[str]:
    """The parts of two fingerprints that differ (all of them if ``recorded`` is not one)."""
    if not isinstance(recorded, dict):
        return list(now)
    return [part for part in now if recorded.get(part) != now[part]] + [
        part for part in recorded if part not in now
    ]


def read_records(root: Path) -> dict[str, dict]:
    """The records of ``root``'s build: {docname: record}; empty if there are none or the file
    cannot be read (then every notebook is executed again, which is always safe)."""
    try:
        records = json.loads((root / RECORDS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return records if isinstance(records, dict) else {}


def write_records(root: Path, records: dict[str, dict]) -> None:
    """Write the records atomically (a reader never sees half a file)."""
    from medlead.atomic import write_text_atomically

    write_text_atomically(root / RECORDS, json.dumps(records, indent=1, sort_keys=True))


def verified_execution(root: Path, docname: str, context_: dict[str, str],
                       records: dict[str, dict] | None = None) -> tuple[Path | None, str]:
    """The build's executed copy of notebook ``docname`` if it can stand for a new execution.

    In: the repository root, a docname (``notebooks/history``), the current :func:`context`.
    Out: (path of the executed notebook, "") when the build executed this notebook with the same
    fingerprint and the executed file is the one recorded; otherwise (None, why not).
    """
    records = read_records(root) if records is None else records
    record = records.get(docname)
    if record is None:
        return None, "the build left no record of executing it"
    source = root / f"{docname}.ipynb"
    differ = changed(record.get("fingerprint"), fingerprint(source, context_))
    if differ:
        return None, "changed since the build: " + ", ".join(
            PART_NAMES.get(part, part) for part in differ
        )
    executed = root / CACHE / "executed" / str(record.get("cache_key", "-")) / "base.ipynb"
    try:
        executed_bytes = executed.read_bytes()
    except OSError:
        return None, f"the build's executed copy is missing ({executed})"
    if _sha256(executed_bytes) != record.get("executed_sha256"):
        return None, "the build's executed copy is not the file recorded"
    return executed, ""


# ---------------------------------------------------------------------------------------- Sphinx


def _cache_records(root: Path) -> dict[tuple[int, str, str], Path]:
    """jupyter-cache's records: {(record id, hash key, time created): notebook path}.

    A notebook executed again gets a new record, with a new creation time, so the records that a
    build adds are exactly the executions it made (no clock is compared: jupyter-cache's times
    carry no time zone).
    """
    folder = root / CACHE
    if not (folder / "global.db").is_file():
        return {}
    from jupyter_cache import get_cache

    return {
        (record.pk, record.hashkey, record.created.isoformat()): Path(record.uri).resolve()
        for record in get_cache(folder).list_cache_records()
    }


def _notebooks(root: Path) -> dict[Path, str]:
    """{path: :func:`notebook_digest`} of every notebook in the book's source folders."""
    return {
        path.resolve(): notebook_digest(path)
        for path in sorted(root.rglob("*.ipynb"))
        if not {"_build", ".ipynb_checkpoints"} & set(path.relative_to(root).parts)
    }


def _started(app) -> None:  # noqa: ANN001
    root = Path(app.srcdir)
    app.medlead_cached_before = set(_cache_records(root))
    app.medlead_context = context(root)
    app.medlead_notebooks = _notebooks(root)


def _finished(app, exception) -> None:  # noqa: ANN001
    if exception is not None or not hasattr(app, "medlead_context"):
        return
    from myst_nb.sphinx_ import NbMetadataCollector
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    root = Path(app.srcdir)
    context_ = context(root)
    if context_ != app.medlead_context:
        logger.info("executions: the package or data changed during the build; nothing recorded")
        return
    records = read_records(root)
    executed_now = {
        path: key for (_pk, key, _created), path in sorted(_cache_records(root).items())
        if (_pk, key, _created) not in app.medlead_cached_before
    }
    for docname in sorted(app.env.found_docs):
        data = NbMetadataCollector.get_exec_data(app.env, docname)
        source = root / f"{docname}.ipynb"
        if not data or not source.is_file():
            continue
        now = fingerprint(source, context_)
        key = executed_now.get(source.resolve())
        if key and not (data.get("succeeded") and
                        app.medlead_notebooks.get(source.resolve()) == now["notebook"]):
            records.pop(docname, None)  # failed, or the notebook was edited during the build
        elif key:
            executed = root / CACHE / "executed" / key / "base.ipynb"
            records[docname] = {
                "fingerprint": now,
                "cache_key": key,
                "executed_sha256": _sha256(executed.read_bytes()),
            }
        elif docname in records and changed(records[docname].get("fingerprint"), now):
            logger.warning(
                f"{docname}: this build shows outputs that jupyter-cache kept from an execution "
                "with other code, data or environment; remove _build/.jupyter_cache and build "
                "again to see current outputs",
                type="medlead", subtype="stale",
            )
    write_records(root, records)


def setup(app) -> dict:  # noqa: ANN001
    # The notebook kernels the build starts inherit this, as the tests' kernels do (conftest.py),
    # so set and dictionary ordering is the same as when the outputs were saved even when the book
    # is built without PYTHONHASHSEED=0 in the shell.
    os.environ.setdefault("PYTHONHASHSEED", "0")
    app.connect("builder-inited", _started)
    app.connect("build-finished", _finished)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
