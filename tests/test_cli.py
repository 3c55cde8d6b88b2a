"""Tests for the command line (python -m medlead ...)."""

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from medlead import refi
from medlead.__main__ import main

SRC = Path(__file__).resolve().parents[1] / "src"


def test_export_qdc_writes_the_book_codebook(tmp_path, capsys):
    assert main(["export-qdc", str(tmp_path / "codebook.qdc")]) == 0
    assert "codes and themes" in capsys.readouterr().out
    assert b"urn:QDA-XML:codebook:1.0" in (tmp_path / "codebook.qdc").read_bytes()


def test_import_qdpx_writes_csv_tables_and_refuses_bad_input(tmp_path, capsys):
    tables = {
        "sources": pd.DataFrame({"source_id": ["s"], "name": ["S"], "text": ["Some text."]}),
        "codes": pd.DataFrame({"code_id": ["c"], "name": ["C"]}),
        "segments": pd.DataFrame({"source_id": ["s"], "code_id": ["c"], "start": [0], "end": [4]}),
    }
    qdpx = refi.export_qdpx(tables, tmp_path / "p.qdpx")
    assert main(["import-qdpx", str(qdpx), str(tmp_path / "out")]) == 0
    assert pd.read_csv(tmp_path / "out" / "segments.csv")["text"].tolist() == ["Some"]
    (tmp_path / "junk.qdpx").write_text("not a zip", encoding="utf-8")
    assert main(["import-qdpx", str(tmp_path / "junk.qdpx"), str(tmp_path / "out2")]) == 2
    assert "not a zip archive" in capsys.readouterr().err
    assert not (tmp_path / "out2").exists()


def test_export_qdpx_fails_clearly_while_the_coding_module_is_missing(tmp_path):
    # Run in a fresh interpreter so the real package state decides, not earlier imports.
    result = subprocess.run(
        [sys.executable, "-m", "medlead", "export-qdpx", str(tmp_path / "x.qdpx")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        check=False,
    )
    try:
        import medlead.coding as coding  # noqa: F401
    except ModuleNotFoundError:
        assert result.returncode == 2
        assert "coding module is not available yet" in result.stderr
        assert not (tmp_path / "x.qdpx").exists()
    else:  # once medlead.coding exists, the command must produce a valid project
        assert result.returncode == 0, result.stderr
        assert refi.read_qdpx(tmp_path / "x.qdpx")["sources"].shape[0] > 0


def test_created_is_checked_against_the_schema_and_notices_are_printed(tmp_path, capsys):
    assert main(["export-qdpx", str(tmp_path / "x.qdpx"), "--created", "2024-11-28 00:00"]) == 2
    assert "not an ISO date-time as REFI-QDA takes it" in capsys.readouterr().err
    assert not (tmp_path / "x.qdpx").exists()
    tables = {
        "sources": pd.DataFrame({"source_id": ["s"], "name": ["S"], "text": ["Emoji 😀 text."]}),
        "codes": pd.DataFrame({"code_id": ["c"], "name": ["C"]}),
        "segments": pd.DataFrame({"source_id": ["s"], "code_id": ["c"], "start": [8], "end": [12]}),
    }
    qdpx = refi.export_qdpx(tables, tmp_path / "p.qdpx", positions="utf16")
    assert main(["import-qdpx", str(qdpx), str(tmp_path / "out")]) == 0
    assert pd.read_csv(tmp_path / "out" / "segments.csv")["text"].tolist() == ["text"]
    assert main(["import-qdpx", str(qdpx), str(tmp_path / "out2"), "--positions",
                 "codepoints"]) == 0
    assert "note: " in (err := capsys.readouterr().err) and "look misaligned" in err
