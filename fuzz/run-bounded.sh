#!/usr/bin/env bash
# Fuzzes every target (load_and_run, mutate_model, read_series) for a bounded time each.
#
#   fuzz/run-bounded.sh                      # 60 s per target (the README's test run)
#   FUZZ_SECONDS=3600 fuzz/run-bounded.sh    # a long run: one hour per target
#
# Environment:
#   FUZZ_SECONDS    seconds per target (default 60)
#   FUZZ_SANITIZER  address (default: catches memory errors and leaks) or none (about 3x faster)
#   FUZZ_TARGETS    targets to run (default: all three)
#
# Installs cargo-fuzz if missing. The machine's stable toolchain is enough:
# RUSTC_BOOTSTRAP=1 lets it take the -Zsanitizer flags cargo-fuzz passes.
# Each run starts from the committed seeds (fuzz/seeds/<target>) and crash
# regressions (fuzz/regressions/<target>) and keeps what it finds in
# fuzz/corpus/<target> (not committed). A crash, a hang over 1 s or an RSS
# over 2 GiB stops the run with a non-zero exit; the input is written to
# fuzz/artifacts/<target>/.
set -euo pipefail

cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-60}"
sanitizer="${FUZZ_SANITIZER:-address}"
targets="${FUZZ_TARGETS:-load_and_run mutate_model read_series}"

export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked --version 0.13.2
fi
# Builds go to one directory per sanitizer, so switching does not rebuild.
target_dir="fuzz/target/$sanitizer"
# Cargo caches rustc's answers per flag set, including a refusal of the -Z
# flags by a run made without RUSTC_BOOTSTRAP: drop that cache.
rm -f "$target_dir/.rustc_info.json"
for target in $targets; do
    mkdir -p "fuzz/corpus/$target"
    echo "== fuzzing $target for ${seconds}s (sanitizer: $sanitizer)"
    cargo fuzz run --sanitizer "$sanitizer" --target-dir "$target_dir" "$target" \
        "fuzz/corpus/$target" "fuzz/seeds/$target" "fuzz/regressions/$target" -- \
        -max_total_time="$seconds" -timeout=1 -rss_limit_mb=2048 -print_final_stats=1
done
