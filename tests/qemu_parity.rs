//! Host/device parity: every task's model runs in the Cortex-M firmware
//! under QEMU on fresh inputs, and every printed prediction must equal the
//! host engine's, bit for bit (the raw regression value, not only the
//! argmax). Cortex-M4 (the DSP kernels) runs every model; Cortex-M0 (the
//! portable kernels) every model that fits its 256 KiB of flash. Every
//! firmware image built here must also link no panic path of `core`.
//!
//! Needs `qemu-system-arm` (Debian: `apt-get install -y qemu-system-arm`)
//! and the thumbv7em-none-eabihf and thumbv6m-none-eabi Rust targets; a
//! missing one fails the test, never skips it. Trained models are read from
//! tests/models/<task>.elsm; until one is committed, a random model of the
//! task's shape stands in for it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use echo_tests::device::{
    build_with_inputs, panic_paths, require_qemu, run_firmware, run_qemu, DeviceTask, Inputs, Mode,
    Source, Target, GRU_TASKS, TASKS, VARIANTS,
};
use echo_tests::random_model::Topology;
use infer_host::quantise::{FloatOutputs, PrecisionPolicy};
use infer_nostd::format::Outputs;
use infer_nostd::format::RecurrentLayer;
use infer_nostd::Model;

/// Fresh windows per task (at least 500).
const WINDOWS: usize = 500;
/// Fewest records a run that fits may hold (wide records fill the flash).
const MIN_RECORDS: usize = 50;
/// Values streamed through echo-lag (at least 500).
const STREAM_STEPS: usize = 600;
/// Longest a run may take (echo-partial on the M4 takes a few seconds).
const TIMEOUT: Duration = Duration::from_secs(240);

fn scratch() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("qemu-parity")
}

/// Runs `task`'s model on `target` and compares with the host engine;
/// returns false if the model does not fit the target's flash.
fn check(target: Target, task: &DeviceTask, policy: PrecisionPolicy, tag: &str) -> bool {
    let (path, source) = task.model_file(&scratch(), policy);
    let bytes = std::fs::read(&path).expect("read the model");
    let model = Model::from_bytes(&bytes).expect("load the model");
    let Some(room) = target.inputs_room(bytes.len()) else {
        return false;
    };
    let mut records = match task.mode {
        Mode::Stream => STREAM_STEPS,
        Mode::Windows | Mode::Raw => WINDOWS,
    };
    // Wide records (echo-whole-one-step's 500 values, 1 KB each) are as
    // many as fit the flash beside the model, and at least MIN_RECORDS.
    let record_bytes = 2 * task.inputs(&model, 1, 0).width;
    if records * record_bytes > room {
        records = room / record_bytes;
        assert!(
            records >= MIN_RECORDS,
            "{}: {records} records fit",
            task.name
        );
    }
    // Fresh inputs: the seed differs from any calibration or training data.
    let inputs = task.inputs(&model, records, 0xD0_0D ^ records as u64);
    let expected = inputs.host_predictions(&model);
    let name = format!("{}-{tag}", task.name);
    let elf = build_with_inputs(target, &name, &path, &inputs, &scratch());
    assert_cannot_panic(&elf, &name);
    let run = run_firmware(target, &elf, TIMEOUT);
    assert_eq!(
        run.predictions.len(),
        expected.len(),
        "{} {} ({source:?}): the device printed {} records, the host made {}",
        target.name(),
        task.name,
        run.predictions.len(),
        expected.len()
    );
    for (i, (got, want)) in run.predictions.iter().zip(&expected).enumerate() {
        assert_eq!(
            got,
            want,
            "{} {} ({source:?}) record {i} (inputs {:?}): device != host",
            target.name(),
            task.name,
            record(&inputs, i)
        );
    }
    println!(
        "{} {:<13} {:>9}: {} records bit-exact, {} instructions per record",
        target.name(),
        task.name,
        if source == Source::Committed {
            "trained"
        } else {
            "stand-in"
        },
        expected.len(),
        run.stat("instructions_per_record")
    );
    true
}

fn record(inputs: &Inputs, i: usize) -> &[i16] {
    &inputs.values[i * inputs.width..(i + 1) * inputs.width]
}

#[test]
fn cortex_m4_predicts_exactly_what_the_host_predicts() {
    require_qemu();
    for task in &TASKS {
        assert!(check(Target::M4, task, PrecisionPolicy::Int8, "m4"));
    }
}

#[test]
fn cortex_m0_predicts_exactly_what_the_host_predicts() {
    require_qemu();
    let fitted: Vec<&str> = TASKS
        .iter()
        .filter(|t| check(Target::M0, t, PrecisionPolicy::Int8, "m0"))
        .map(|t| t.name)
        .collect();
    // The seed configurations of every task but echo-partial fit.
    assert!(fitted.len() >= 4, "only {fitted:?} fit the Cortex-M0");
}

#[test]
fn the_extensions_variants_are_bit_exact_on_cortex_m4_and_m0() {
    // Trained models, committed: a stand-in would prove nothing new.
    require_qemu();
    for task in &VARIANTS {
        // An echo-partial at 100.00% that fits the Cortex-M0 is the point
        // of echo-partial-m0; the other variants are echo-whole's size.
        assert!(
            committed_runs_on_m4_and_m0(task),
            "{} does not fit the Cortex-M0",
            task.name
        );
    }
}

/// Checks `task`'s committed model (there must be one) on the M4 and, if
/// it fits, the M0; returns whether it fits.
fn committed_runs_on_m4_and_m0(task: &DeviceTask) -> bool {
    let (_, source) = task.model_file(&scratch(), PrecisionPolicy::Int8);
    assert_eq!(
        source,
        Source::Committed,
        "{}: no committed model",
        task.name
    );
    assert!(check(Target::M4, task, PrecisionPolicy::Int8, "m4"));
    check(Target::M0, task, PrecisionPolicy::Int8, "m0")
}

#[test]
fn gru_models_are_bit_exact_on_cortex_m4_and_m0() {
    // The GRU cell's firmware (feature `gru`): every task's trained GRU
    // model on the M4 (the DSP dot products under the GRU unit loop) and,
    // where it fits, the M0 (the portable kernels); a stand-in with int16
    // weights on the M4 too.
    require_qemu();
    for task in &GRU_TASKS {
        let fits = committed_runs_on_m4_and_m0(task);
        // All but the 150-unit echo-partial (284 KB) fit 256 KiB.
        assert_eq!(fits, task.name != "echo-partial-gru", "{}", task.name);
    }
    let scratch = scratch().join("gru-int16");
    stand_in_is_bit_exact_on_m4(&GRU_TASKS[1], PrecisionPolicy::Int16, 200, &scratch);
}

#[test]
fn int16_weights_are_bit_exact_on_cortex_m4() {
    // The SMLALD path: stand-ins with every weight tensor in int16.
    require_qemu();
    let scratch = scratch().join("int16");
    for task in TASKS
        .iter()
        .filter(|t| t.name == "echo-whole" || t.name == "echo-lag")
    {
        stand_in_is_bit_exact_on_m4(task, PrecisionPolicy::Int16, 200, &scratch);
    }
}

/// Runs a stand-in of `task`'s shape with `policy` on `records` fresh
/// records on the Cortex-M4 and asserts the host's predictions.
fn stand_in_is_bit_exact_on_m4(
    task: &DeviceTask,
    policy: PrecisionPolicy,
    records: usize,
    scratch: &Path,
) {
    let path = task.stand_in_file(scratch, policy);
    model_is_bit_exact_on_m4(task, &path, policy, records, scratch);
}

/// Runs the model at `path` (of `task`'s shape) on `records` fresh records
/// on the Cortex-M4 and asserts the host's predictions.
fn model_is_bit_exact_on_m4(
    task: &DeviceTask,
    path: &Path,
    policy: PrecisionPolicy,
    records: usize,
    scratch: &Path,
) {
    let bytes = std::fs::read(path).expect("read the model");
    let model = Model::from_bytes(&bytes).expect("load the model");
    let inputs = task.inputs(&model, records, 7);
    let name = format!("{}-{policy:?}", task.name);
    let elf = build_with_inputs(Target::M4, &name, path, &inputs, scratch);
    assert_cannot_panic(&elf, &name);
    let run = run_firmware(Target::M4, &elf, TIMEOUT);
    assert_eq!(run.predictions, inputs.host_predictions(&model), "{name}");
}

/// No input or model can make the firmware `elf` panic: no code in its
/// image can (the linker keeps only what is called).
fn assert_cannot_panic(elf: &Path, name: &str) {
    let panics = panic_paths(elf);
    assert!(panics.is_empty(), "{name}: the firmware links {panics:?}");
}

#[test]
fn every_row_remainder_is_bit_exact_on_cortex_m4() {
    // Rows of 13, 17, 22 and 27 columns: 4 to 7 words (every entry into
    // the four-times unrolled kernel) with 1 to 3 columns past the last
    // whole group of four (the natural-order tails of the head and of a
    // stacked layer's input).
    require_qemu();
    let scratch = scratch().join("remainders");
    for topology in [Topology::EncoderDecoder, Topology::Stacked] {
        for units in [13, 17, 22, 27] {
            let task = DeviceTask {
                name: Box::leak(format!("{topology:?}-{units}").into_boxed_str()),
                mode: Mode::Windows,
                topology,
                units,
                classes: 10,
                window: 5,
            };
            stand_in_is_bit_exact_on_m4(&task, PrecisionPolicy::Int8, 100, &scratch);
        }
    }
}

#[test]
fn a_unit_the_assembly_loop_leaves_is_bit_exact_on_cortex_m4() {
    // The Cortex-M4's assembly loops requantise recurrent rows whose
    // shift is 33 to 64 (every trained model's); a unit with a row of
    // much larger weights (a smaller shift) stops them there, and the
    // portable code does the rest, in the encoder and in the decoder: the
    // LSTM's unit loop at that unit; the GRU's block loop at that unit's
    // block, whose recurrent row groups (`dsp_groups`) stop at that row's
    // group too. A GRU fed a dense vector (the mixed stack's bidirectional
    // first layer) runs only the row groups in assembly.
    require_qemu();
    let scratch = scratch().join("wide-row");
    let units = 24;
    let wide = 9;
    // Unit `wide`'s second gate (the LSTM's forget gate, the GRU's update
    // gate): its float row, and its row in the file.
    let cases = [
        ("wide-recurrent-row", Topology::EncoderDecoder, 4 * wide + 1),
        (
            "wide-gru-row",
            Topology::GruEncoderDecoder,
            12 * (wide / 4) + 4 + wide % 4,
        ),
        (
            "wide-gru-vector-row",
            Topology::GruMixed,
            12 * (wide / 4) + 4 + wide % 4,
        ),
    ];
    for (name, topology, file_row) in cases {
        let task = DeviceTask {
            name,
            mode: Mode::Windows,
            topology,
            units,
            classes: 10,
            window: 5,
        };
        let path = task.edited_stand_in_file(&scratch, PrecisionPolicy::Int8, |float| {
            let mut layers = vec![&mut float.encoder[0]];
            if let FloatOutputs::EncoderDecoder { decoder, .. } = &mut float.outputs {
                layers.push(&mut decoder[0]);
            }
            for layer in layers {
                // 400 times larger.
                let row = (units + wide) * units;
                for w in &mut layer.forward.recurrent[row..row + units] {
                    *w *= 400.0;
                }
            }
        });
        let bytes = std::fs::read(&path).expect("read the model");
        let model = Model::from_bytes(&bytes).expect("load the model");
        let below = |layer: RecurrentLayer| {
            let shifts = layer.forward.recurrent.shifts;
            let rows = layer.forward.recurrent.rows as usize;
            (0..rows)
                .filter(|&r| shifts[r] < 33)
                .collect::<Vec<usize>>()
        };
        let mut stacks = vec![("encoder", model.encoder())];
        if let Outputs::EncoderDecoder { decoder, .. } = model.readout() {
            stacks.push(("decoder", decoder));
        }
        for (stack, layers) in stacks {
            let layer = layers.get(0).expect("a layer");
            assert_eq!(
                below(layer),
                [file_row],
                "{name} {stack}: rows shifted less than 33"
            );
        }
        model_is_bit_exact_on_m4(&task, &path, PrecisionPolicy::Int8, 100, &scratch);
    }
}

#[test]
fn an_engine_error_exits_non_zero() {
    require_qemu();
    let task = TASKS
        .iter()
        .find(|t| t.name == "echo-index")
        .expect("echo-index");
    let (path, _) = task.model_file(&scratch(), PrecisionPolicy::Int8);
    let bytes = std::fs::read(&path).expect("read the model");
    let model = Model::from_bytes(&bytes).expect("load the model");
    let mut inputs = task.inputs(&model, 3, 1);
    // A class index past the one-hot range in the second window.
    let last = inputs.width + 1;
    inputs.values[last] = i16::MAX;
    let elf = build_with_inputs(Target::M4, "bad-input", &path, &inputs, &scratch());
    let exit = run_qemu(Target::M4, &elf, TIMEOUT);
    // Exit status 10 + the error's number: InputOutOfRange is 10.
    assert_eq!(exit.status, Some(20), "stdout: {}", exit.stdout);
    assert_eq!(
        exit.stdout.lines().count(),
        2,
        "one window, then the error: {}",
        exit.stdout
    );
}
