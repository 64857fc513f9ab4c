#!/usr/bin/env python3
"""The smallest hidden size that echoes 2, 3, 4 and 5 values (echo-partial).

For each task, bisects the units of the encoder and the decoder over a
grid, training with the release `trainer` binary (fast recipe, seed 1 by
default) and counting a size as enough when training reaches its target
and the exported model scores 100.00% float and fixed on the trainer's
10,000 fresh verification windows. Bisection assumes a size that is
enough stays enough when larger (every size it visits is printed, so a
reader can see the runs it rests on). Prints one line per run, then a
Markdown table of the smallest sizes with their training time.

    python3 scripts/units-search.py [--seed N] [--max-steps N] [--lr R] [--grid N,N,...] [TASK...]

TASK defaults to echo-partial, echo-partial-3, echo-partial-4 and
echo-partial-5. `--keep DIR` keeps each task's smallest model as
DIR/TASK-UNITS.elsm. `TRAINER=PATH` runs that binary instead of building one.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The binary to run: $TRAINER if set (then nothing is built), else the release build.
TRAINER = os.environ.get("TRAINER")
TASKS = ["echo-partial", "echo-partial-3", "echo-partial-4", "echo-partial-5"]
# Sizes tried, smallest first; the published configuration is 150.
GRID = [4, 6, 8, 10, 12, 14, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 150, 192, 256]


def train(task, units, seed, max_steps, lr, out):
    """One training run; returns its JSON line (exit 3, a missed target, included)."""
    rate = ["--lr", str(lr)] if lr else []
    run = subprocess.run(
        [TRAINER or ROOT / "target/release/trainer", "train", "--task", task, "--units", str(units),
         "--seed", str(seed), "--max-steps", str(max_steps), "--out", out, "--json", "--force"] + rate,
        cwd=ROOT, capture_output=True, text=True)
    if run.returncode not in (0, 3):
        sys.exit(f"{task} units {units}: exit {run.returncode}: {run.stderr.strip()}")
    return json.loads(run.stdout)


def enough(d):
    return d["target_reached"] and d["float_accuracy"] == 1.0 and d["fixed_accuracy"] == 1.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tasks", nargs="*", default=TASKS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-steps", type=int, default=20_000)
    parser.add_argument("--lr", type=float, help="learning rate (default: the task's)")
    parser.add_argument("--grid", type=lambda s: [int(u) for u in s.split(",")], default=GRID,
                        help="sizes to bisect, ascending (default: 4 to 256)")
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    grid = args.grid
    if not TRAINER:
        subprocess.run(["cargo", "build", "--release", "-p", "trainer", "--quiet"], cwd=ROOT, check=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for task in args.tasks:
            lo, hi = 0, len(grid) - 1  # grid[hi] is assumed enough until a run says otherwise
            runs = {}
            while lo <= hi:
                mid = (lo + hi) // 2
                units = grid[mid]
                out = Path(tmp) / f"{task}-{units}.elsm"
                d = train(task, units, args.seed, args.max_steps, args.lr, out)
                runs[units] = (d, out)
                ok = enough(d)
                print(f"{task} units {units}: {'enough' if ok else 'not enough'}: "
                      f"float {d['float_accuracy']:.4%} fixed {d['fixed_accuracy']:.4%} "
                      f"steps {d['steps']} train {d['train_seconds']:.1f} s "
                      f"bytes {d['model_bytes']}", flush=True)
                if ok:
                    hi = mid - 1
                else:
                    lo = mid + 1
            found = [u for u, (d, _) in runs.items() if enough(d)]
            if not found:
                rows.append((task, None, None))
                continue
            best = min(found)
            d, path = runs[best]
            rows.append((task, best, d))
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, args.keep / f"{task}-{best}.elsm")
    print()
    print("| task | smallest units | steps | train s | wall s | model bytes | fixed |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for task, units, d in rows:
        if units is None:
            print(f"| {task} | none of {grid[-1]} or fewer | | | | | |")
            continue
        wall = d["train_seconds"] + d["check_seconds"]
        print(f"| {task} | {units} | {d['steps']:,} | {d['train_seconds']:.1f} | {wall:.1f} "
              f"| {d['model_bytes']:,} | {d['fixed_accuracy']:.2%} |")


if __name__ == "__main__":
    main()
