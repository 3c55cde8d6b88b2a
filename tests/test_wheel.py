"""The package works outside the book's checkout: built as a wheel, installed, run from elsewhere.

A researcher who installs ``medlead`` to code their own transcripts has no ``data/`` folder and no
``references.bib`` beside it. This test builds a wheel from a copy of the project's files, installs
it (without the editable install's paths) into a fresh folder, and runs the trust panel, the hearing
corpus and the codebook from another folder, with no ``MEDLEAD_CACHE_DIR``: the package must find
its own files and cache downloads in the per-user cache folder, never in ``site-packages``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from medlead.codebook import load_codebook
from medlead.coding import code_turns
from medlead.corpus import load_turns
from medlead.panel import trust_panel
from medlead.paths import BOOK_FILES, PROJECT_ROOT
from medlead.timeline import load_timeline

#: What a source distribution of the package holds (see MANIFEST.in).
BUILD_INPUTS = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE",
                "references.bib", "src", "data")

RUN_FROM_ELSEWHERE = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    import medlead
    from medlead import paths
    from medlead.codebook import load_codebook
    from medlead.coding import code_turns
    from medlead.corpus import load_turns
    from medlead.panel import trust_panel
    from medlead.timeline import load_timeline

    panel = trust_panel()
    turns = load_turns()
    codebook = load_codebook()
    hits = code_turns(turns.head(400), codebook)
    print(json.dumps({
        "package": medlead.__file__,
        "project_root": str(paths.PROJECT_ROOT),
        "data_dir": str(paths.DATA_DIR),
        "cache": str(paths.cache_dir()),
        "trust_years": len(panel),
        "turns": len(turns),
        "codes": int(codebook["code"].nunique()),
        "hits": len(hits),
        "timeline_rows": len(load_timeline()),
    }))
    """
)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, Path]:
    """Build a wheel from a copy of the project and install it into a fresh folder."""
    assert PROJECT_ROOT is not None
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    ignore = shutil.ignore_patterns("cache", "__pycache__", "*.egg-info")
    for name in BUILD_INPUTS:
        path = PROJECT_ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=ignore)
        else:
            shutil.copy(path, source / name)
    dist = work / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(dist), str(source)],
        check=True, capture_output=True, text=True, timeout=600,
    )
    (wheel,) = dist.glob("medlead-*.whl")
    target = work / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q",
         "--target", str(target), str(wheel)],
        check=True, capture_output=True, text=True, timeout=600,
    )
    return {"work": work, "wheel": wheel, "site": target}


def test_the_wheel_carries_every_file_the_package_reads(installed):
    with zipfile.ZipFile(installed["wheel"]) as archive:
        names = set(archive.namelist())
    for name in BOOK_FILES:
        assert f"medlead/bookdata/{name}" in names, name
    assert "medlead/stopwords.txt" in names
    schemas = {"medlead/schemas/refi-qda/Project.xsd", "medlead/schemas/refi-qda/Codebook.xsd"}
    assert schemas <= names
    assert not any("cache" in name.split("/") for name in names)
    with zipfile.ZipFile(installed["wheel"]) as archive:
        bundled = archive.read("medlead/bookdata/sources.yml")
    assert bundled == (PROJECT_ROOT / "data" / "sources.yml").read_bytes()


def test_installed_package_runs_outside_the_checkout(installed):
    elsewhere = installed["work"] / "elsewhere"
    elsewhere.mkdir()
    xdg = installed["work"] / "xdg-cache"
    env = {k: v for k, v in os.environ.items() if k not in ("MEDLEAD_CACHE_DIR", "PYTHONPATH")}
    env.update({"PYTHONPATH": str(installed["site"]), "XDG_CACHE_HOME": str(xdg),
                "HOME": str(installed["work"] / "home")})
    assert env.get("MEDLEAD_DATA_MIRROR"), "the tests need the offline mirror (see README)"
    result = subprocess.run(
        [sys.executable, "-c", RUN_FROM_ELSEWHERE], cwd=elsewhere, env=env,
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    site = installed["site"].resolve()
    assert Path(report["package"]).resolve().is_relative_to(site)
    assert report["project_root"] == "None"
    assert Path(report["data_dir"]).resolve() == site / "medlead" / "bookdata"
    assert Path(report["cache"]) == xdg / "medlead"
    # The same results as the checkout's package gives.
    assert report["trust_years"] == len(trust_panel()) > 2000
    turns = load_turns()
    assert report["turns"] == len(turns) > 20000
    codebook = load_codebook()
    assert report["codes"] == codebook["code"].nunique()
    assert report["hits"] == len(code_turns(turns.head(400), codebook)) > 0
    assert report["timeline_rows"] == len(load_timeline())
    # Downloads were cached in the user's cache folder, nothing was written into the package.
    assert any((xdg / "medlead").rglob("*.csv"))
    assert not any(p.name == "cache" for p in site.rglob("*"))
