//! Fuzz target: past the CRC. The model bytes are a postcard payload, which
//! the harness frames with the magic, the format version and a correct
//! CRC-32, so every mutation reaches validation and, if it is accepted,
//! the runner. The engine itself is unchanged.
//!
//! Input: `[k: u8] [script: k bytes] [postcard payload ...]`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (script, payload) = infer_nostd_fuzz::split_input(data);
    let file = infer_nostd_fuzz::frame_payload(payload);
    infer_nostd_fuzz::load_and_exercise(&file, script);
});
