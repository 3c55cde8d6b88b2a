"""Atomic writes leave either the complete new file or the old one, never a partial file."""

import pickle

import pandas as pd
import pytest

from medlead import atomic


def test_writes_bytes_text_and_pickles(tmp_path):
    assert atomic.write_bytes_atomically(tmp_path / "deep" / "a.bin", b"\x00\x01").read_bytes() == (
        b"\x00\x01"
    )
    assert atomic.write_text_atomically(tmp_path / "t.txt", "é\n").read_bytes() == "é\n".encode()
    frame = pd.DataFrame({"x": [1, 2]})
    target = atomic.pickle_atomically(frame, tmp_path / "f.pkl")
    pd.testing.assert_frame_equal(pd.read_pickle(target), frame)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep", "f.pkl", "t.txt"]


def test_failed_move_keeps_old_file_and_removes_temporary(tmp_path, monkeypatch):
    target = atomic.write_text_atomically(tmp_path / "a.txt", "old")

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        atomic.write_text_atomically(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_unpicklable_object_leaves_nothing(tmp_path):
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        atomic.pickle_atomically(lambda: None, tmp_path / "f.pkl")
    assert list(tmp_path.iterdir()) == []
