//! Host/device parity on users' data: each committed model of a data set
//! (`trainer train --data`) runs its whole test split in the Cortex-M4 and
//! Cortex-M0 firmware under QEMU, fed the file's raw readings (the
//! firmware's raw-readings inputs: quantised on the device with
//! `Model::quantise_input`, each sequence run at its own length), and every
//! class the device prints must equal the host engine's on the same
//! readings quantised the same way. The host's classes must also score
//! what the model scores on that split, so the comparison is not vacuous.
//! A split larger than the Cortex-M0's flash runs in several firmware
//! builds. Every image must link no panic path of `core`.
//!
//! Needs `qemu-system-arm` and the thumbv7em-none-eabihf and
//! thumbv6m-none-eabi Rust targets, as `qemu_parity` does.

use std::path::{Path, PathBuf};
use std::time::Duration;

use echo_tests::device::{
    model_classes, panic_paths, require_qemu, run_readings, workspace, Readings, Run, Target,
};
use infer_nostd::Model;

/// Longest one firmware run may take.
const TIMEOUT: Duration = Duration::from_secs(240);

fn scratch() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("data-parity")
}

/// A committed data model and its test split.
struct DataModel {
    /// The model under tests/models/.
    model: &'static str,
    /// The test split under the workspace root.
    split: &'static str,
    /// Sequences the split holds.
    sequences: usize,
    /// The fewest of them the host engine must classify right.
    accuracy: f64,
}

const BASIC_MOTIONS: DataModel = DataModel {
    model: "tests/models/basic-motions.elsm",
    split: "data/uea/BasicMotions_TEST.ts",
    sequences: 40,
    accuracy: 1.0,
};

const JAPANESE_VOWELS: DataModel = DataModel {
    model: "tests/models/japanese-vowels.elsm",
    split: "data/uea/JapaneseVowels_TEST.ts",
    sequences: 370,
    accuracy: 0.96,
};

/// Runs `case`'s whole test split, raw, on both targets and checks the
/// device against the host and the host against the labels.
fn check(case: &DataModel) {
    require_qemu();
    let root = workspace();
    let model_path = root.join(case.model);
    let bytes = std::fs::read(&model_path).expect("read the model");
    let model = Model::from_bytes(&bytes).expect("load the model");
    let text = std::fs::read_to_string(root.join(case.split)).expect("read the test split");
    let data = series_data::read_ts(&text).expect("parse the test split");
    assert_eq!(data.sequences.len(), case.sequences, "{}", case.split);
    let readings = Readings::from_dataset(&data);

    let expected = readings.host_predictions(&model);
    let labels = model_classes(&model, &data).expect("the split's labels");
    let right = expected
        .iter()
        .zip(&labels)
        .filter(|(p, &l)| p.as_slice() == [l as i32])
        .count();
    let accuracy = right as f64 / labels.len() as f64;
    assert!(
        accuracy >= case.accuracy,
        "{}: the host classifies {right} of {} right",
        case.model,
        labels.len()
    );

    let name = Path::new(case.model)
        .file_stem()
        .expect("a model file name")
        .to_string_lossy();
    for target in Target::ALL {
        let runs = run_readings(target, &name, &model_path, &readings, &scratch(), TIMEOUT);
        for run in &runs {
            let panics = panic_paths(&run.elf);
            assert!(panics.is_empty(), "{name}: the firmware links {panics:?}");
        }
        let got: Vec<Vec<i32>> = runs.iter().flat_map(|r| r.predictions.clone()).collect();
        assert_eq!(
            got.len(),
            expected.len(),
            "{} {name}: the device printed {} classes for {} sequences",
            target.name(),
            got.len(),
            expected.len()
        );
        for (i, (got, want)) in got.iter().zip(&expected).enumerate() {
            assert_eq!(
                got,
                want,
                "{} {name} sequence {i} ({} steps): device != host",
                target.name(),
                readings.sequences[i].len() / readings.channels
            );
        }
        report(target, &name, &model, &readings, &runs, accuracy);
    }
}

/// Prints the device figures of a split's runs.
fn report(
    target: Target,
    name: &str,
    model: &Model,
    readings: &Readings,
    runs: &[Run],
    accuracy: f64,
) {
    let sum = |stat: &str, per_record: bool| -> u64 {
        runs.iter()
            .map(|r| {
                let v = r.stat(stat);
                if per_record {
                    v * r.stat("records")
                } else {
                    v
                }
            })
            .sum()
    };
    let sequences = readings.sequences.len() as u64;
    let instructions = sum("instructions", false);
    let quantise = sum("quantise_instructions_per_record", true);
    let first = &runs[0];
    println!(
        "{} {name}: {sequences} sequences in {} run(s) bit-exact, {:.2}% right; \
         {} instructions per sequence ({:.2} per MAC) + {} quantising; \
         code {} B, model {} B, RAM {} B statics + {} B stack",
        target.name(),
        runs.len(),
        accuracy * 100.0,
        instructions / sequences,
        instructions as f64 / readings.macs(model) as f64,
        quantise / sequences,
        first.stat("code_bytes"),
        first.stat("model_bytes"),
        first.stat("static_bytes"),
        runs.iter()
            .map(|r| r.stat("stack_bytes"))
            .max()
            .unwrap_or(0),
    );
}

#[test]
fn basic_motions_test_split_is_bit_exact_on_cortex_m4_and_m0() {
    check(&BASIC_MOTIONS);
}

#[test]
fn japanese_vowels_test_split_is_bit_exact_on_cortex_m4_and_m0() {
    check(&JAPANESE_VOWELS);
}
