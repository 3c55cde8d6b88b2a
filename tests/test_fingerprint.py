"""The package's own digest covers every file it reads, not only its modules."""

from __future__ import annotations

from pathlib import Path

from medlead import downloads, fingerprint


def test_package_files_cover_data_files_and_skip_compiled_caches():
    names = [name for name, _ in fingerprint.package_files()]
    assert "medlead/fingerprint.py" in names and "medlead/downloads.py" in names
    assert "medlead/stopwords.txt" in names  # read by medlead.text: its changes must count
    assert not [name for name in names if "__pycache__" in name]
    assert names == sorted(names)


def test_files_digest_follows_names_and_contents(tmp_path: Path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("one")
    b.write_text("two")
    first = fingerprint.files_digest([("a", a), ("b", b)])
    assert fingerprint.files_digest([("b", b), ("a", a)]) == first  # order given does not matter
    assert fingerprint.files_digest([("a", b), ("b", a)]) != first  # names count
    b.write_text("three")
    assert fingerprint.files_digest([("a", a), ("b", b)]) != first  # contents count


def test_the_downloads_stamp_counts_the_packages_data_files_too():
    """Downloads made with another stopword list are not taken as up to date."""
    from medlead import paths

    data = [(f"data/{p.name}", p) for p in sorted(paths.DATA_DIR.glob("*.*")) if p.is_file()]
    modules_only = [(n, p) for n, p in fingerprint.package_files() if n.endswith(".py")]
    assert downloads.fingerprint() == fingerprint.files_digest(fingerprint.package_files() + data)
    assert downloads.fingerprint() != fingerprint.files_digest(modules_only + data)
