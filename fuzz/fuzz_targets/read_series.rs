//! Fuzz target: a user's time-series file, any bytes (as UTF-8 when they
//! are, lossily decoded otherwise), to all three `series-data` readers:
//! `.ts`, CSV sequences and CSV series (see `src/series.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    infer_nostd_fuzz::series::read_all(data);
});
