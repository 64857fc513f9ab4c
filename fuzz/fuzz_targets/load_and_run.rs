//! Fuzz target: a whole model file, as it might arrive from disk, a radio
//! link or a corrupted flash page, then calls on the model if it loads.
//!
//! Input: `[k: u8] [script: k bytes] [model file ...]` (see the harness in
//! `src/lib.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (script, file) = infer_nostd_fuzz::split_input(data);
    infer_nostd_fuzz::load_and_exercise(file, script);
});
