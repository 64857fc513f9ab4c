#!/usr/bin/env python3
"""Static worst-case stack of the Cortex-M4 firmware, beside the painted figure.

Builds the firmware for MODEL (default: tests/models/echo-partial.elsm)
with `-Z emit-stack-sizes` (through RUSTC_BOOTSTRAP, in its own target
directory), reads every function's frame from the ELF's `.stack_sizes`
section (for functions compiled without it, such as compiler-builtins'
`memcpy`, the prologue from the machine code), adds what each body pushes
after its prologue (the inline-assembly kernels), takes the call graph from the disassembly (`bl` and
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


# Functions, their calls, and what their instructions push: the prologue
# (the pushes and `sub sp` before the first branch) and, after it, the deepest extra
# that inline assembly pushes (a running total that never drops below the
# prologue's level, so an epilogue met first in address order does not
# hide a later push).
names, calls, prologue, extra = {}, {}, {}, {}
current = opening = None
depth = 0
for line in tool("llvm-objdump", "-d", "--no-show-raw-insn", "--demangle", elf).splitlines():
    if m := re.match(r"^([0-9a-f]+) <(.+)>:$", line):
        current, opening, depth = int(m.group(1), 16), True, 0
        names[current], calls[current] = m.group(2), set()
        prologue[current] = extra[current] = 0
    elif current is not None and (m := re.match(r"^\s+[0-9a-f]+:\s+(\S+)\s*(.*)$", line)):
        op, args = m.group(1), m.group(2)
        if op in ("blx", "bx") and re.match(r"r\d|ip", args):
            sys.exit(f"indirect call in {names[current]}: {line.strip()}")
        if (t := re.match(r"0x([0-9a-f]+)", args)) and op in ("bl", "b", "b.w"):
            calls[current].add(int(t.group(1), 16))
        change = 0
        if op in ("push", "push.w") and (regs := re.search(r"\{(.*)\}", args)):
            change = 4 * registers(regs.group(1))
        elif op == "vpush" and (regs := re.search(r"\{(.*)\}", args)):
            change = 8 * registers(regs.group(1))
        elif op in ("sub", "sub.w", "subw") and (n := re.match(r"sp, (?:sp, )?#(\d+)", args)):
            change = int(n.group(1))
        elif op in ("pop", "pop.w") and (regs := re.search(r"\{(.*)\}", args)):
            change = -4 * registers(regs.group(1))
        elif op in ("add", "add.w", "addw") and (n := re.match(r"sp, (?:sp, )?#(\d+)", args)):
            change = -int(n.group(1))
        # The prologue: what the function pushes before its first branch.
        opening = opening and not (op.startswith("b") or op.startswith("cb"))
        if opening:
            prologue[current] += max(change, 0)
            continue
        depth = max(0, depth + change)
        extra[current] = max(extra[current], depth)

calls = {f: {t for t in ts if t in names and t != f} for f, ts in calls.items()}


def frame(f):
    """rustc's frame (else the prologue's), plus what inline assembly pushes."""
    return recorded.get(f, prologue[f]) + extra[f]


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
        source = "recorded" if f in recorded else "machine code"
        pushes = f", {extra[f]} pushed in its body" if extra[f] else ""
        print(f"{frame(f):6}  {names[f][:90]}  ({source}{pushes})")
    print(f"  + an exception at the deepest point (104 bytes of FPU context, SysTick's"
          f" {handler}): {total + 104 + handler} bytes\n")
