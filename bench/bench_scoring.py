"""Benchmark KOOS scoring: score_batch on 1,000,000 responses against a loop over score.

Run: .venv/bin/python bench/bench_scoring.py [--rows N] [--loop-sample N]

Pinned to one CPU core. The loop is timed on a sample (50,000 responses by default) and
extrapolated to the full table, as stated in the output. Responses are random codes 0-4
with 10 % of items unanswered, so every missing-item branch is exercised.

The floor is `np.nansum` over the same array (one pass that reads every cell and skips the
unanswered ones), timed alternately with `score_batch` (`--pairs`, at least 5): the ratio
floor / batch is the share of the floor's speed that scoring keeps (goal: at least 0.5).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np
import pandas as pd

from orthoregen.instruments import get_instrument, score, score_batch


def timed(function, repeats: int) -> float:
    """Return the median wall time of `repeats` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--loop-sample", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pairs", type=int, default=7, help="floor, batch pairs (at least 5)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    items = [item.id for item in get_instrument("koos").items]
    rng = np.random.default_rng(2026)
    table = rng.integers(0, 5, size=(args.rows, len(items))).astype(float)
    table[rng.random(table.shape) < 0.10] = np.nan
    frame = pd.DataFrame(table, columns=items)
    sample = [
        {item: (None if np.isnan(v) else v) for item, v in zip(items, row.tolist(), strict=True)}
        for row in table[: args.loop_sample]
    ]

    ratios, floors, batches = [], [], []
    for _ in range(max(args.pairs, 5)):  # A B A B: the floor and the batch share the noise
        floors.append(timed(lambda: np.nansum(table), 1))
        batches.append(timed(lambda: score_batch("koos", table), 1))
        ratios.append(floors[-1] / batches[-1])
    array_seconds = timed(lambda: score_batch("koos", table), args.repeats)
    frame_seconds = timed(lambda: score_batch("koos", frame), args.repeats)
    start = time.perf_counter()
    looped = [score("koos", responses).values for responses in sample]
    loop_seconds = time.perf_counter() - start

    batch = score_batch("koos", table[: args.loop_sample])
    expected = pd.DataFrame(looped).astype(float)
    assert np.array_equal(batch.to_numpy(), expected.to_numpy(), equal_nan=True)

    loop_rate = args.loop_sample / loop_seconds
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores (pinned to 1), "
        f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}"
    )
    print(
        f"KOOS responses: {args.rows:,} (42 items, 10 % unanswered); median of {args.repeats} runs"
    )
    print(
        f"score_batch, numpy array : {array_seconds:7.3f} s  "
        f"{args.rows / array_seconds:>12,.0f} responses/s"
    )
    print(
        f"score_batch, DataFrame   : {frame_seconds:7.3f} s  "
        f"{args.rows / frame_seconds:>12,.0f} responses/s"
    )
    print(
        f"loop over score          : {loop_seconds:7.3f} s for {args.loop_sample:,} "
        f"-> {loop_rate:,.0f} responses/s; {args.rows / loop_rate:,.0f} s for "
        f"{args.rows:,} (extrapolated)"
    )
    print(f"ratio batch(array)/loop  : {args.rows / array_seconds / loop_rate:,.0f}x")
    print(
        f"floor, np.nansum         : {statistics.median(floors):7.3f} s median; "
        f"batch beside it {statistics.median(batches):.3f} s ({len(ratios)} pairs)"
    )
    print(
        f"ratio floor/batch        : min {min(ratios):.2f} median {statistics.median(ratios):.2f} "
        f"max {max(ratios):.2f}   goal >= 0.50; load average "
        + " ".join(f"{x:.1f}" for x in os.getloadavg())
    )
    print("check: batch equals loop on the sample: yes")


if __name__ == "__main__":
    main()
