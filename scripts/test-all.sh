#!/usr/bin/env bash
# The one test command: sets up what a fresh machine lacks, then runs every
# test (the QEMU host/device parity test included).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }

say "toolchain targets"
rustup target add thumbv6m-none-eabi thumbv7em-none-eabihf
rustup component add rustfmt clippy >/dev/null 2>&1 || true

if ! command -v qemu-system-arm >/dev/null; then
    say "installing qemu-system-arm"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq qemu-system-arm
fi
qemu-system-arm --version | head -1

say "format and lints"
cargo fmt --all --check
# No crate's modules import each other in a circle.
python3 scripts/module-cycles.py
cargo clippy --workspace --all-targets -- -D warnings
# The trainer's other burn backend (a feature, off by default) stays clean too.
cargo clippy -p trainer --all-targets --features ndarray -- -D warnings
# The engine without its GRU cell (feature `gru`, which LSTM-only firmware leaves out).
cargo clippy -p infer-nostd --no-default-features -- -D warnings

say "infer-nostd builds for Cortex-M0 and Cortex-M4"
cargo build -p infer-nostd --release --target thumbv6m-none-eabi
cargo build -p infer-nostd --release --target thumbv7em-none-eabihf
cargo build -p infer-nostd --release --no-default-features --target thumbv6m-none-eabi

say "tests (unit, property, golden, parity, QEMU)"
# Every member: infer-nostd (with serde on, as infer-host needs it: its
# decoder is tested against postcard), infer-host, trainer and echo-tests
# (tests/: the QEMU parity test).
cargo test --workspace

say "fuzz harness: lints, seed and regression replay, then a bounded fuzz run"
cargo fmt --manifest-path fuzz/Cargo.toml --check
cargo clippy --manifest-path fuzz/Cargo.toml --all-targets -- -D warnings
cargo test --manifest-path fuzz/Cargo.toml
FUZZ_SECONDS="${FUZZ_SECONDS:-60}" bash fuzz/run-bounded.sh

say "firmware lints"
# The firmware's workspace: the firmware and its inputs format crate
# (firmware-inputs, also with the host writer its build script and the tests use).
(cd examples/cortex-m && cargo fmt --check \
    && cargo clippy --release --workspace -- -D warnings \
    && cargo clippy --release -p firmware-inputs --features alloc -- -D warnings)

say "firmware inputs format: unit tests"
# On the host (the firmware's workspace builds for a thumb target by default).
(cd examples/cortex-m && cargo test -p firmware-inputs --features alloc \
    --target "$(rustc -vV | sed -n 's/^host: //p')")
