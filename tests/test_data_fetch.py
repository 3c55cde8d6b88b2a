"""Fetching source files: cache, mirror, checksum and every kind of bad input.

Each test builds its own tiny manifest, mirror and cache under ``tmp_path``; no real data is used.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from medlead import data

OWNER_PATH = "someone/repo/0123456789abcdef0123456789abcdef01234567/data"
CONTENT = b"ORG_CODE,YEAR,VALUE\nRA2,2015,1.5\nRA3,2015,2.5\n"


def _entry(source_id: str, content: bytes, url_host: str = "https://example.org") -> str:
    name = source_id.split("/", 1)[1]
    return (
        f'  - id: "{source_id}"\n'
        f"    family: fake\n"
        f'    url: "{url_host}/{OWNER_PATH}/{name.replace(" ", "%20")}"\n'
        f"    sha256: {hashlib.sha256(content).hexdigest()}\n"
        f"    size: {len(content)}\n"
    )


FAMILY_BLOCK = (
    "families:\n  fake:\n    title: Fake\n    publisher: Nobody\n    licence: none\n"
    "    status: derived\n    description: test data\n    citation: [nokey]\n"
)


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A manifest with one file, a mirror holding it, an empty cache; returns the folders."""
    mirror = tmp_path / "mirror"
    cache = tmp_path / "cache"
    (mirror / OWNER_PATH).mkdir(parents=True)
    (mirror / OWNER_PATH / "values.csv").write_bytes(CONTENT)
    manifest = tmp_path / "sources.yml"
    manifest.write_text(FAMILY_BLOCK + "files:\n" + _entry("fake/values.csv", CONTENT))
    monkeypatch.setattr(data, "MANIFEST_PATH", manifest)
    monkeypatch.setenv("MEDLEAD_DATA_MIRROR", str(mirror))
    monkeypatch.setenv("MEDLEAD_CACHE_DIR", str(cache))
    return {"mirror": mirror, "cache": cache, "manifest": manifest, "tmp": tmp_path}


def _cache_files(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("*") if p.is_file()) if cache.exists() else []


def test_fetch_copies_from_mirror_into_cache_dir(env):
    path = data.fetch("fake/values.csv")
    assert path.read_bytes() == CONTENT
    assert path == env["cache"] / OWNER_PATH / "values.csv"


def test_second_fetch_reuses_cache_without_mirror(env, monkeypatch):
    first = data.fetch("fake/values.csv")
    (env["mirror"] / OWNER_PATH / "values.csv").unlink()
    second = data.fetch("fake/values.csv")
    assert second == first and second.read_bytes() == CONTENT


def test_cache_dir_defaults_to_data_cache_in_a_checkout(monkeypatch):
    monkeypatch.delenv("MEDLEAD_CACHE_DIR", raising=False)
    assert data.paths.PROJECT_ROOT is not None  # these tests run from the book's checkout
    assert data.paths.cache_dir() == data.paths.PROJECT_ROOT / "data" / "cache"


def test_installed_package_caches_in_the_user_cache_folder(monkeypatch, tmp_path):
    # An installed copy has no checkout around it: the cache goes to the per-user folder.
    monkeypatch.delenv("MEDLEAD_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(data.paths, "PROJECT_ROOT", None)
    assert data.paths.cache_dir() == tmp_path / "xdg" / "medlead"
    monkeypatch.setenv("MEDLEAD_CACHE_DIR", str(tmp_path / "mine"))
    assert data.paths.cache_dir() == tmp_path / "mine"


def test_unknown_source_id_names_id_and_manifest(env):
    with pytest.raises(data.DataError, match=r"Unknown source id 'fake/nope.csv'.*sources.yml"):
        data.fetch("fake/nope.csv")


def test_missing_mirror_file_names_file_and_fix(env):
    (env["mirror"] / OWNER_PATH / "values.csv").unlink()
    with pytest.raises(data.DataError, match=r"fake/values.csv: not found in the data mirror") as e:
        data.fetch("fake/values.csv")
    assert "MEDLEAD_DATA_MIRROR" in str(e.value)
    assert _cache_files(env["cache"]) == []


def test_truncated_mirror_file_is_refused(env):
    (env["mirror"] / OWNER_PATH / "values.csv").write_bytes(CONTENT[:-10])
    with pytest.raises(data.DataError, match=r"has 36 bytes, expected 46.*truncated") as e:
        data.fetch("fake/values.csv")
    assert "fake/values.csv" in str(e.value)
    assert _cache_files(env["cache"]) == []


def test_checksum_mismatch_leaves_no_file_in_cache(env):
    tampered = CONTENT.replace(b"1.5", b"9.5")  # same size, different bytes
    (env["mirror"] / OWNER_PATH / "values.csv").write_bytes(tampered)
    with pytest.raises(data.DataError, match=r"values.csv: the SHA-256 .* does not match") as e:
        data.fetch("fake/values.csv")
    assert hashlib.sha256(CONTENT).hexdigest() in str(e.value)
    assert _cache_files(env["cache"]) == []


def test_corrupt_cached_copy_is_replaced_from_mirror(env):
    path = data.fetch("fake/values.csv")
    path.write_bytes(CONTENT.replace(b"2.5", b"7.5"))
    again = data.fetch("fake/values.csv")
    assert again.read_bytes() == CONTENT
    assert _cache_files(env["cache"]) == [again]


def test_mirror_variable_naming_no_folder_is_an_error(env, monkeypatch):
    monkeypatch.setenv("MEDLEAD_DATA_MIRROR", str(env["tmp"] / "no-such-folder"))
    with pytest.raises(data.DataError, match=r"MEDLEAD_DATA_MIRROR names .*not a folder"):
        data.fetch("fake/values.csv")


def test_no_network_and_no_mirror_gives_one_clear_error(env, monkeypatch):
    # Port 1 on the loopback interface refuses connections at once: a stand-in for "no network".
    manifest = env["tmp"] / "offline.yml"
    manifest.write_text(
        FAMILY_BLOCK + "files:\n" + _entry("fake/values.csv", CONTENT, "http://127.0.0.1:1")
    )
    monkeypatch.setattr(data, "MANIFEST_PATH", manifest)
    monkeypatch.delenv("MEDLEAD_DATA_MIRROR")
    with pytest.raises(data.DataError, match=r"fake/values.csv: could not download") as e:
        data.fetch("fake/values.csv")
    assert "MEDLEAD_DATA_MIRROR" in str(e.value)
    assert _cache_files(env["cache"]) == []


def test_missing_manifest_is_reported(env, monkeypatch):
    monkeypatch.setattr(data, "MANIFEST_PATH", env["tmp"] / "gone.yml")
    with pytest.raises(data.DataError, match=r"gone.yml is missing"):
        data.fetch("fake/values.csv")


def test_manifest_entry_without_checksum_is_reported(env, monkeypatch):
    manifest = env["tmp"] / "bad.yml"
    manifest.write_text(
        FAMILY_BLOCK + 'files:\n  - id: "fake/x.csv"\n    family: fake\n    url: "https://e.org/x"\n'
    )
    monkeypatch.setattr(data, "MANIFEST_PATH", manifest)
    with pytest.raises(data.DataError, match=r"Entry 1 of .*bad.yml lacks sha256, size"):
        data.fetch("fake/x.csv")


def test_file_names_with_spaces_use_the_decoded_url_path(env):
    content = b"a,b\n1,2\n"
    (env["mirror"] / OWNER_PATH / "my file.csv").write_bytes(content)
    env["manifest"].write_text(
        FAMILY_BLOCK + "files:\n" + _entry("fake/my file.csv", content)
    )
    path = data.fetch("fake/my file.csv")
    assert path.name == "my file.csv" and path.read_bytes() == content


def test_family_metadata_is_read_and_checked(env, monkeypatch):
    assert data.family("fake").status == "derived"
    with pytest.raises(data.DataError, match=r"No source family 'other'"):
        data.family("other")
    bad = env["tmp"] / "badfam.yml"
    bad.write_text(FAMILY_BLOCK.replace("derived", "guessed") + "files: []\n")
    monkeypatch.setattr(data, "MANIFEST_PATH", bad)
    with pytest.raises(data.DataError, match=r"'guessed'; expected one of official, derived"):
        data.families()


def test_real_manifest_lists_every_family_with_metadata():
    real = data.manifest(data.paths.DATA_DIR / "sources.yml")
    fams = data.families(data.paths.DATA_DIR / "sources.yml")
    assert {s.family for s in real.values()} == set(fams)
    assert all(s.contains for s in real.values())
    assert all(len(s.sha256) == 64 and s.size > 0 for s in real.values())


def test_every_family_citation_is_in_references_bib():
    from medlead.timeline import bibliography_keys

    keys = bibliography_keys()
    fams = data.families(data.paths.DATA_DIR / "sources.yml")
    cited = {key for fam in fams.values() for key in fam.citation}
    assert cited and cited <= keys, sorted(cited - keys)


def _partials(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.partial-*")) if folder.exists() else []


def test_cache_folder_that_cannot_be_created_is_a_data_error(env, monkeypatch):
    blocker = env["tmp"] / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MEDLEAD_CACHE_DIR", str(blocker / "cache"))
    with pytest.raises(data.DataError, match=r"Cannot write to the data cache .*a-file/cache") as e:
        data.fetch("fake/values.csv")
    assert "MEDLEAD_CACHE_DIR" in str(e.value) and "download" not in str(e.value)


def test_read_only_cache_with_a_mirror_says_cache_not_network(env, monkeypatch):
    # Tests run as root in CI, where permissions do not stop writes; a read-only file system is
    # what the operating system reports, so that is what the stand-in raises.
    import errno

    def read_only(target):
        raise OSError(errno.EROFS, "Read-only file system", str(target))

    monkeypatch.setattr(data.atomic, "open_partial", read_only)
    with pytest.raises(data.DataError, match=r"Cannot write to the data cache .*Read-only") as e:
        data.fetch("fake/values.csv")
    assert "network" not in str(e.value) and "could not download" not in str(e.value)


def test_disk_full_during_the_copy_is_a_cache_error_and_leaves_nothing(env, monkeypatch):
    import errno

    def full(source_file, output, length=0):
        output.write(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(data.shutil, "copyfileobj", full)
    with pytest.raises(data.DataError, match=r"Cannot write to the data cache .*No space left"):
        data.fetch("fake/values.csv")
    assert _cache_files(env["cache"]) == []


def test_partial_files_of_a_killed_fetch_are_removed_by_the_next_one(env):
    """kill -9 a process in the middle of copying from the mirror, then fetch again."""
    import os
    import signal
    import subprocess
    import sys
    import textwrap
    import time

    script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from medlead import data
        data.MANIFEST_PATH = Path({str(env["manifest"])!r})

        def stall(source_file, output, length=0):
            output.write(source_file.read(10))
            output.flush()
            time.sleep(60)

        data.shutil.copyfileobj = stall
        data.fetch("fake/values.csv")
        """
    )
    folder = env["cache"] / OWNER_PATH
    left: list[Path] = []
    for _ in range(3):
        child = subprocess.Popen([sys.executable, "-c", script], env=dict(os.environ))
        deadline = time.monotonic() + 60
        while True:  # wait for this child's partial file to hold its first bytes
            new = [p for p in _partials(folder) if p not in left]
            if new and new[0].stat().st_size == 10:
                break
            assert time.monotonic() < deadline and child.poll() is None, "no partial file seen"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait()
        # The killed child's partial file stays; the one it found from the last kill is gone.
        left = _partials(folder)
        assert left == new
    path = data.fetch("fake/values.csv")
    assert path.read_bytes() == CONTENT
    assert _partials(folder) == [] and _cache_files(env["cache"]) == [path]


def test_partial_files_of_running_processes_and_other_files_are_kept(tmp_path):
    import os

    from medlead import atomic

    mine = tmp_path / atomic.partial_name(tmp_path / "x.csv")  # this process is running
    mine.write_bytes(b"in progress")
    other_host = tmp_path / ".x.csv.partial-elsewhere-1-0123abcd"
    other_host.write_bytes(b"maybe in progress on another machine")
    unrelated = tmp_path / "x.csv.partial-notes.txt"
    unrelated.write_text("not ours")
    old = tmp_path / ".y.csv.partial-elsewhere-2-89abcdef"
    old.write_bytes(b"abandoned")
    os.utime(old, (1, 1))
    assert atomic.remove_stale_partials(tmp_path) == [old]
    assert mine.exists() and other_host.exists() and unrelated.exists()


def test_corruption_keeping_size_and_mtime_is_caught_in_the_same_process(env, monkeypatch):
    import os
    import time

    path = data.fetch("fake/values.csv")
    # Pretend the check happened long after the file was written, so the memo is used.
    real_ns = time.time_ns
    monkeypatch.setattr(data.time, "time_ns", lambda: real_ns() + 10**10)
    assert data.fetch("fake/values.csv") == path
    assert str(path) in data._VERIFIED
    stat = path.stat()
    time.sleep(0.05)  # past one tick of the file system's clock
    path.write_bytes(CONTENT.replace(b"2.5", b"7.5"))  # same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same modification time
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    again = data.fetch("fake/values.csv")
    assert again.read_bytes() == CONTENT


def test_a_file_changed_right_after_its_check_is_not_trusted_from_memory(env):
    import os

    path = data.fetch("fake/values.csv")  # written just now: too recent to be remembered
    assert str(path) not in data._VERIFIED
    stat = path.stat()
    path.write_bytes(CONTENT.replace(b"2.5", b"7.5"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert data.fetch("fake/values.csv").read_bytes() == CONTENT
