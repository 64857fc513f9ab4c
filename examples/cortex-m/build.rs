//! Chooses what the firmware embeds and how it links.
//!
//! - `ELSM_MODEL`: the model file (default `../../tests/models/echo-whole.elsm`).
//!   It is validated here and the engine's capacity (units, layers,
//!   sequence steps) is sized to exactly this model.
//! - `ELSM_INPUTS`: an inputs file (see the `firmware-inputs` crate,
//!   `inputs/`); default: 8 random windows of the model's window length,
//!   generated here. The firmware's record buffer holds the inputs' longest
//!   record: for raw readings (mode 2, sequences of their own lengths) that
//!   is the longest sequence's steps times the channels, so a model of
//!   window 0 (any length) gets its maximum sequence length here, from the
//!   inputs, at build time (and so does a bidirectional model's sequence
//!   buffer). A raw-readings file must have the model's channels per step
//!   and, for a model of a fixed window, that many steps in every record.
//! - `ELSM_MEMORY`: a `memory.x` for a real board; default: the QEMU machine
//!   of the target (`mps2-an386` for Cortex-M4, `microbit` for Cortex-M0).
//! - `ELSM_ICOUNT_SHIFT`: the `-icount shift` the runner uses (default 6),
//!   to convert SysTick ticks into instructions.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

use infer_nostd::format::{Cell, Input, Outputs};
use infer_nostd::Layers;
use infer_nostd::Model;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A QEMU machine the firmware links for by default.
struct Board {
    /// The linker memory map under `memory/`.
    memory: &'static str,
    /// SysTick period in ps (the machine's core clock).
    tick_ps: u64,
}

fn board(target: &str) -> Board {
    if target.starts_with("thumbv6m") {
        // QEMU's nRF51 clocks SysTick at 16 MHz.
        Board {
            memory: "microbit.x",
            tick_ps: 62_500,
        }
    } else {
        // The MPS2 FPGA images run the core at 25 MHz.
        Board {
            memory: "mps2-an386.x",
            tick_ps: 40_000,
        }
    }
}

fn env_path(var: &str) -> Option<PathBuf> {
    println!("cargo:rerun-if-env-changed={var}");
    env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn read(path: &Path, what: &str, var: &str) -> Vec<u8> {
    println!("cargo:rerun-if-changed={}", path.display());
    fs::read(path)
        .unwrap_or_else(|e| panic!("cannot read the {what} {} ({e}): set {var}", path.display()))
}

/// The most units of any layer, and the number of layers, in a stack.
fn stack_shape(stack: &Layers) -> (usize, usize) {
    let units = stack.iter().map(|l| l.units as usize).max().unwrap_or(0);
    (units, stack.len())
}

/// Eight random windows of the model's window length (5 if it takes any).
fn default_inputs(model: &Model) -> Vec<u8> {
    let steps = match model.desc().window {
        0 => 5,
        w => w as usize,
    };
    let width = steps * model.step_width();
    let mut rng = StdRng::seed_from_u64(0x5EED_1234_ABCD_0001);
    let values: Vec<i16> = (0..8 * width)
        .map(|_| match model.desc().input {
            Input::OneHot { classes } => rng.random_range(0..classes) as i16,
            Input::Dense { .. } => {
                model.quantise_input(rng.random_range(0..1000u16) as f32 / 1000.0)
            }
        })
        .collect();
    firmware_inputs::encode(firmware_inputs::Mode::Windows, width, &values)
}

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    let target = env::var("TARGET").expect("TARGET");

    let model_path = env_path("ELSM_MODEL")
        .unwrap_or_else(|| manifest.join("../../tests/models/echo-whole.elsm"));
    let model_bytes = read(&model_path, "model", "ELSM_MODEL");
    let model = Model::from_bytes(&model_bytes)
        .unwrap_or_else(|e| panic!("{} is not a valid model: {e}", model_path.display()));
    let d = model.desc();
    assert!(
        !model.uses(Cell::Gru) || env::var_os("CARGO_FEATURE_GRU").is_some(),
        "{} has GRU layers: build with `--features gru`",
        model_path.display()
    );

    let inputs_path = match env_path("ELSM_INPUTS") {
        Some(p) => p,
        None => {
            let p = out.join("default-inputs.ewin");
            fs::write(&p, default_inputs(&model)).expect("write default inputs");
            p
        }
    };
    let inputs_bytes = read(&inputs_path, "inputs file", "ELSM_INPUTS");
    let inputs = firmware_inputs::parse(&inputs_bytes).unwrap_or_else(|| {
        panic!(
            "{} is not an inputs file (see inputs/src/lib.rs)",
            inputs_path.display()
        )
    });
    let step_width = model.step_width();
    // Values of the longest record, and its timesteps.
    let (record_len, record_steps) = match inputs.mode {
        firmware_inputs::Mode::Raw => {
            assert_eq!(
                inputs.width,
                step_width,
                "{}: raw readings of {} channels, the model reads {step_width}",
                inputs_path.display(),
                inputs.width
            );
            if let Some(r) = inputs
                .raw_records()
                .find(|r| d.window != 0 && r.steps != d.window as usize)
            {
                panic!(
                    "{}: a record of {} steps, the model takes {}",
                    inputs_path.display(),
                    r.steps,
                    d.window
                );
            }
            let steps = inputs.max_raw_steps().max(1);
            (steps * step_width, steps)
        }
        firmware_inputs::Mode::Windows | firmware_inputs::Mode::Stream => {
            let mut record = vec![0i16; inputs.width];
            for i in 0..inputs.count {
                inputs.record(i, &mut record).expect("record");
            }
            assert!(
                inputs.width.is_multiple_of(step_width),
                "inputs are not whole timesteps of this model"
            );
            (inputs.width, inputs.width / step_width)
        }
    };
    let outputs = match inputs.mode {
        firmware_inputs::Mode::Windows | firmware_inputs::Mode::Raw => {
            model.predictions(record_steps)
        }
        firmware_inputs::Mode::Stream => model.predictions_per_step(),
    };

    let (enc_units, enc_layers) = stack_shape(&d.encoder);
    let (dec_units, dec_layers, dec_steps) = match &d.outputs {
        Outputs::EncoderDecoder { steps, decoder } => {
            let (u, l) = stack_shape(decoder);
            (u, l, *steps as usize)
        }
        _ => (0, 0, 0),
    };
    let bidirectional = d.encoder.has_bidirectional()
        || matches!(&d.outputs, Outputs::EncoderDecoder { decoder, .. } if decoder.has_bidirectional());
    let steps = if bidirectional {
        (d.window as usize).max(dec_steps).max(record_steps)
    } else {
        0
    };

    let board = board(&target);
    let shift: u32 = env::var("ELSM_ICOUNT_SHIFT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6);
    println!("cargo:rerun-if-env-changed=ELSM_ICOUNT_SHIFT");

    let config = format!(
        "/// Most units per layer of the embedded model.\n\
         pub const UNITS: usize = {units};\n\
         /// Layers of the embedded model (encoder and decoder).\n\
         pub const LAYERS: usize = {layers};\n\
         /// Sequence buffer steps (bidirectional models only).\n\
         pub const STEPS: usize = {steps};\n\
         /// Values of the longest input record.\n\
         pub const RECORD: usize = {record};\n\
         /// Whether the records are raw readings, quantised here.\n\
         pub const RAW: bool = {raw};\n\
         /// Predictions per record.\n\
         pub const OUTPUTS: usize = {outputs};\n\
         /// SysTick period in ps on the QEMU machine.\n\
         pub const TICK_PS: u64 = {tick_ps};\n\
         /// QEMU's `-icount shift`: one instruction is 2^shift ns.\n\
         pub const ICOUNT_SHIFT: u32 = {shift};\n\
         /// The model file, in flash, word aligned.\n\
         pub static MODEL: &[u8] = infer_nostd::include_model!({model:?});\n\
         /// The inputs file, in flash.\n\
         pub static INPUTS: &[u8] = include_bytes!({inputs:?});\n",
        // A dense step is read into buffers of 2 x UNITS values.
        units = enc_units.max(dec_units).max(step_width.div_ceil(2)),
        layers = enc_layers.max(dec_layers),
        record = record_len,
        raw = inputs.mode == firmware_inputs::Mode::Raw,
        tick_ps = board.tick_ps,
        model = fs::canonicalize(&model_path).expect("model path"),
        inputs = fs::canonicalize(&inputs_path).expect("inputs path"),
    );
    fs::write(out.join("config.rs"), config).expect("write config.rs");

    let memory =
        env_path("ELSM_MEMORY").unwrap_or_else(|| manifest.join("memory").join(board.memory));
    fs::write(
        out.join("memory.x"),
        read(&memory, "memory map", "ELSM_MEMORY"),
    )
    .expect("write memory.x");
    // cortex-m-rt's `device` feature includes a `device.x` naming the
    // device's interrupt handlers: this firmware has none (see src/vectors.rs).
    fs::write(out.join("device.x"), "").expect("write device.x");
    println!("cargo:rustc-link-search={}", out.display());
    // Linker arguments here, not in rustflags, so a RUSTFLAGS in the
    // environment cannot drop them.
    println!("cargo:rustc-link-arg=-Tlink.x");
    println!("cargo:rerun-if-changed=build.rs");
}
