//! Random float networks of every topology the format describes, for
//! property tests and benchmarks.

use infer_host::quantise::{
    quantise, FloatDirection, FloatInput, FloatLayer, FloatModel, FloatOutputs, PrecisionPolicy,
};
use infer_nostd::format::{Cell, HeadKind};
use rand::rngs::StdRng;
use rand::{Rng as _, RngCore as _, SeedableRng as _};

/// A topology to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topology {
    /// One-hot input, one LSTM, last step, classification.
    ManyToOne,
    /// One-hot input, one LSTM, every step, classification.
    ManyToMany,
    /// One-hot input, encoder LSTM, decoder LSTM over a repeated context.
    EncoderDecoder,
    /// Two stacked LSTMs, every step.
    Stacked,
    /// A bidirectional LSTM then a forward one, last step.
    Bidirectional,
    /// Dense input, ReLU-cell LSTM, regression.
    ReluRegression,
    /// One-hot input, one LSTM, last step, a vector output: a head of
    /// [`VECTOR_GROUPS`] groups of `classes` rows, each its own prediction.
    Vector,
    /// One-hot input, one GRU, every step.
    GruManyToMany,
    /// One-hot input, GRU encoder, GRU decoder over a repeated context.
    GruEncoderDecoder,
    /// Dense input (two features), a bidirectional GRU, then a forward
    /// LSTM (cells mixed in one stack), last step.
    GruMixed,
}

/// Predictions per output step of [`Topology::Vector`].
pub const VECTOR_GROUPS: usize = 3;

impl Topology {
    /// Every topology.
    pub const ALL: [Topology; 10] = [
        Topology::ManyToOne,
        Topology::ManyToMany,
        Topology::EncoderDecoder,
        Topology::Stacked,
        Topology::Bidirectional,
        Topology::ReluRegression,
        Topology::Vector,
        Topology::GruManyToMany,
        Topology::GruEncoderDecoder,
        Topology::GruMixed,
    ];

    /// The cell of the topology's first layer.
    pub fn cell(self) -> Cell {
        match self {
            Topology::GruManyToMany | Topology::GruEncoderDecoder | Topology::GruMixed => Cell::Gru,
            _ => Cell::Lstm,
        }
    }
}

/// The tests' seeded generator: `rand`'s `StdRng` (the trainer's), with
/// the few draws the tests make, so models are reproducible from a seed.
#[derive(Debug, Clone)]
pub struct Rng(StdRng);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(StdRng::seed_from_u64(seed))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `[-a, a)` (0 when `a` is 0).
    pub fn uniform(&mut self, a: f32) -> f32 {
        if a > 0.0 {
            self.0.random_range(-a..a)
        } else {
            0.0
        }
    }

    /// Uniform integer in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.0.random_range(0..n)
    }

    fn vec(&mut self, n: usize, a: f32) -> Vec<f32> {
        (0..n).map(|_| self.uniform(a)).collect()
    }
}

/// Random weights for one direction of a `cell` layer, scaled like
/// Glorot initialisation (times `gain`, so trained-looking saturation can
/// be reached).
fn direction(rng: &mut Rng, cell: Cell, units: usize, inputs: usize, gain: f32) -> FloatDirection {
    let a = gain * (6.0 / (inputs + units) as f32).sqrt();
    let b = gain * (6.0 / (2 * units) as f32).sqrt();
    let rows = cell.gates() * units;
    FloatDirection {
        input: rng.vec(rows * inputs, a),
        recurrent: rng.vec(rows * units, b),
        bias: rng.vec(4 * units, 0.5),
    }
}

/// The shape of one random layer.
struct LayerShape {
    cell: Cell,
    units: usize,
    inputs: usize,
    bidirectional: bool,
    relu: bool,
}

fn layer(rng: &mut Rng, s: LayerShape, gain: f32) -> FloatLayer {
    FloatLayer {
        cell: s.cell,
        units: s.units,
        relu: s.relu,
        forward: direction(rng, s.cell, s.units, s.inputs, gain),
        backward: s
            .bidirectional
            .then(|| direction(rng, s.cell, s.units, s.inputs, gain)),
    }
}

/// A random model of `topology` with `units` per layer over `classes`
/// one-hot values (dense topologies use one feature), windows of `window`.
pub fn random_model(
    topology: Topology,
    units: usize,
    classes: usize,
    window: usize,
    seed: u64,
) -> FloatModel {
    let mut rng = Rng::new(seed);
    let gain = 2.0;
    let (input, first_in) = match topology {
        Topology::ReluRegression => (FloatInput::Dense { features: 1 }, 1),
        Topology::GruMixed => (FloatInput::Dense { features: 2 }, 2),
        _ => (FloatInput::OneHot { classes }, classes),
    };
    let bidirectional = matches!(topology, Topology::Bidirectional | Topology::GruMixed);
    let first = LayerShape {
        cell: topology.cell(),
        units,
        inputs: first_in,
        bidirectional,
        relu: topology == Topology::ReluRegression,
    };
    let forward = |cell, inputs| LayerShape {
        cell,
        units,
        inputs,
        bidirectional: false,
        relu: false,
    };
    let mut encoder = vec![layer(&mut rng, first, gain)];
    if matches!(
        topology,
        Topology::Stacked | Topology::Bidirectional | Topology::GruMixed
    ) {
        let inputs = encoder[0].units * if bidirectional { 2 } else { 1 };
        encoder.push(layer(&mut rng, forward(Cell::Lstm, inputs), gain));
    }
    let outputs = match topology {
        Topology::ManyToOne
        | Topology::Bidirectional
        | Topology::ReluRegression
        | Topology::Vector
        | Topology::GruMixed => FloatOutputs::LastStep,
        Topology::ManyToMany | Topology::Stacked | Topology::GruManyToMany => {
            FloatOutputs::EveryStep
        }
        Topology::EncoderDecoder | Topology::GruEncoderDecoder => FloatOutputs::EncoderDecoder {
            steps: 2,
            decoder: vec![layer(&mut rng, forward(topology.cell(), units), gain)],
        },
    };
    let (head_kind, head_groups) = match topology {
        Topology::ReluRegression => (HeadKind::Regress, 1),
        Topology::Vector => (HeadKind::Classify, VECTOR_GROUPS),
        _ => (HeadKind::Classify, 1),
    };
    let head_rows = match head_kind {
        HeadKind::Regress => head_groups,
        HeadKind::Classify => head_groups * classes,
    };
    let a = gain * (6.0 / (units + head_rows) as f32).sqrt();
    FloatModel {
        label: format!("random-{topology:?}"),
        window,
        input,
        encoder,
        outputs,
        head_kind,
        head_groups,
        head_weights: rng.vec(head_rows * units, a),
        head_bias: rng.vec(head_rows, 0.1),
        masked: false,
        names: match head_kind {
            HeadKind::Regress => (0..head_rows).map(|r| format!("value {r}")).collect(),
            HeadKind::Classify => (0..classes).map(|c| format!("class {c}")).collect(),
        },
    }
}

/// A random window of `window` steps for `model` (class indices, or dense
/// values in [0, 1)).
pub fn random_window(model: &FloatModel, rng: &mut Rng) -> Vec<f32> {
    match model.input {
        FloatInput::OneHot { classes } => (0..model.window)
            .map(|_| rng.below(classes) as f32)
            .collect(),
        FloatInput::Dense { features } => (0..model.window * features)
            .map(|_| rng.uniform(0.5) + 0.5)
            .collect(),
    }
}

/// A random model quantised with `policy`: the float model, the `windows`
/// random windows it was calibrated on, and the model file.
pub struct QuantisedRandom {
    /// The float network.
    pub float: FloatModel,
    /// Its calibration windows (raw values).
    pub windows: Vec<Vec<f32>>,
    /// The model file.
    pub bytes: Vec<u8>,
}

/// Makes a [`random_model`] over `classes` values with windows of 5,
/// `windows` random windows from `window_seed`, and quantises it.
pub fn quantised_random(
    topology: Topology,
    units: usize,
    classes: usize,
    seed: u64,
    windows: usize,
    window_seed: u64,
    policy: PrecisionPolicy,
) -> QuantisedRandom {
    let float = random_model(topology, units, classes, 5, seed);
    let mut rng = Rng::new(window_seed);
    let windows: Vec<Vec<f32>> = (0..windows)
        .map(|_| random_window(&float, &mut rng))
        .collect();
    let bytes = quantise(&float, &windows, policy)
        .expect("a random model quantises")
        .bytes;
    QuantisedRandom {
        float,
        windows,
        bytes,
    }
}
