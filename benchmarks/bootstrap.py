"""Benchmark: the vectorised cluster bootstrap against a plain pandas loop over replicates.

Synthetic turns shaped like the witness corpus (about 90 witnesses in 7 groups, 12,000 turns,
20 code columns). Times ``medlead.bootstrap.share_of_turns`` with 1,000 replicates against a
loop that, for each replicate and group, samples witnesses with ``DataFrame.sample`` and
recomputes the shares with ``groupby``; prints both times, the ratio, and the largest gap between
the two methods' interval ends (they use different random draws, so they agree only roughly).

Run from the repository root:  PYTHONHASHSEED=0 python benchmarks/bootstrap.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from medlead import bootstrap

REPS = 1000
LOOP_REPS = 100  # the loop is slow; its time is scaled up to REPS


def synthetic_turns(seed: int = 0, n_codes: int = 20) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sizes = {"doctor": 35, "nurse_midwife": 10, "nhs_manager": 7, "civil_servant_minister": 9,
             "patient_family": 12, "union_professional_body": 8, "other": 11}
    frames = []
    for group, n_people in sizes.items():
        for person in range(n_people):
            n = int(rng.integers(40, 250))
            p = rng.uniform(0.02, 0.3, n_codes)
            frame = pd.DataFrame(rng.random((n, n_codes)) < p,
                                 columns=[f"code_{k:02d}" for k in range(n_codes)])
            frame["group"], frame["person_id"] = group, f"{group}-{person}"
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def loop_bootstrap(turns: pd.DataFrame, codes: list[str], reps: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for group, part in turns.groupby("group"):
        people = part["person_id"].unique()
        results = []
        for _ in range(reps):
            drawn = rng.choice(people, size=len(people), replace=True)
            sample = pd.concat([part[part["person_id"] == p] for p in drawn])
            results.append(sample[codes].mean())
        table = pd.DataFrame(results)
        for code in codes:
            lower, upper = np.percentile(table[code], [2.5, 97.5])
            rows.append({"group": group, "numerator": code, "lower": lower, "upper": upper})
    return pd.DataFrame(rows)


def main() -> None:
    turns = synthetic_turns()
    codes = [c for c in turns.columns if c.startswith("code_")]
    print(f"{len(turns):,} turns, {turns['person_id'].nunique()} witnesses, {len(codes)} codes")
    start = time.perf_counter()
    fast = bootstrap.share_of_turns(turns, codes, reps=REPS, seed=0)
    fast_time = time.perf_counter() - start
    start = time.perf_counter()
    slow = loop_bootstrap(turns, codes, LOOP_REPS, seed=0)
    slow_time = (time.perf_counter() - start) * REPS / LOOP_REPS
    print(f"medlead.bootstrap.share_of_turns, {REPS} reps: {fast_time:.3f} s")
    print(f"pandas loop, {LOOP_REPS} reps scaled to {REPS}: {slow_time:.1f} s")
    print(f"ratio: {slow_time / fast_time:.0f}x")
    merged = fast.merge(slow, on=["group", "numerator"], suffixes=("", "_loop"))
    gap = max((merged["lower"] - merged["lower_loop"]).abs().max(),
              (merged["upper"] - merged["upper_loop"]).abs().max())
    print(f"largest gap between interval ends (different draws, {LOOP_REPS} loop reps): {gap:.3f}")


if __name__ == "__main__":
    main()
