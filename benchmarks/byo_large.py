"""Benchmark: reading one very large bring-your-own transcript (about 200 MB), time and peak memory.

Builds, in a temporary folder, a single transcript in the book's plain-text format from the
Module 3 hearings' witness turns, repeated under numbered sections until the file reaches the
target size (``--mb``, default 200), then reads it with ``medlead.transcripts.read_transcript`` in a
fresh Python process and reports the wall time and that process's peak resident memory
(``ru_maxrss``), as a multiple of the file size. The file is written by another process, so the
reader's figure is its own (Linux carries a parent's peak into a child it starts). The goal: at
most 5 times the file's size in memory. The folder is deleted at the end; nothing derived from
the transcripts is kept.

Run from the repository root:
  MEDLEAD_DATA_MIRROR=<path to shared/data/mirror> PYTHONHASHSEED=0 python benchmarks/byo_large.py
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

READ_AND_MEASURE = textwrap.dedent(
    """
    import json, resource, sys, time
    from medlead.transcripts import read_transcript
    started = time.perf_counter()
    turns = read_transcript(sys.argv[1])
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_kib": peak_kib, "turns": len(turns),
                      "words": int(turns["n_words"].sum())}))
    """
)

BASELINE = "import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"


def build_file(target_mb: float, path: Path) -> int:
    """Write a transcript of about ``target_mb`` MB at ``path``; return its size in bytes."""
    import pandas as pd

    from medlead import corpus
    from medlead.transcripts import plaintext

    turns = corpus.load_turns()
    witness = turns.loc[turns["witness"].notna() & turns["text"].str.len().gt(0)]
    block = pd.DataFrame({
        "speaker": ["P" if w else "I" for w in witness["is_witness"]],
        "text": witness["text"].to_numpy(),
    })
    one = len(plaintext.format_transcript("x", "2024-01-01", "I", {"I": {}, "P": {}}, block))
    copies = max(1, round(target_mb * 1e6 / one))
    sections = pd.concat(
        [block.assign(section=f"Part {n}") for n in range(1, copies + 1)], ignore_index=True
    )
    text = plaintext.format_transcript(
        "large", "2024-01-01", "I", {"I": {}, "P": {"group": "doctor"}}, sections
    )
    path.write_text(text, encoding="utf-8")
    return path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=200.0, help="target file size in MB")
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)  # internal: write the file
    args = parser.parse_args()
    if args.build:
        build_file(args.mb, args.build)
        return
    folder = Path(tempfile.mkdtemp(prefix="byo-large-"))
    try:
        path = folder / "large.txt"
        subprocess.run([sys.executable, __file__, "--mb", str(args.mb), "--build", str(path)],
                       check=True)
        size = path.stat().st_size
        base_kib = int(subprocess.run([sys.executable, "-c", BASELINE], check=True,
                                      capture_output=True, text=True).stdout)
        result = json.loads(subprocess.run(
            [sys.executable, "-c", READ_AND_MEASURE, str(path)], check=True,
            capture_output=True, text=True,
        ).stdout)
    finally:
        shutil.rmtree(folder)
    peak = result["peak_kib"] * 1024
    print(f"file:                 {size / 1e6:.1f} MB, {result['turns']:,} turns, "
          f"{result['words']:,} words")
    rate = size / 1e6 / result["seconds"]
    print(f"read_transcript:      {result['seconds']:.2f} s ({rate:.1f} MB/s)")
    print(f"peak memory (RSS):    {peak / 2**20:,.0f} MiB = {peak / size:.1f}x the file "
          f"(goal <= 5x); an empty Python process: {base_kib / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
