"""Benchmark: reading a whole corpus written in the book's bring-your-own transcript format.

Builds, in a temporary folder, one transcript file per witness and hearing day from every witness
section of the Module 3 hearings (the same conversion as the worked example, for all of them), then
measures:

  - writing the files (medlead.byo.format_transcript + write_transcript);
  - reading them back with medlead.byo.read_transcripts (the reader a researcher runs);
  - for scale, parsing the hearing days themselves with medlead.corpus (no cache);

and checks that every turn came back with its speaker's code and the same words. The folder is
deleted at the end; nothing derived from the transcripts is kept.

Run from the repository root:
  MEDLEAD_DATA_MIRROR=<path to shared/data/mirror> PYTHONHASHSEED=0 python benchmarks/byo.py
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd

from medlead import byo, corpus


def speaker_codes(section: pd.DataFrame) -> dict[str, str]:
    """W for the witness, CHAIR, CTI, then Q1, Q2... for other speakers in order of appearance."""
    fixed = {"witness": "W", "chair": "CHAIR", "counsel_to_the_inquiry": "CTI"}
    codes, others = {}, 0
    for speaker, role in section[["speaker", "role"]].drop_duplicates().itertuples(index=False):
        if speaker in codes:
            continue
        if role in fixed and fixed[role] not in codes.values():
            codes[speaker] = fixed[role]
        else:
            others += 1
            codes[speaker] = f"Q{others}"
    return codes


def write_corpus(turns: pd.DataFrame, folder: Path) -> tuple[int, pd.DataFrame]:
    """Write one file per (day, witness); return the number of files and the expected turns."""
    expected, n_files = [], 0
    sections = turns.loc[turns["witness"].notna()].groupby(["hearing_date", "witness"], sort=True)
    for number, ((day, _), section) in enumerate(sections, start=1):
        codes = speaker_codes(section)
        interviewers = [c for c in codes.values() if c != "W"] or ["CHAIR"]
        participants = {code: {} for code in codes.values()}
        participants.setdefault("CHAIR", {})
        file_turns = pd.DataFrame({"speaker": section["speaker"].map(codes),
                                   "text": section["text"]})
        transcript = f"{day}-w{number:03d}"
        text = byo.format_transcript(transcript, day, interviewers, participants, file_turns)
        byo.write_transcript(folder / f"{transcript}.txt", text)
        expected.append(file_turns.assign(transcript=transcript))
        n_files += 1
    return n_files, pd.concat(expected, ignore_index=True)


def main() -> None:
    started = time.perf_counter()
    turns = corpus.load_turns(cache=False)
    parse_seconds = time.perf_counter() - started
    folder = Path(tempfile.mkdtemp(prefix="byo-bench-"))
    try:
        started = time.perf_counter()
        n_files, expected = write_corpus(turns, folder)
        write_seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in folder.glob("*.txt"))

        started = time.perf_counter()
        read = byo.read_transcripts(folder)
        read_seconds = time.perf_counter() - started
    finally:
        shutil.rmtree(folder)

    same_speakers = (read["speaker"].to_numpy() == expected["speaker"].to_numpy()).all()
    same_words = (read["text"].str.split() == expected["text"].str.split()).all()
    print(f"files written:            {n_files:,} ({size / 1e6:.1f} MB, {len(read):,} turns)")
    print(f"turns back = turns out:   {len(read) == len(expected)}")
    print(f"same speakers, same words: {bool(same_speakers)}, {bool(same_words)}")
    print(f"write (format + save):    {write_seconds:6.2f} s")
    print(f"read_transcripts:         {read_seconds:6.2f} s "
          f"({len(read) / read_seconds:,.0f} turns/s, {size / 1e6 / read_seconds:.1f} MB/s)")
    print(f"corpus parse (no cache):  {parse_seconds:6.2f} s for {len(turns):,} turns")
    print(f"ratio read_transcripts / corpus parse: {read_seconds / parse_seconds:.2f}")


if __name__ == "__main__":
    main()
