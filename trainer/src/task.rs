//! The echo tasks of TASKS.md: their seed configurations and their data.
//!
//! # echo-lag as a stream
//! The published framing feeds rows of 5-windows (row `t` holds values
//! `t-4..=t`) to a stateful LSTM(50) + dense(100), state carried across the
//! 20 rows of a sequence and reset after it; row `t`'s target is `x[t-1]`.
//! A device receives one value at a time, so here the same LSTM(50) +
//! dense(100) reads one value per timestep and answers at every step; its
//! target at step `t` is `x[t-1]`. Run over a sequence from a reset, its
//! answer at step `t` is a function of exactly the values the stateful
//! row model has seen by row `t` (`x[0..=t]`), so every published row is
//! one streamed step (see `data::lag_rows` and `data::lag_targets`, whose
//! test checks the targets coincide), and the file it exports streams on
//! the engine with `push`. A "window" of echo-lag is therefore one
//! streamed step with a previous value: a sequence of 25 scores 24.
//!
//! # univariate
//! Values are divided by 100 while training (export folds the scale into
//! the weights, so the file reads and answers raw values). A regression
//! answer is correct within `score::REGRESSION_TOLERANCE`; training stops
//! when all six windows are, which fits tightly enough that 70, 80, 90
//! extrapolates to about 100.

use std::fmt;
use std::str::FromStr;

use infer_nostd::format::Cell;
use rand::Rng;

use crate::batch::{Batch, Inputs, Targets};
use crate::data::{
    lag_rows, lag_targets, padded_windows, random_sequence, sliding_windows, univariate_windows,
};
use crate::spec::{HeadSpec, InputSpec, LayerSpec, NetworkSpec, OutputSpec};

/// Length of the random sequences echo-whole, echo-partial and echo-lag are
/// cut from.
pub const SEQUENCE_LEN: usize = 25;
/// Stream length of echo-lag's fast training batches.
pub const LAG_TRAINING_LEN: usize = 16;
/// Window length of the one-hot echo tasks.
pub const WINDOW: usize = 5;
/// Values per step of echo-whole, echo-partial and echo-lag.
pub const CLASSES: u32 = 100;
/// Units of the one-step framing's network (no published size).
pub const ONE_STEP_UNITS: usize = 48;
/// Position echo-index echoes.
pub const INDEX_POSITION: usize = 2;
/// Window length of the univariate task.
pub const UNIVARIATE_WINDOW: usize = 3;
/// Scale of univariate inputs and targets while training (values / 100).
pub const UNIVARIATE_SCALE: f32 = 100.0;

/// Which echo an echo task asks for (its targets and its seed network).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Echo {
    /// Many-to-one: the value at position 2 of a window of 5 in `0..classes`.
    Index {
        /// Possible values (10, or 100 for the variant).
        classes: u32,
    },
    /// Sequence to sequence: every value of a window of 5, one per step.
    Whole,
    /// Encoder-decoder: the first `k` values of a window of 5.
    Partial {
        /// Values echoed (2 by default, up to 5).
        k: usize,
    },
    /// Streaming: one value in, the previous value out, at every step.
    Lag,
    /// Regression: the next value of 10, 20, ..., 90 from the 3 before it.
    Univariate,
}

/// How a task's integers reach the network and leave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Framing {
    /// The published framing: one-hot input, one class per output step.
    #[default]
    OneHot,
    /// The linear representation: one number per step (the value scaled
    /// to `[0, 1]` while training; the file reads raw values), and a
    /// regression head whose answer, rounded, is the value.
    Linear,
    /// One number per step, as [`Framing::Linear`], and a classification
    /// head over the values.
    LinearClassify,
    /// One-hot, keeping the windows that reach before the sequence (the
    /// first rows, which the published framing drops): their missing
    /// values are the pad class `classes` (one past the last), masked in
    /// the network (Keras `Masking`) and in the loss. echo-whole only.
    Masked,
    /// echo-lag as published: rows of the 5-value window ending at `t`,
    /// for `t = 5..25`, each answering `x[t-1]` from its last step; the
    /// seed recipe carries the state across a sequence's 20 rows (batch 5,
    /// Keras `stateful=True`). echo-lag only; its fast recipe and the
    /// device stream instead.
    Rows,
    /// echo-lag's rows with the first ones the published framing drops,
    /// `t = 1..5` (row 0 has no previous value to answer): those that
    /// reach before the sequence are padded and masked, as
    /// [`Framing::Masked`] does.
    MaskedRows,
    /// Many-to-one with a vector output: echo-whole's window in, all 5
    /// values answered at once from its last step (a head of 5 groups of
    /// 100 classes). echo-whole only.
    Vector,
    /// One-to-one: echo-whole's 5 timesteps as the features of one step
    /// (their one-hots side by side, 500 dense values of 0 or 1), all 5
    /// values answered from it (5 groups of 100 classes). echo-whole only.
    OneStep,
}

impl Framing {
    /// The name suffix of a task in this framing.
    const fn suffix(self) -> &'static str {
        match self {
            Framing::OneHot => "",
            Framing::Linear => "-linear",
            Framing::LinearClassify => "-linear-classify",
            Framing::Masked => "-masked",
            Framing::Rows => "-rows",
            Framing::MaskedRows => "-rows-masked",
            Framing::Vector => "-vector",
            Framing::OneStep => "-one-step",
        }
    }

    /// Whether steps holding the pad class are masked.
    pub fn masked(self) -> bool {
        matches!(self, Framing::Masked | Framing::MaskedRows)
    }

    /// Whether echo-lag comes as rows of 5-value windows.
    pub fn rows(self) -> bool {
        matches!(self, Framing::Rows | Framing::MaskedRows)
    }

    /// Whether a window's values are answered at once, as one vector.
    pub fn vector(self) -> bool {
        matches!(self, Framing::Vector | Framing::OneStep)
    }
}

/// One echo task: an echo in a framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Task {
    /// What is echoed.
    pub echo: Echo,
    /// How values are encoded.
    pub framing: Framing,
}

impl From<Echo> for Task {
    /// `echo` in the published (one-hot) framing.
    fn from(echo: Echo) -> Self {
        Task {
            echo,
            framing: Framing::OneHot,
        }
    }
}

/// How the published (seed) schedule feeds one sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedSchedule {
    /// Samples per update.
    pub batch: usize,
    /// Sequences (each followed by a state reset).
    pub sequences: usize,
    /// Whether batch row `i` starts from the state row `i` of the previous
    /// batch of the same sequence ended in (Keras `stateful=True`).
    pub stateful: bool,
}

/// Per-task training defaults of the fast recipe.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FastDefaults {
    /// Samples per update.
    pub batch: usize,
    /// Adam learning rate.
    pub learning_rate: f64,
    /// Most updates.
    pub max_steps: usize,
}

/// The echo tasks' names in the published framing.
const ECHO_NAMES: &[&str] = &[
    "echo-index",
    "echo-index-100",
    "echo-whole",
    "echo-partial",
    "echo-partial-3",
    "echo-partial-4",
    "echo-partial-5",
    "echo-lag",
];

impl Task {
    /// The univariate task (dense already: it has no other framing).
    pub const UNIVARIATE: Task = Task {
        echo: Echo::Univariate,
        framing: Framing::OneHot,
    };

    /// Every task name the CLI accepts: each echo in each framing, then
    /// `univariate`.
    pub fn names() -> Vec<String> {
        let framings = [Framing::OneHot, Framing::Linear, Framing::LinearClassify];
        framings
            .iter()
            .flat_map(|f| ECHO_NAMES.iter().map(move |n| format!("{n}{}", f.suffix())))
            .chain(
                [
                    "echo-whole-masked",
                    "echo-whole-vector",
                    "echo-whole-one-step",
                    "echo-lag-rows",
                    "echo-lag-rows-masked",
                    "univariate",
                ]
                .map(String::from),
            )
            .collect()
    }

    /// Possible values of one step (the one-hot width, the classes of a
    /// classification head); 0 for univariate.
    fn classes(self) -> u32 {
        match self.echo {
            Echo::Index { classes } => classes,
            Echo::Univariate => 0,
            _ => CLASSES,
        }
    }

    /// Whether the head is a regression whose answers are rounded (the
    /// linear framing).
    pub fn rounds(self) -> bool {
        self.framing == Framing::Linear
    }

    /// Whether answers are classes (an argmax, or a rounded linear value)
    /// rather than real values.
    pub fn classifies(self) -> bool {
        self.echo != Echo::Univariate
    }

    /// The seed (published) network configuration, in this framing, its
    /// layers (encoder and decoder) `cell`s: the linear framings read one
    /// number per step instead of the one-hot. The published networks are
    /// LSTMs; in GRUs they keep their shapes, univariate's ReLU LSTM
    /// becoming a tanh GRU (a GRU is tanh only).
    pub fn seed_network(self, cell: Cell) -> NetworkSpec {
        let tanh = |units| LayerSpec::tanh(cell, units);
        let classes = self.classes() as usize;
        let input = match self.framing {
            Framing::Linear | Framing::LinearClassify => InputSpec::Dense { features: 1 },
            Framing::OneStep => InputSpec::Dense {
                features: WINDOW * classes,
            },
            _ => InputSpec::OneHot { classes },
        };
        let head = match self.framing {
            Framing::Linear => HeadSpec::rounded(),
            Framing::Vector | Framing::OneStep => HeadSpec::classify(classes).grouped(WINDOW),
            _ => HeadSpec::classify(classes),
        };
        // Linear values are scaled to [0, 1] while training.
        let value_scale = match self.framing {
            Framing::Linear | Framing::LinearClassify => (classes.max(2) - 1) as f32,
            _ => 1.0,
        };
        let masked = self.framing.masked();
        let network = |encoder: Vec<LayerSpec>, outputs: OutputSpec| NetworkSpec {
            input,
            encoder,
            outputs,
            head,
            value_scale,
            masked,
        };
        match self.echo {
            Echo::Index { .. } => network(vec![tanh(25)], OutputSpec::LastStep),
            // No published size: at 20 units the vector output reaches
            // 99.96% in 20,000 updates, at 40 100% in 18,000 (seed 1).
            Echo::Whole if self.framing == Framing::Vector => {
                network(vec![tanh(40)], OutputSpec::LastStep)
            }
            Echo::Whole if self.framing == Framing::OneStep => {
                network(vec![tanh(ONE_STEP_UNITS)], OutputSpec::LastStep)
            }
            Echo::Whole => network(vec![tanh(20)], OutputSpec::EveryStep),
            Echo::Partial { k } => network(
                vec![tanh(150)],
                OutputSpec::EncoderDecoder {
                    steps: k,
                    decoder: vec![tanh(150)],
                },
            ),
            Echo::Lag if self.framing.rows() => network(vec![tanh(50)], OutputSpec::LastStep),
            Echo::Lag => network(vec![tanh(50)], OutputSpec::EveryStep),
            Echo::Univariate => NetworkSpec {
                input: InputSpec::Dense { features: 1 },
                encoder: vec![LayerSpec {
                    relu: cell == Cell::Lstm,
                    ..tanh(50)
                }],
                outputs: OutputSpec::LastStep,
                head: HeadSpec::regress(),
                value_scale: UNIVARIATE_SCALE,
                masked: false,
            },
        }
    }

    /// The window length stored in the model file (0: a stream of any length).
    pub fn window(self) -> usize {
        match self.echo {
            Echo::Lag if !self.framing.rows() => 0,
            Echo::Univariate => UNIVARIATE_WINDOW,
            _ if self.framing == Framing::OneStep => 1,
            _ => WINDOW,
        }
    }

    /// Timesteps of one training sample, the longest either recipe feeds
    /// (an encoder-decoder's decoder steps included).
    pub fn training_steps(self) -> usize {
        match self.echo {
            Echo::Lag if !self.framing.rows() => SEQUENCE_LEN,
            Echo::Partial { k } => WINDOW + k,
            _ => self.window(),
        }
    }

    /// Scored predictions ("windows") one sample holds: echo-lag scores
    /// every streamed step that has a previous value.
    pub fn windows_per_sample(self) -> usize {
        match self.echo {
            Echo::Lag if !self.framing.rows() => SEQUENCE_LEN - 1,
            _ => 1,
        }
    }

    /// Updates the fast recipe typically needs to reach 100% with the
    /// seed network (seed 1, measured: README's time-to-accuracy table),
    /// rounded up: the expected length of a run, for its progress bar.
    pub fn typical_steps(self) -> usize {
        match self.echo {
            Echo::Index { .. } => 400,
            Echo::Whole if self.framing.vector() => 20_000,
            Echo::Whole => 200,
            Echo::Partial { k } => 1_000 * k.saturating_sub(1),
            Echo::Lag => 500,
            Echo::Univariate => 1_500,
        }
    }

    /// Training defaults of the fast recipe. A rounded regression learns
    /// at 3e-3: at 1e-2 echo-whole-linear stalls at 99.4% (its answers
    /// must land within half a value, 1/198 of the scaled range). So does
    /// the one-step framing: at 1e-2 it stalls at 99.95% in 60,000
    /// updates, at 3e-3 it reaches 100% in 21,525 (seed 1).
    pub fn fast_defaults(self) -> FastDefaults {
        let (batch, learning_rate) = match self.echo {
            _ if matches!(self.framing, Framing::Linear | Framing::OneStep) => (64, 3e-3),
            Echo::Univariate => (6, 1e-2),
            // The stream; echo-lag's rows learn as the other windows do
            // (masked rows miss 100% in 20,000 updates at the stream's).
            Echo::Lag if !self.framing.rows() => (20, 2e-2),
            _ => (64, 1e-2),
        };
        // A vector output takes about 20,000 updates: room to reach it.
        let max_steps = if self.framing.vector() {
            60_000
        } else {
            20_000
        };
        FastDefaults {
            batch,
            learning_rate,
            max_steps,
        }
    }

    /// The published training schedule.
    pub fn seed_schedule(self) -> SeedSchedule {
        let (batch, sequences, stateful) = match self.echo {
            Echo::Index { .. } => (1, 10_000, false),
            Echo::Whole => (7, 500, true),
            Echo::Partial { .. } => (21, 5_000, true),
            Echo::Lag if self.framing.rows() => (5, 2_000, true),
            Echo::Lag => (1, 2_000, true),
            Echo::Univariate => (6, 200, false),
        };
        SeedSchedule {
            batch,
            sequences,
            stateful,
        }
    }

    /// `samples` fresh samples in the published framing (the univariate
    /// task always gives its six).
    pub fn batch(self, rng: &mut impl Rng, samples: usize) -> Batch {
        self.frame(rng, samples, SEQUENCE_LEN)
    }

    /// `samples` fresh samples for a training update of the fast recipe:
    /// as [`Task::batch`], except that echo-lag streams are
    /// [`LAG_TRAINING_LEN`] long. Echoing the previous value needs one step
    /// of memory, so short streams teach it as well as long ones at a
    /// fraction of the sequential steps; evaluation and the device run
    /// streams of any length.
    pub fn training_batch(self, rng: &mut impl Rng, samples: usize) -> Batch {
        let len = if self.echo == Echo::Lag {
            LAG_TRAINING_LEN
        } else {
            SEQUENCE_LEN
        };
        self.frame(rng, samples, len)
    }

    /// `samples` samples cut from random sequences of `len` values.
    fn frame(self, rng: &mut impl Rng, samples: usize, len: usize) -> Batch {
        let mut builder = BatchBuilder::new(self);
        match self.echo {
            Echo::Index { classes } => {
                for _ in 0..samples {
                    builder.push_window(&random_sequence(rng, WINDOW, classes));
                }
            }
            Echo::Lag if !self.windowed() => {
                for _ in 0..samples {
                    builder.push_window(&random_sequence(rng, len, CLASSES));
                }
            }
            Echo::Univariate => return univariate_batch(),
            _ => {
                while builder.samples < samples {
                    let seq = random_sequence(rng, SEQUENCE_LEN, CLASSES);
                    for w in self.windows_of(&seq).iter().take(samples - builder.samples) {
                        builder.push_window(w);
                    }
                }
            }
        }
        builder.finish()
    }

    /// Whether samples are windows cut from a sequence (echo-whole,
    /// echo-partial, echo-lag's rows), which the seed schedule feeds in
    /// order.
    fn windowed(self) -> bool {
        match self.echo {
            Echo::Whole | Echo::Partial { .. } => true,
            Echo::Lag => self.framing.rows(),
            Echo::Index { .. } | Echo::Univariate => false,
        }
    }

    /// The windows (or rows) one sequence gives in this framing, in order.
    fn windows_of(self, seq: &[u32]) -> Vec<Vec<u32>> {
        match self.framing {
            Framing::Masked => padded_windows(seq, WINDOW, CLASSES),
            // Rows from t = 1: row 0 has no previous value.
            Framing::MaskedRows => padded_windows(seq, WINDOW, CLASSES).split_off(1),
            Framing::Rows => lag_rows(seq, WINDOW)
                .into_iter()
                .map(|(row, _)| row.to_vec())
                .collect(),
            _ => sliding_windows(seq, WINDOW).map(<[u32]>::to_vec).collect(),
        }
    }

    /// The batches of one sequence of the seed schedule, in order.
    pub fn seed_sequence(self, rng: &mut impl Rng) -> Vec<Batch> {
        let schedule = self.seed_schedule();
        if !self.windowed() {
            return vec![self.batch(rng, schedule.batch)];
        }
        let seq = random_sequence(rng, SEQUENCE_LEN, CLASSES);
        self.windows_of(&seq)
            .chunks(schedule.batch)
            .map(|chunk| {
                let mut builder = BatchBuilder::new(self);
                chunk.iter().for_each(|w| builder.push_window(w));
                builder.finish()
            })
            .collect()
    }

    /// The one-step framing's input for a window of `WINDOW` values (its
    /// one-hots side by side), so a user types the values; `None` in any
    /// other framing, or for anything but `WINDOW` integers in range.
    pub fn one_step_input(self, values: &[f32]) -> Option<Vec<f32>> {
        let classes = self.classes() as f32;
        let fits = |v: &f32| v.fract() == 0.0 && (0.0..classes).contains(v);
        let one_step = self.framing == Framing::OneStep && values.len() == WINDOW;
        if !one_step || !values.iter().all(fits) {
            return None;
        }
        let indices: Vec<u32> = values.iter().map(|&v| v as u32).collect();
        Some(one_hots(&indices, self.classes()))
    }

    /// The published univariate query and its expected answer: 70, 80, 90
    /// should predict about 100.
    pub fn univariate_query() -> ([f32; 3], f32) {
        ([70.0, 80.0, 90.0], 100.0)
    }
}

/// `values` (each in `0..classes`) one-hot, side by side: `classes`
/// numbers (0 or 1) per value.
fn one_hots(values: &[u32], classes: u32) -> Vec<f32> {
    let hot = |v: u32| (0..classes).map(move |c| f32::from(u8::from(c == v)));
    values.iter().flat_map(|&v| hot(v)).collect()
}

/// The univariate task's whole data set (raw values, unscaled).
fn univariate_batch() -> Batch {
    let windows = univariate_windows(UNIVARIATE_WINDOW);
    Batch {
        samples: windows.len(),
        steps: UNIVARIATE_WINDOW,
        features: 1,
        out_steps: 1,
        first_scored: 0,
        inputs: Inputs::Values(windows.iter().flat_map(|(x, _)| x.clone()).collect()),
        targets: Targets::Values(windows.iter().map(|(_, y)| *y).collect()),
        pads: Vec::new(),
    }
}

/// Collects integer windows, derives each one's targets from the task,
/// and frames both as the task's framing asks.
struct BatchBuilder {
    task: Task,
    samples: usize,
    inputs: Vec<u32>,
    targets: Vec<u32>,
}

impl BatchBuilder {
    fn new(task: Task) -> Self {
        BatchBuilder {
            task,
            samples: 0,
            inputs: Vec::new(),
            targets: Vec::new(),
        }
    }

    fn push_window(&mut self, window: &[u32]) {
        self.inputs.extend_from_slice(window);
        match self.task.echo {
            Echo::Index { .. } => self.targets.push(window[INDEX_POSITION]),
            Echo::Whole => self.targets.extend_from_slice(window),
            Echo::Partial { k } => self.targets.extend_from_slice(&window[..k]),
            // A row's target, x[t-1], is its last value but one.
            Echo::Lag if self.task.framing.rows() => self.targets.push(window[window.len() - 2]),
            Echo::Lag => self.targets.extend(lag_targets(window)),
            Echo::Univariate => unreachable!("univariate inputs are not integers"),
        }
        self.samples += 1;
    }

    fn finish(mut self) -> Batch {
        let steps = self.inputs.len() / self.samples.max(1);
        let out_steps = self.targets.len() / self.samples.max(1);
        let values = |v: Vec<u32>| v.into_iter().map(|x| x as f32).collect();
        // A pad's target counts nowhere; class 0 holds its place.
        let mut pads = Vec::new();
        if self.task.framing.masked() {
            pads = self.targets.iter().map(|&t| t == CLASSES).collect();
            for t in self.targets.iter_mut().filter(|t| **t == CLASSES) {
                *t = 0;
            }
        }
        let (mut steps, mut features) = (steps, 1);
        let (inputs, targets) = match self.task.framing {
            Framing::OneHot
            | Framing::Masked
            | Framing::Rows
            | Framing::MaskedRows
            | Framing::Vector => (Inputs::Classes(self.inputs), Targets::Classes(self.targets)),
            Framing::OneStep => {
                (features, steps) = (steps * CLASSES as usize, 1);
                (
                    Inputs::Values(one_hots(&self.inputs, CLASSES)),
                    Targets::Classes(self.targets),
                )
            }
            Framing::Linear => (
                Inputs::Values(values(self.inputs)),
                Targets::Values(values(self.targets)),
            ),
            Framing::LinearClassify => (
                Inputs::Values(values(self.inputs)),
                Targets::Classes(self.targets),
            ),
        };
        Batch {
            samples: self.samples,
            steps,
            features,
            out_steps,
            first_scored: usize::from(self.task.echo == Echo::Lag && !self.task.framing.rows()),
            inputs,
            targets,
            pads,
        }
    }
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.echo {
            Echo::Index { classes: 10 } => write!(f, "echo-index"),
            Echo::Index { classes } => write!(f, "echo-index-{classes}"),
            Echo::Whole => write!(f, "echo-whole"),
            Echo::Partial { k: 2 } => write!(f, "echo-partial"),
            Echo::Partial { k } => write!(f, "echo-partial-{k}"),
            Echo::Lag => write!(f, "echo-lag"),
            Echo::Univariate => write!(f, "univariate"),
        }?;
        f.write_str(self.framing.suffix())
    }
}

impl FromStr for Task {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let unknown = || {
            format!(
                "unknown task `{s}` (expected one of: {})",
                Task::names().join(", ")
            )
        };
        let (name, framing) = [
            Framing::LinearClassify,
            Framing::Linear,
            // `-rows-masked` before `-masked`.
            Framing::MaskedRows,
            Framing::Masked,
            Framing::Rows,
            Framing::Vector,
            Framing::OneStep,
        ]
        .iter()
        .find_map(|&f| s.strip_suffix(f.suffix()).map(|n| (n, f)))
        .unwrap_or((s, Framing::OneHot));
        let echo = match name {
            "echo-index" => Echo::Index { classes: 10 },
            "echo-index-100" => Echo::Index { classes: 100 },
            "echo-whole" => Echo::Whole,
            "echo-partial" => Echo::Partial { k: 2 },
            "echo-partial-3" => Echo::Partial { k: 3 },
            "echo-partial-4" => Echo::Partial { k: 4 },
            "echo-partial-5" => Echo::Partial { k: 5 },
            "echo-lag" => Echo::Lag,
            "univariate" if framing == Framing::OneHot => Echo::Univariate,
            _ => return Err(unknown()),
        };
        let fits = match framing {
            Framing::Masked | Framing::Vector | Framing::OneStep => echo == Echo::Whole,
            Framing::Rows | Framing::MaskedRows => echo == Echo::Lag,
            _ => true,
        };
        if !fits {
            return Err(unknown());
        }
        Ok(Task { echo, framing })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn classes(b: &Batch) -> (&[u32], &[u32]) {
        match (&b.inputs, &b.targets) {
            (Inputs::Classes(x), Targets::Classes(y)) => (x, y),
            _ => panic!("expected class data"),
        }
    }

    #[test]
    fn names_round_trip() {
        for name in Task::names() {
            assert_eq!(name.parse::<Task>().unwrap().to_string(), name);
        }
        assert!("echo-nothing".parse::<Task>().is_err());
        assert!("univariate-linear".parse::<Task>().is_err());
        assert!("echo-whole-linear-classify-linear".parse::<Task>().is_err());
    }

    #[test]
    fn echo_index_targets_position_two() {
        let b = Task::from(Echo::Index { classes: 10 }).batch(&mut StdRng::seed_from_u64(1), 50);
        let (x, y) = classes(&b);
        assert_eq!((b.samples, b.steps, b.out_steps), (50, 5, 1));
        for i in 0..50 {
            assert_eq!(y[i], x[i * 5 + 2]);
            assert!(x[i * 5..i * 5 + 5].iter().all(|&v| v < 10));
        }
    }

    #[test]
    fn echo_whole_and_partial_echo_sliding_windows() {
        let whole = Task::from(Echo::Whole).batch(&mut StdRng::seed_from_u64(2), 30);
        let (x, y) = classes(&whole);
        assert_eq!(x, y);
        // Windows 0 and 1 come from the same sequence, shifted by one.
        assert_eq!(x[1..5], x[5..9]);
        let partial = Task::from(Echo::Partial { k: 3 }).batch(&mut StdRng::seed_from_u64(2), 30);
        let (px, py) = classes(&partial);
        assert_eq!(px, x);
        assert_eq!(partial.out_steps, 3);
        for i in 0..30 {
            assert_eq!(py[i * 3..i * 3 + 3], px[i * 5..i * 5 + 3]);
        }
    }

    #[test]
    fn echo_lag_streams_the_previous_value() {
        let b = Task::from(Echo::Lag).batch(&mut StdRng::seed_from_u64(4), 2);
        let (x, y) = classes(&b);
        assert_eq!((b.steps, b.out_steps, b.first_scored), (25, 25, 1));
        assert_eq!(y[1..25], x[0..24]);
        assert_eq!(y[26..50], x[25..49]);
    }

    #[test]
    fn linear_framings_carry_the_same_integers_as_numbers() {
        let one_hot = Task::from(Echo::Partial { k: 2 }).batch(&mut StdRng::seed_from_u64(3), 20);
        let (x, y) = classes(&one_hot);
        let as_numbers = |v: &[u32]| v.iter().map(|&c| c as f32).collect::<Vec<_>>();
        for framing in [Framing::Linear, Framing::LinearClassify] {
            let task = Task {
                echo: Echo::Partial { k: 2 },
                framing,
            };
            let b = task.batch(&mut StdRng::seed_from_u64(3), 20);
            assert_eq!(b.inputs, Inputs::Values(as_numbers(x)));
            let expected = match framing {
                Framing::Linear => Targets::Values(as_numbers(y)),
                _ => Targets::Classes(y.to_vec()),
            };
            assert_eq!(b.targets, expected);
            let spec = task.seed_network(Cell::Lstm);
            assert_eq!(spec.input, InputSpec::Dense { features: 1 });
            assert_eq!(spec.value_scale, 99.0, "values scaled to [0, 1]");
            assert_eq!(spec.head.classify, framing == Framing::LinearClassify);
        }
    }

    #[test]
    fn echo_lag_rows_are_the_published_framing() {
        let rows: Task = "echo-lag-rows".parse().unwrap();
        let b = rows.batch(&mut StdRng::seed_from_u64(6), 20);
        let (x, y) = classes(&b);
        assert_eq!((b.steps, b.out_steps, b.first_scored), (5, 1, 0));
        for i in 0..20 {
            // Row t holds x[t-4..=t] and answers x[t-1].
            assert_eq!(y[i], x[i * 5 + 3]);
            if i > 0 {
                assert_eq!(x[i * 5..i * 5 + 4], x[(i - 1) * 5 + 1..i * 5]);
            }
        }
        // The published schedule: 20 rows a sequence in 4 stateful batches of 5.
        let batches = rows.seed_sequence(&mut StdRng::seed_from_u64(7));
        assert_eq!(batches.len(), 4);
        assert!(batches.iter().all(|b| b.samples == 5));
        let schedule = rows.seed_schedule();
        assert_eq!(
            (schedule.batch, schedule.sequences, schedule.stateful),
            (5, 2_000, true)
        );
        assert_eq!(rows.window(), 5);
        assert_eq!(rows.seed_network(Cell::Lstm).outputs, OutputSpec::LastStep);
        assert!("echo-whole-rows".parse::<Task>().is_err());
        // Masked rows keep rows 1 to 4 (1 to 3 padded): 24 a sequence.
        let masked: Task = "echo-lag-rows-masked".parse().unwrap();
        let b = masked.batch(&mut StdRng::seed_from_u64(6), 24);
        let (x, y) = classes(&b);
        let pad = CLASSES;
        assert_eq!(x[..5], [pad, pad, pad, x[3], x[4]]);
        // Rows t = 1, 2, 3 are padded; t = 4 on are whole (the published
        // rows start at t = 5).
        assert!(x[10..15].contains(&pad) && !x[15..20].contains(&pad));
        for i in 0..24 {
            assert_eq!(y[i], x[i * 5 + 3]);
            assert_ne!(y[i], pad);
        }
        assert!(masked.seed_network(Cell::Lstm).masked);
        assert_eq!(masked.seed_sequence(&mut StdRng::seed_from_u64(7)).len(), 5);
    }

    #[test]
    fn vector_framings_answer_a_whole_window_at_once() {
        let every: Task = "echo-whole".parse().unwrap();
        let base = every.batch(&mut StdRng::seed_from_u64(8), 12);
        let (x, y) = classes(&base);
        let vector: Task = "echo-whole-vector".parse().unwrap();
        let b = vector.batch(&mut StdRng::seed_from_u64(8), 12);
        // The same windows and targets: five answers, from the last step.
        assert_eq!(classes(&b), (x, y));
        assert_eq!((b.steps, b.features, b.out_steps), (5, 1, 5));
        let spec = vector.seed_network(Cell::Lstm);
        assert_eq!(spec.outputs, OutputSpec::LastStep);
        assert_eq!((spec.head.groups, spec.head.outputs), (5, 100));
        assert_eq!(vector.window(), 5);
        // One step of 500 features: the window's one-hots side by side.
        let one_step: Task = "echo-whole-one-step".parse().unwrap();
        let b = one_step.batch(&mut StdRng::seed_from_u64(8), 12);
        assert_eq!((b.steps, b.features, b.out_steps), (1, 500, 5));
        assert_eq!(b.targets, Targets::Classes(y.to_vec()));
        for i in 0..12 {
            let raw = b.raw_input(i);
            let hot: Vec<usize> = (0..500).filter(|&j| raw[j] == 1.0).collect();
            let want: Vec<usize> = (0..5).map(|t| t * 100 + x[i * 5 + t] as usize).collect();
            assert_eq!(hot, want);
            assert_eq!(raw.iter().filter(|&&v| v == 0.0).count(), 495);
        }
        let spec = one_step.seed_network(Cell::Lstm);
        assert_eq!(spec.input, InputSpec::Dense { features: 500 });
        assert_eq!((spec.head.groups, one_step.window()), (5, 1));
        assert!("echo-lag-vector".parse::<Task>().is_err());
        assert!("echo-partial-one-step".parse::<Task>().is_err());
    }

    #[test]
    fn gru_seed_networks_are_the_lstm_shapes_in_tanh_grus() {
        for name in Task::names() {
            let task: Task = name.parse().unwrap();
            let (lstm, gru) = (task.seed_network(Cell::Lstm), task.seed_network(Cell::Gru));
            let as_gru = |layers: &[LayerSpec]| -> Vec<LayerSpec> {
                layers
                    .iter()
                    .map(|&l| LayerSpec {
                        cell: Cell::Gru,
                        relu: false,
                        ..l
                    })
                    .collect()
            };
            assert_eq!(gru.encoder, as_gru(&lstm.encoder), "{name}");
            match (&lstm.outputs, &gru.outputs) {
                (
                    OutputSpec::EncoderDecoder { steps, decoder },
                    OutputSpec::EncoderDecoder {
                        steps: gru_steps,
                        decoder: gru_decoder,
                    },
                ) => {
                    assert_eq!(steps, gru_steps);
                    assert_eq!(gru_decoder, &as_gru(decoder), "{name}");
                }
                (a, b) => assert_eq!(a, b, "{name}"),
            }
            assert_eq!((lstm.input, lstm.head), (gru.input, gru.head));
            assert_eq!(gru.check_capacity(), Ok(()), "{name}");
        }
        // Univariate's seed is the one ReLU network: its GRU is tanh.
        assert!(Task::UNIVARIATE.seed_network(Cell::Lstm).encoder[0].relu);
        assert!(!Task::UNIVARIATE.seed_network(Cell::Gru).encoder[0].relu);
    }

    #[test]
    fn seed_schedule_of_echo_whole_is_three_batches_of_seven() {
        let batches = Task::from(Echo::Whole).seed_sequence(&mut StdRng::seed_from_u64(5));
        assert_eq!(batches.len(), 3);
        assert!(batches.iter().all(|b| b.samples == 7));
        let (first, _) = classes(&batches[0]);
        let (second, _) = classes(&batches[1]);
        // Row 0 of the second batch is window 7 of the sequence.
        assert_eq!(first[6 * 5 + 1..6 * 5 + 5], second[0..4]);
    }
}
