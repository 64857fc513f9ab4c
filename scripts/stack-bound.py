#!/usr/bin/env python3
"""Static worst-case stack of the Cortex-M4 firmware, beside the painted figure.

Builds the firmware for MODEL (default: tests/models/echo-partial.elsm)
with `-Z emit-stack-sizes` (through RUSTC_BOOTSTRAP, in its own target
directory), reads every function's frame from the ELF's `.stack_sizes`
section (functions compiled without it, such as compiler-builtins'
`memcpy`, and the `push` inside the inline-assembly kernels are read from
the machine code), takes the call graph from the disassembly (`bl` and
tail-call branches; the firmware has no indirect calls, which the script
checks), and prints the deepest call chain from `main` with its total.

    python3 scripts/stack-bound.py [MODEL]

Needs llvm-objdump and llvm-nm (rustup's llvm-tools, or the system's).
"""
import os
import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
model = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "tests/models/echo-partial.elsm").resolve()
target_dir = ROOT / "target/stack-bound"
env = dict(os.environ, RUSTC_BOOTSTRAP="1", ELSM_MODEL=str(model), CARGO_TARGET_DIR=str(target_dir))
subprocess.run(["cargo", "rustc", "--release", "--quiet", "--", "-Z", "emit-stack-sizes"],
               cwd=ROOT / "examples/cortex-m", env=env, check=True)
elf = str(target_dir / "thumbv7em-none-eabihf/release/echo-firmware")


def tool(*args):
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


# Frames recorded by rustc: (address, ULEB128 size) pairs.
raw = b"".join(bytes.fromhex(line[6:41].replace(" ", ""))
               for line in tool("llvm-objdump", "-s", "-j", ".stack_sizes", elf).splitlines()
               if re.match(r"^ [0-9a-f]{4,} ", line))
recorded, i = {}, 0
while i + 4 < len(raw):
    addr = int.from_bytes(raw[i:i + 4], "little")
    i, size, shift = i + 4, 0, 0
    while True:
        b = raw[i]
        i += 1
        size |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            break
    recorded[addr & ~1] = size

def registers(listed):
    """How many registers a `{r4, r5, r7, lr}` or `{d8-d9}` list names."""
    count = 0
    for item in (x.strip() for x in listed.split(",")):
        first, _, last = item.partition("-")
        count += int(last[1:]) - int(first[1:]) + 1 if last else 1
    return count


# Functions, their calls and the stack their own instructions push.
names, calls, pushed = {}, {}, {}
current = None
for line in tool("llvm-objdump", "-d", "--no-show-raw-insn", "--demangle", elf).splitlines():
    if m := re.match(r"^([0-9a-f]+) <(.+)>:$", line):
        current = int(m.group(1), 16)
        names[current], calls[current], pushed[current] = m.group(2), set(), [0, 0]
    elif current is not None and (m := re.match(r"^\s+[0-9a-f]+:\s+(\S+)\s*(.*)$", line)):
        op, args = m.group(1), m.group(2)
        if op in ("blx", "bx") and re.match(r"r\d|r1[0-2]|ip", args):
            sys.exit(f"indirect call in {names[current]}: {line.strip()}")
        if (t := re.match(r"(?:bl|b|b\.w)\s+0x([0-9a-f]+)", f"{op} {args}")) and op in ("bl", "b", "b.w"):
            calls[current].add(int(t.group(1), 16))
        # Running stack use of straight-line code: pushes and sp adjustments.
        depth = pushed[current]
        if op in ("push", "push.w") and (regs := re.search(r"\{(.*)\}", args)):
            depth[0] += 4 * registers(regs.group(1))
        elif op == "vpush" and (regs := re.search(r"\{(.*)\}", args)):
            depth[0] += 8 * registers(regs.group(1))
        elif op in ("sub", "sub.w", "subw") and (n := re.match(r"sp, (?:sp, )?#(\d+)", args)):
            depth[0] += int(n.group(1))
        elif op in ("pop", "pop.w") and (regs := re.search(r"\{(.*)\}", args)):
            depth[0] -= 4 * registers(regs.group(1))
        elif op in ("add", "add.w", "addw") and (n := re.match(r"sp, (?:sp, )?#(\d+)", args)):
            depth[0] -= int(n.group(1))
        depth[1] = max(depth[1], depth[0])

starts = sorted(names)
calls = {f: {t for t in ts if t in names and t != f} for f, ts in calls.items()}


def frame(f):
    # rustc's figure counts the prologue; the scan adds what inline
    # assembly pushes on top of it.
    scanned = pushed[f][1]
    return max(recorded.get(f, 0), scanned)


@lru_cache(maxsize=None)
def deepest(f, skip, seen=frozenset()):
    """The deepest chain from `f` that does not enter function `skip`."""
    if f in seen:
        sys.exit(f"recursion through {names[f]}")
    best = (0, ())
    for t in calls[f]:
        if names[t] != skip and (d := deepest(t, skip, seen | {f}))[0] > best[0]:
            best = d
    return frame(f) + best[0], (f,) + best[1]


main = next(a for a, n in names.items() if n == "main")
handler = max(frame(a) for a, n in names.items() if n == "SysTick")
# Loading (the model's decoding and validation) and running (every
# record's inference, once the model is loaded) peak apart, as the
# firmware's painted figures do.
for what, skip in (("loading", None), ("running", "echo_firmware::load")):
    total, chain = deepest(main, skip)
    print(f"{model.name}, {what}: deepest chain from main {total} bytes")
    for f in chain:
        source = "recorded" if recorded.get(f, 0) >= pushed[f][1] else "machine code"
        print(f"{frame(f):6}  {names[f][:90]}  ({source})")
    print(f"  + an exception at the deepest point (104 bytes of FPU context, SysTick's"
          f" {handler}): {total + 104 + handler} bytes\n")
