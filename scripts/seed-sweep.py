#!/usr/bin/env python3
"""Trains tasks with seeds 1..5 through the release `trainer` binary.

Prints one line per run: float and fixed accuracy, agreement, steps, the
seconds of each phase and, for univariate, the fixed engine's prediction
for 70, 80, 90; then the median of those predictions.

    python3 scripts/seed-sweep.py [TASK...]   # default: the five seed tasks
"""
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TASKS = ["echo-index", "echo-whole", "echo-partial", "echo-lag", "univariate"]

subprocess.run(["cargo", "build", "--release", "-p", "trainer", "--quiet"], cwd=ROOT, check=True)
queries = []
with tempfile.TemporaryDirectory() as out:
    for task in sys.argv[1:] or TASKS:
        for seed in range(1, 6):
            run = subprocess.run(
                [ROOT / "target/release/trainer", "train", "--task", task, "--seed", str(seed),
                 "--out", Path(out) / f"{task}-{seed}.elsm", "--json"],
                cwd=ROOT, capture_output=True, text=True)
            # Exit code 3: the run missed its target (reported below).
            if run.returncode not in (0, 3):
                sys.exit(f"{task} seed {seed}: exit {run.returncode}: {run.stderr.strip()}")
            d = json.loads(run.stdout)
            line = (f"{task} seed {seed}: {'target' if d['target_reached'] else 'MISSED'} float {d['float_accuracy']:.2%} "
                    f"fixed {d['fixed_accuracy']:.2%} agreement {d['agreement']:.4%} "
                    f"steps {d['steps']} train {d['train_seconds']:.2f} s "
                    f"checks {d['check_seconds']:.2f} s quantise {d['quantise_seconds']:.2f} s "
                    f"verify {d['verify_seconds']:.2f} s")
            if d.get("query_prediction") is not None:
                queries.append(d["query_prediction"])
                line += f" query {d['query_prediction']:.2f}"
            print(line, flush=True)
if queries:
    print(f"univariate query median: {statistics.median(queries):.2f}")
