//! Running models on emulated Cortex-M devices: the task models (or
//! stand-ins while they are not committed), inputs (windows, streams, or
//! a data file's raw readings), firmware builds, QEMU runs and the host
//! engine's expected outputs. Shared by the QEMU parity
//! test and the device benchmark example.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use infer_host::quantise::{quantise, FloatModel, PrecisionPolicy};
use infer_host::HostEngine;
use infer_nostd::format::{Cell, Input};
use infer_nostd::Model;

use crate::random_model::{random_model, random_window, Rng, Topology};

pub use firmware_inputs::Mode;

/// A Cortex-M target the firmware builds for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Cortex-M4F (DSP instructions), QEMU `mps2-an386`.
    M4,
    /// Cortex-M0, QEMU `microbit` (256 KiB flash, 16 KiB RAM).
    M0,
}

impl Target {
    /// Both targets.
    pub const ALL: [Target; 2] = [Target::M4, Target::M0];

    /// The rustc target triple.
    pub fn triple(self) -> &'static str {
        match self {
            Target::M4 => "thumbv7em-none-eabihf",
            Target::M0 => "thumbv6m-none-eabi",
        }
    }

    /// Flash bytes of the emulated board.
    pub fn flash_bytes(self) -> usize {
        match self {
            Target::M4 => 4 << 20,
            Target::M0 => 256 << 10,
        }
    }

    /// Bytes of inputs that fit the board's flash beside a model of
    /// `model_bytes` and the firmware's code ([`CODE_ALLOWANCE`]); `None`
    /// if the model itself does not fit.
    pub fn inputs_room(self, model_bytes: usize) -> Option<usize> {
        self.flash_bytes()
            .checked_sub(model_bytes.checked_add(CODE_ALLOWANCE)?)
    }

    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Target::M4 => "Cortex-M4",
            Target::M0 => "Cortex-M0",
        }
    }
}

/// Flash the firmware needs besides the model and the inputs (its code
/// and constants, under 24 KB), with margin.
pub const CODE_ALLOWANCE: usize = 48 << 10;

/// One of the echo tasks as the device benchmark and the parity tests run
/// it (the trainer's `task::Task` is the task as trained).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceTask {
    /// DeviceTask name; the committed model is `tests/models/<name>.elsm`.
    pub name: &'static str,
    /// Whole windows, or a stream of single steps (echo-lag); never
    /// [`Mode::Raw`] (a data file's raw readings are [`Readings`]), which
    /// would be taken as windows.
    pub mode: Mode,
    /// Stand-in topology, used while no trained model is committed.
    pub topology: Topology,
    /// Stand-in units per layer.
    pub units: usize,
    /// Stand-in one-hot classes; a dense model whose task echoes integers
    /// (a linear echo) is fed raw integers below it when it is above 1.
    pub classes: usize,
    /// Stand-in window length.
    pub window: usize,
}

/// Every task of TASKS.md, with the seed configurations' shapes.
pub const TASKS: [DeviceTask; 5] = [
    DeviceTask {
        name: "echo-index",
        mode: Mode::Windows,
        topology: Topology::ManyToOne,
        units: 25,
        classes: 10,
        window: 5,
    },
    DeviceTask {
        name: "echo-whole",
        mode: Mode::Windows,
        topology: Topology::ManyToMany,
        units: 20,
        classes: 100,
        window: 5,
    },
    DeviceTask {
        name: "echo-partial",
        mode: Mode::Windows,
        topology: Topology::EncoderDecoder,
        units: 150,
        classes: 100,
        window: 5,
    },
    DeviceTask {
        name: "echo-lag",
        mode: Mode::Stream,
        topology: Topology::ManyToMany,
        units: 50,
        classes: 100,
        window: 5,
    },
    DeviceTask {
        name: "univariate",
        mode: Mode::Windows,
        topology: Topology::ReluRegression,
        units: 50,
        classes: 1,
        window: 3,
    },
];

/// The published extensions' variants of the echo tasks, each a trained
/// model committed under tests/models/ (the parity test requires the
/// file; the stand-in fields name only the nearest random topology).
pub const VARIANTS: [DeviceTask; 12] = [
    // echo-partial at the smallest size that reaches 100.00%
    // (scripts/units-search.py): 14 KB, where the published 150 units
    // take 367 KB, more than a Cortex-M0's 256 KiB of flash.
    DeviceTask::windows("echo-partial-m0", Topology::EncoderDecoder, 16, 100),
    // echo-partial-3 at its smallest size (scripts/units-search.py).
    DeviceTask::windows("echo-partial-3-24", Topology::EncoderDecoder, 24, 100),
    // One number per step in, a rounded regression value out.
    DeviceTask::windows("echo-whole-linear", Topology::ReluRegression, 20, 100),
    DeviceTask::windows("echo-index-linear", Topology::ReluRegression, 25, 10),
    // One number per step in, a class out.
    DeviceTask::windows("echo-index-linear-classify", Topology::ManyToOne, 25, 10),
    // echo-lag in the published rows of 5-value windows (last step).
    DeviceTask::windows("echo-lag-rows", Topology::ManyToOne, 50, 100),
    // echo-lag's rows with the first rows kept, padded and masked.
    DeviceTask::windows("echo-lag-rows-masked", Topology::ManyToOne, 50, 100),
    // The masked framing: windows reaching before the sequence, padded.
    DeviceTask::windows("echo-whole-masked", Topology::ManyToMany, 20, 100),
    DeviceTask::windows("echo-whole-stacked", Topology::Stacked, 20, 100),
    DeviceTask::windows("echo-whole-bidirectional", Topology::Bidirectional, 20, 100),
    // A vector output: the window's 5 values from its last step.
    DeviceTask::windows("echo-whole-vector", Topology::Vector, 40, 100),
    // One step of 500 features (five one-hots side by side), 5 values
    // out; its records are random 0/1 features ("classes" 2).
    DeviceTask::windows("echo-whole-one-step", Topology::Vector, 48, 2),
];

/// The echo tasks of TASKS.md with GRU cells in place of the LSTM's
/// (`trainer train --cell gru`), the seed configurations' shapes
/// otherwise; committed under tests/models/ as `<task>-gru.elsm`.
pub const GRU_TASKS: [DeviceTask; 4] = [
    DeviceTask {
        name: "echo-index-gru",
        mode: Mode::Windows,
        topology: Topology::GruManyToMany,
        units: 25,
        classes: 10,
        window: 5,
    },
    DeviceTask {
        name: "echo-whole-gru",
        mode: Mode::Windows,
        topology: Topology::GruManyToMany,
        units: 20,
        classes: 100,
        window: 5,
    },
    DeviceTask {
        name: "echo-partial-gru",
        mode: Mode::Windows,
        topology: Topology::GruEncoderDecoder,
        units: 150,
        classes: 100,
        window: 5,
    },
    DeviceTask {
        name: "echo-lag-gru",
        mode: Mode::Stream,
        topology: Topology::GruManyToMany,
        units: 50,
        classes: 100,
        window: 5,
    },
];

/// The workspace root (this crate is its `tests/` directory).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace")
        .to_owned()
}

/// The host build's target directory: `CARGO_TARGET_DIR` when set (a
/// relative one is taken from the workspace root), otherwise `target/` at
/// the workspace root. Firmware builds and scratch files go below it.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => workspace().join(dir),
        None => workspace().join("target"),
    }
}

/// Where a model came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The trained model committed under tests/models/.
    Committed,
    /// A random model of the task's shape, quantised here.
    StandIn,
}

impl DeviceTask {
    /// A task of whole windows of 5 steps: its name (and committed model's),
    /// and the stand-in's topology, units and one-hot classes.
    pub const fn windows(
        name: &'static str,
        topology: Topology,
        units: usize,
        classes: usize,
    ) -> Self {
        DeviceTask {
            name,
            mode: Mode::Windows,
            topology,
            units,
            classes,
            window: 5,
        }
    }

    /// The task's model file: the committed one if present, otherwise a
    /// stand-in (see [`stand_in_file`](Self::stand_in_file)).
    pub fn model_file(&self, scratch: &Path, policy: PrecisionPolicy) -> (PathBuf, Source) {
        let committed = workspace()
            .join("tests/models")
            .join(format!("{}.elsm", self.name));
        if committed.exists() {
            (committed, Source::Committed)
        } else {
            (self.stand_in_file(scratch, policy), Source::StandIn)
        }
    }

    /// A random model of the task's shape, quantised with `policy` into
    /// `scratch` (the same model for the same policy every time).
    pub fn stand_in_file(&self, scratch: &Path, policy: PrecisionPolicy) -> PathBuf {
        self.edited_stand_in_file(scratch, policy, |_| {})
    }

    /// [`stand_in_file`](Self::stand_in_file), with `edit` applied to the
    /// float model before it is quantised.
    pub fn edited_stand_in_file(
        &self,
        scratch: &Path,
        policy: PrecisionPolicy,
        edit: impl FnOnce(&mut FloatModel),
    ) -> PathBuf {
        let tag = match policy {
            PrecisionPolicy::Int16 => "int16",
            _ => "int8",
        };
        let path = scratch.join(format!("{}-standin-{tag}.elsm", self.name));
        let mut float = random_model(self.topology, self.units, self.classes, self.window, 0xEC40);
        edit(&mut float);
        let mut rng = Rng::new(0x5EED);
        let calib: Vec<Vec<f32>> = (0..64).map(|_| random_window(&float, &mut rng)).collect();
        let q = quantise(&float, &calib, policy).expect("quantise the stand-in model");
        fs::create_dir_all(scratch).expect("create the scratch directory");
        fs::write(&path, q.bytes).expect("write the stand-in model");
        path
    }

    /// `records` fresh random records for `model` (seeded): windows of the
    /// model's length, or single stream steps.
    pub fn inputs(&self, model: &Model, records: usize, seed: u64) -> Inputs {
        let steps = match self.mode {
            Mode::Stream => 1,
            Mode::Windows | Mode::Raw => match model.desc().window {
                0 => self.window,
                w => w as usize,
            },
        };
        let step_width = model.step_width();
        let width = steps * step_width;
        let mut rng = Rng::new(seed);
        let mut values: Vec<i16> = (0..records * width)
            .map(|_| match model.desc().input {
                Input::OneHot { classes } => rng.below(classes as usize) as i16,
                // A linear echo reads raw integers; other dense inputs
                // span [0, 1) in real units.
                Input::Dense { .. } if self.classes > 1 => {
                    model.quantise_input(rng.below(self.classes) as f32)
                }
                Input::Dense { .. } => model.quantise_input(rng.uniform(0.5) + 0.5),
            })
            .collect();
        // A masked model's windows start with 0 to `steps - 1` pad steps
        // (the masked framing's first rows); a stream has one pad step in
        // every seven.
        if let Some(pad) = model.mask() {
            for (r, record) in values.chunks_mut(width).enumerate() {
                let pads = match self.mode {
                    Mode::Windows | Mode::Raw => r % steps,
                    Mode::Stream => usize::from(r % 7 == 3),
                };
                record[..pads * step_width].fill(pad);
            }
        }
        Inputs {
            mode: self.mode,
            width,
            values,
        }
    }
}

/// The records a firmware run feeds the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inputs {
    /// Windows or a stream.
    pub mode: Mode,
    /// Values per record.
    pub width: usize,
    /// All records' values, record after record.
    pub values: Vec<i16>,
}

impl Inputs {
    /// The inputs file the firmware embeds.
    pub fn encode(&self) -> Vec<u8> {
        firmware_inputs::encode(self.mode, self.width, &self.values)
    }

    /// Multiply-accumulates `model` needs for one record
    /// ([`Model::macs_per_window`] of a window's timesteps, or of one
    /// streamed step).
    pub fn macs_per_record(&self, model: &Model) -> usize {
        let steps = match self.mode {
            Mode::Stream => 1,
            Mode::Windows | Mode::Raw => self.width / model.step_width(),
        };
        model.macs_per_window(steps)
    }

    /// What the host engine predicts: one line of integers per record.
    pub fn host_predictions(&self, model: &Model) -> Vec<Vec<i32>> {
        host_run(model, self.mode, self.values.chunks(self.width))
    }
}

/// What the host engine answers for each of `records` run in `mode` (a
/// window, or a raw-readings record already quantised: `predict`; a
/// stream step: `push`): one line of integers per record.
fn host_run<'r>(
    model: &Model,
    mode: Mode,
    records: impl IntoIterator<Item = &'r [i16]>,
) -> Vec<Vec<i32>> {
    let mut engine = Box::new(HostEngine::new(model.clone()).expect("host engine"));
    let mut out = vec![0i32; 4096];
    records
        .into_iter()
        .map(|x| {
            let n = match mode {
                Mode::Windows | Mode::Raw => engine.predict(x, &mut out).expect("host predict"),
                Mode::Stream => engine.push(x, &mut out).expect("host push"),
            };
            out[..n].to_vec()
        })
        .collect()
}

/// Each labelled sequence's label in `data` as `model`'s class (what the
/// firmware prints for a sequence classifier: [`Model::class_of`]); an error
/// names the first label that is no class of the model, or the first unlabelled sequence.
pub fn model_classes(model: &Model, data: &series_data::Dataset) -> Result<Vec<u32>, String> {
    data.sequences
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let label = s
                .label
                .ok_or_else(|| format!("sequence {i} has no label"))?;
            let name = data
                .class_names
                .get(label as usize)
                .ok_or_else(|| format!("sequence {i}: label {label} has no class name"))?;
            model
                .class_of(name)
                .map(|c| c as u32)
                .ok_or_else(|| format!("label {name:?} is not a class of the model"))
        })
        .collect()
}

/// Sequences of raw readings (a data file's, of their own lengths), as
/// the firmware's raw-readings inputs ([`Mode::Raw`]) carry them: the
/// device quantises them with [`Model::quantise_input`].
#[derive(Debug, Clone, PartialEq)]
pub struct Readings {
    /// Readings per timestep.
    pub channels: usize,
    /// Each sequence's readings, time-major (`steps * channels`).
    pub sequences: Vec<Vec<f32>>,
}

impl Readings {
    /// The sequences of `data`, in file order (labels left out).
    pub fn from_dataset(data: &series_data::Dataset) -> Self {
        Readings {
            channels: data.channels,
            sequences: data.sequences.iter().map(|s| s.values.clone()).collect(),
        }
    }

    /// The inputs file the firmware embeds.
    pub fn encode(&self) -> Vec<u8> {
        firmware_inputs::encode_raw(self.channels, self.sequences.iter().map(Vec::as_slice))
    }

    /// Each sequence quantised for `model`, as the device quantises it.
    pub fn quantised(&self, model: &Model) -> Vec<Vec<i16>> {
        let q = |s: &Vec<f32>| s.iter().map(|&v| model.quantise_input(v)).collect();
        self.sequences.iter().map(q).collect()
    }

    /// What the host engine predicts for each sequence, quantised as the
    /// device quantises it and run at its own length: one line per
    /// sequence.
    pub fn host_predictions(&self, model: &Model) -> Vec<Vec<i32>> {
        let quantised = self.quantised(model);
        host_run(model, Mode::Raw, quantised.iter().map(Vec::as_slice))
    }

    /// Multiply-accumulates `model` needs for all the sequences.
    pub fn macs(&self, model: &Model) -> usize {
        let steps = |s: &Vec<f32>| s.len() / self.channels;
        self.sequences
            .iter()
            .map(|s| model.macs_per_window(steps(s)))
            .sum()
    }

    /// The sequences in consecutive parts, in order, each part's inputs
    /// file at most `room` bytes (panics if one sequence alone is larger).
    pub fn split(&self, room: usize) -> Vec<Readings> {
        let bytes = |s: &Vec<f32>| 4 + 4 * s.len();
        let header = firmware_inputs::encode_raw(self.channels, []).len();
        let mut parts: Vec<Readings> = Vec::new();
        let mut used = usize::MAX;
        for s in &self.sequences {
            assert!(
                header + bytes(s) <= room,
                "a sequence of {} readings does not fit {room} bytes",
                s.len()
            );
            if used.saturating_add(bytes(s)) > room {
                parts.push(Readings {
                    channels: self.channels,
                    sequences: Vec::new(),
                });
                used = header;
            }
            used += bytes(s);
            parts
                .last_mut()
                .expect("a part was just made")
                .sequences
                .push(s.clone());
        }
        parts
    }
}

/// What one firmware run printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// One line of predicted integers per record.
    pub predictions: Vec<Vec<i32>>,
    /// The `# name value` statistics, in order.
    pub stats: Vec<(String, u64)>,
    /// The ELF's path.
    pub elf: PathBuf,
}

impl Run {
    /// The statistic `name` (panics if the firmware did not print it).
    pub fn stat(&self, name: &str) -> u64 {
        self.stats
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("the firmware printed no `# {name}`"))
    }
}

/// The firmware crate.
pub fn firmware_dir() -> PathBuf {
    workspace().join("examples/cortex-m")
}

/// Builds the firmware (release) for `target` embedding `model` and the
/// inputs file `inputs`; returns the ELF, copied next to `inputs`.
/// Panics with cargo's output on failure.
pub fn build_firmware(target: Target, model: &Path, inputs: &Path) -> PathBuf {
    // One build at a time: every build writes the same ELF path, which is
    // copied next to the inputs before the next build may start.
    static BUILD: Mutex<()> = Mutex::new(());
    let _guard = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    let target_dir = target_dir().join("cortex-m");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let bytes = fs::read(model).expect("read the model");
    let gru = Model::from_bytes(&bytes)
        .expect("load the model")
        .uses(Cell::Gru);
    let output = Command::new(cargo)
        .current_dir(firmware_dir())
        .args(["build", "--release", "--quiet", "--target", target.triple()])
        .args(gru.then_some(["--features", "gru"]).into_iter().flatten())
        .env("ELSM_MODEL", model)
        .env("ELSM_INPUTS", inputs)
        .env("CARGO_TARGET_DIR", &target_dir)
        // The firmware's own .cargo/config.toml sets its flags: flags meant
        // for the host build must not leak into it.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("ELSM_MEMORY")
        .output()
        .expect("run cargo to build the firmware");
    assert!(
        output.status.success(),
        "building the firmware for {} with {} failed:\n{}",
        target.triple(),
        model.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let built = target_dir
        .join(target.triple())
        .join("release/echo-firmware");
    let elf = inputs.with_extension("elf");
    fs::copy(&built, &elf).expect("copy the firmware ELF");
    elf
}

/// The symbols of the firmware `elf` that are panic paths of `core`
/// (bounds checks, slicing, arithmetic, `unwrap`): empty when no code in the
/// image can panic, since the linker keeps only what is called.
pub fn panic_paths(elf: &Path) -> Vec<String> {
    use object::{Object, ObjectSymbol};
    const PANICS: [&str; 4] = [
        "panicking",
        "slice_index_fail",
        "unwrap_failed",
        "expect_failed",
    ];
    let data = fs::read(elf).expect("read the firmware ELF");
    let file = object::File::parse(&*data).expect("parse the firmware ELF");
    file.symbols()
        .filter_map(|s| s.name().ok().map(str::to_owned))
        .filter(|name| PANICS.iter().any(|p| name.contains(p)))
        .collect()
}

/// The QEMU command line the firmware's `.cargo/config.toml` gives as the
/// runner for `target` (one definition: `cargo run` and the tests agree).
pub fn qemu_command(target: Target) -> Vec<String> {
    let config = fs::read_to_string(firmware_dir().join(".cargo/config.toml"))
        .expect("read .cargo/config.toml");
    let section = format!("[target.{}]", target.triple());
    let after = config
        .split_once(&section)
        .unwrap_or_else(|| panic!("no {section} in .cargo/config.toml"))
        .1;
    let line = after
        .lines()
        .find_map(|l| l.trim().strip_prefix("runner"))
        .unwrap_or_else(|| panic!("no runner in {section}"));
    let quoted = line.trim().trim_start_matches('=').trim().trim_matches('"');
    quoted.split_whitespace().map(str::to_owned).collect()
}

/// Fails with installation advice if QEMU is missing.
pub fn require_qemu() {
    let found = Command::new("qemu-system-arm")
        .arg("--version")
        .stdout(Stdio::null())
        .status();
    assert!(
        matches!(found, Ok(s) if s.success()),
        "qemu-system-arm is required for the device tests and benchmarks and was not found: \
         install it (Debian/Ubuntu: `apt-get install -y qemu-system-arm`)"
    );
}

/// How a QEMU run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exit {
    /// The exit status, or `None` if the run was killed at the timeout.
    pub status: Option<i32>,
    /// Everything the firmware printed.
    pub stdout: String,
    /// QEMU's own messages.
    pub stderr: String,
}

/// Runs `elf` in QEMU, killed after `timeout`.
pub fn run_qemu(target: Target, elf: &Path, timeout: Duration) -> Exit {
    let cmd = qemu_command(target);
    let mut child = Command::new(&cmd[0])
        .args(&cmd[1..])
        .arg(elf)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start qemu-system-arm");
    let pipe = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            r.read_to_string(&mut s).map(|_| s).unwrap_or_default()
        })
    };
    let stdout = pipe(Box::new(child.stdout.take().expect("stdout")));
    let stderr = pipe(Box::new(child.stderr.take().expect("stderr")));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for qemu") {
            break status.code();
        }
        if start.elapsed() > timeout {
            // Our own child: a hung firmware (a panic halts) never exits.
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Exit {
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

/// Runs `elf` in QEMU and parses its output; panics unless it exits with
/// status 0 within `timeout`.
pub fn run_firmware(target: Target, elf: &Path, timeout: Duration) -> Run {
    let exit = run_qemu(target, elf, timeout);
    let tail: Vec<&str> = exit.stdout.lines().rev().take(5).collect();
    match exit.status {
        Some(0) => parse_output(&exit.stdout, elf),
        Some(s) => panic!(
            "{} firmware exited with status {s}: {} (last lines: {tail:?})",
            target.name(),
            exit.stderr
        ),
        None => panic!(
            "{} firmware did not finish within {timeout:?} (last lines: {tail:?})",
            target.name()
        ),
    }
}

fn parse_output(text: &str, elf: &Path) -> Run {
    let mut predictions = Vec::new();
    let mut stats = Vec::new();
    for line in text.lines() {
        if let Some(stat) = line.strip_prefix("# ") {
            let (name, value) = stat.split_once(' ').expect("statistic line");
            stats.push((
                name.to_owned(),
                value.trim().parse().expect("statistic value"),
            ));
        } else {
            let values = line
                .split_whitespace()
                .map(|v| v.parse().expect("predicted integer"))
                .collect();
            predictions.push(values);
        }
    }
    Run {
        predictions,
        stats,
        elf: elf.to_owned(),
    }
}

/// Writes `inputs` into `scratch` as `<name>-<triple>.ewin` and builds
/// the firmware embedding them and `model`; returns the ELF.
pub fn build_with_inputs(
    target: Target,
    name: &str,
    model: &Path,
    inputs: &Inputs,
    scratch: &Path,
) -> PathBuf {
    build_with_file(target, name, model, &inputs.encode(), scratch)
}

/// Writes the inputs file `bytes` into `scratch` as
/// `<name>-<triple>.ewin` and builds the firmware embedding it and
/// `model`; returns the ELF.
pub fn build_with_file(
    target: Target,
    name: &str,
    model: &Path,
    bytes: &[u8],
    scratch: &Path,
) -> PathBuf {
    let inputs_path = scratch.join(format!("{name}-{}.ewin", target.triple()));
    fs::create_dir_all(scratch).expect("create the scratch directory");
    fs::write(&inputs_path, bytes).expect("write the inputs file");
    build_firmware(target, model, &inputs_path)
}

/// Runs `readings` on `target` with `model`: in as many firmware builds
/// and QEMU runs as it takes for each part's inputs to fit the flash
/// beside the model ([`Target::inputs_room`]; a Cortex-M0's 256 KiB
/// holds about 200 KB of readings), in order; each run panics unless it
/// exits with status 0 within `timeout`. Each part's QEMU run overlaps
/// the next part's build.
pub fn run_readings(
    target: Target,
    name: &str,
    model: &Path,
    readings: &Readings,
    scratch: &Path,
    timeout: Duration,
) -> Vec<Run> {
    let model_bytes = fs::metadata(model).expect("read the model").len() as usize;
    let room = target
        .inputs_room(model_bytes)
        .unwrap_or_else(|| panic!("{}: the model does not fit {}", name, target.name()));
    let parts = readings.split(room);
    std::thread::scope(|scope| {
        let runs: Vec<_> = parts
            .iter()
            .enumerate()
            .map(|(k, part)| {
                let part_name = format!("{name}-part{k}");
                let elf = build_with_file(target, &part_name, model, &part.encode(), scratch);
                scope.spawn(move || run_firmware(target, &elf, timeout))
            })
            .collect();
        runs.into_iter()
            .map(|r| r.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// Builds the firmware with `model` and `inputs` and runs it in QEMU.
pub fn build_and_run(
    target: Target,
    name: &str,
    model: &Path,
    inputs: &Inputs,
    scratch: &Path,
    timeout: Duration,
) -> Run {
    let elf = build_with_inputs(target, name, model, inputs, scratch);
    run_firmware(target, &elf, timeout)
}
