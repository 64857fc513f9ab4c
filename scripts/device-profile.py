#!/usr/bin/env python3
"""Where a Cortex-M4 window's instructions go, per function.

Builds the firmware with MODEL (default: tests/models/echo-partial.elsm)
and its default inputs, runs it in QEMU logging every executed
translation block, and prints executed instructions per record for the
functions that take the most (start-up work such as the CRC check is
listed too; divide-by-records applies to it as well), the same by engine
function with inlining undone (each instruction counted to the innermost
infer-nostd function its debug line is in: the step's assembly unit loop
apart from the rest of the step), plus the hottest blocks with their
per-record execution counts.

    python3 scripts/device-profile.py [MODEL]
"""
import collections
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE = ROOT / "examples/cortex-m"
model = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "tests/models/echo-partial.elsm").resolve()
target_dir = ROOT / "target/device-profile"
env = dict(os.environ, ELSM_MODEL=str(model), CARGO_TARGET_DIR=str(target_dir))
# The GRU cell linked in for every model: the profile counts what runs, and
# a GRU model's firmware needs it.
subprocess.run(["cargo", "build", "--release", "--quiet", "--features", "gru"], cwd=FIRMWARE,
               env=env, check=True)
elf = target_dir / "thumbv7em-none-eabihf/release/echo-firmware"

with tempfile.TemporaryDirectory() as tmp:
    log = Path(tmp) / "trace.log"
    run = subprocess.run(
        ["qemu-system-arm", "-cpu", "cortex-m4", "-machine", "mps2-an386", "-nographic",
         "-semihosting-config", "enable=on,target=native", "-icount", "shift=6,align=off",
         "-d", "exec,nochain,in_asm", "-D", str(log), "-kernel", str(elf)],
        # A firmware that hangs would grow the trace without bound.
        capture_output=True, text=True, check=True, timeout=300)
    records = int(re.search(r"^# records (\d+)", run.stdout, re.M).group(1))
    # A guest block may be translated more than once (with another
    # length): each translation is known by its host address, which the
    # first execution after its listing names.
    sizes, names, pcs, counts = {}, {}, {}, collections.Counter()
    instructions = {}
    listed = None
    for line in open(log):
        if line.startswith("IN:"):
            listed = [line[3:].strip(), []]
        elif m := re.match(r"0x([0-9a-f]+):\s", line):
            listed[1].append(int(m.group(1), 16))
        elif m := re.match(r"Trace \d+: (0x[0-9a-f]+) \[[0-9a-f]+/([0-9a-f]+)/", line):
            host, pc = m.group(1), int(m.group(2), 16)
            if listed and listed[1] and listed[1][0] == pc:
                names[host], instructions[host] = listed
                sizes[host], pcs[host] = len(listed[1]), pc
                listed = None
            counts[host] += 1

demangle = lambda s: subprocess.run(["c++filt", "-p"], input=s, capture_output=True, text=True).stdout.strip() or s
by_function = collections.Counter()
for block, n in counts.items():
    by_function[names.get(block, "?")] += n * sizes.get(block, 0)
print(f"{model.name}: {records} records; executed instructions per record")
for function, n in by_function.most_common(12):
    print(f"{n / records:12.0f}  {demangle(function)[:110]}")
# Every executed address, counted, then its innermost engine function.
per_address = collections.Counter()
for block, n in counts.items():
    for address in instructions.get(block, []):
        per_address[address] += n
addresses = sorted(per_address)
lines = subprocess.run(
    ["llvm-symbolizer", "--obj", str(elf), "--inlining", "--functions=short", "--demangle"],
    input="\n".join(map(hex, addresses)), capture_output=True, text=True, check=True,
).stdout.strip().split("\n\n")
by_engine_function = collections.Counter()
for address, frames in zip(addresses, lines):
    frames = frames.strip().split("\n")
    pairs = zip(frames[0::2], frames[1::2])
    name = next((f for f, at in pairs if "infer-nostd/src" in at), "(outside the engine)")
    by_engine_function[name] += per_address[address]
print("\nby engine function, inlining undone: instructions per record")
for function, n in by_engine_function.most_common(12):
    print(f"{n / records:12.0f}  {function[:110]}")
print("\nhottest blocks: instructions per record, block size x executions per record")
hot = sorted(counts, key=lambda b: -counts[b] * sizes.get(b, 0))[:15]
for block in hot:
    n = counts[block] / records
    pc = pcs.get(block, 0)
    print(f"{n * sizes.get(block, 0):12.0f}  {pc:#07x}  {sizes.get(block, 0):3} x {n:8.0f}  {demangle(names.get(block, '?'))[:70]}")
