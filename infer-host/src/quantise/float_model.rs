//! The float network a trainer hands over for quantisation.

use std::string::String;
use std::vec::Vec;

use infer_nostd::format::{Cell, HeadKind};

/// One direction of a float recurrent layer, gate by gate (`units` rows
/// each): an LSTM's input, forget, cell (candidate), output; a GRU's
/// reset, update, new (PyTorch's order).
#[derive(Debug, Clone, PartialEq)]
pub struct FloatDirection {
    /// Input kernel, `gates * units` rows by the input width, row-major.
    pub input: Vec<f32>,
    /// Recurrent kernel, `gates * units` rows by `units`, row-major.
    pub recurrent: Vec<f32>,
    /// `4 * units` biases: an LSTM's per gate (a framework's two biases
    /// per gate already added); a GRU's reset and update gates' (both
    /// sides added), the new gate's input side `b_in`, then the new gate's
    /// recurrent side `b_hn` (which the reset gate scales, so it stays
    /// apart).
    pub bias: Vec<f32>,
}

/// One float recurrent layer.
#[derive(Debug, Clone, PartialEq)]
pub struct FloatLayer {
    /// LSTM or GRU.
    pub cell: Cell,
    /// Hidden units per direction.
    pub units: usize,
    /// ReLU in place of tanh for the candidate and the cell output.
    pub relu: bool,
    /// Forward direction.
    pub forward: FloatDirection,
    /// Backward direction, for a bidirectional layer.
    pub backward: Option<FloatDirection>,
}

/// How a float model's input timesteps are encoded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FloatInput {
    /// An integer in `0..classes`, one-hot.
    OneHot {
        /// Number of possible values.
        classes: usize,
    },
    /// `features` real numbers per timestep.
    Dense {
        /// Values per timestep.
        features: usize,
    },
}

/// Which hidden states of a float model reach the head.
#[derive(Debug, Clone, PartialEq)]
pub enum FloatOutputs {
    /// Many-to-one.
    LastStep,
    /// Many-to-many.
    EveryStep,
    /// Encoder-decoder: the encoder's last output repeated `steps` times
    /// into the decoder stack.
    EncoderDecoder {
        /// Output steps.
        steps: usize,
        /// Decoder layers.
        decoder: Vec<FloatLayer>,
    },
}

/// A whole float network, as trained.
#[derive(Debug, Clone, PartialEq)]
pub struct FloatModel {
    /// Task name, stored in the file.
    pub label: String,
    /// Trained window length (0: any).
    pub window: usize,
    /// Input encoding.
    pub input: FloatInput,
    /// Encoder stack.
    pub encoder: Vec<FloatLayer>,
    /// How outputs are taken.
    pub outputs: FloatOutputs,
    /// Classification or regression.
    pub head_kind: HeadKind,
    /// Predictions per output step: the head's rows in this many equal
    /// groups, each its own answer (1 but for a vector output).
    pub head_groups: usize,
    /// Head weights, outputs by the last layer's width, row-major.
    pub head_weights: Vec<f32>,
    /// Head biases.
    pub head_bias: Vec<f32>,
    /// Whether the model masks pad steps (Keras `Masking`): a one-hot step
    /// holding the reserved class `classes` (one past the last), or a
    /// dense step of NaNs. The file states the pad value the engine sees
    /// (`classes`, or `i16::MIN` for dense input).
    pub masked: bool,
    /// The names of the head's answers, stored in the file
    /// ([`ModelDesc::names`](infer_nostd::format::ModelDesc::names)): a
    /// classifier's classes, a regressor's values; empty when unnamed.
    /// A name holds no line break.
    pub names: Vec<String>,
}

impl FloatModel {
    /// Whether `step` (one timestep's raw values) is a pad step.
    pub fn is_pad(&self, step: &[f32]) -> bool {
        self.masked
            && match self.input {
                FloatInput::OneHot { classes } => step.first() == Some(&(classes as f32)),
                FloatInput::Dense { .. } => !step.is_empty() && step.iter().all(|v| v.is_nan()),
            }
    }

    /// The pad value the file states for a masked model.
    pub fn pad_value(&self) -> Option<i16> {
        self.masked.then_some(match self.input {
            FloatInput::OneHot { classes } => classes as i16,
            FloatInput::Dense { .. } => i16::MIN,
        })
    }

    /// Values a window of `steps` timesteps holds.
    pub fn input_width(&self) -> usize {
        match self.input {
            FloatInput::OneHot { .. } => 1,
            FloatInput::Dense { features } => features,
        }
    }

    /// Every weight and bias tensor.
    fn tensors(&self) -> Vec<&[f32]> {
        let decoder: &[FloatLayer] = match &self.outputs {
            FloatOutputs::EncoderDecoder { decoder, .. } => decoder,
            _ => &[],
        };
        let mut all: Vec<&[f32]> = Vec::new();
        for l in self.encoder.iter().chain(decoder) {
            for w in core::iter::once(&l.forward).chain(l.backward.as_ref()) {
                all.extend([&w.input[..], &w.recurrent[..], &w.bias[..]]);
            }
        }
        all.extend([&self.head_weights[..], &self.head_bias[..]]);
        all
    }

    /// Number of weights and biases.
    pub fn parameters(&self) -> usize {
        self.tensors().iter().map(|t| t.len()).sum()
    }

    /// Whether every weight and bias is finite (a diverged training run
    /// leaves NaN or infinity).
    pub fn is_finite(&self) -> bool {
        self.tensors()
            .iter()
            .all(|t| t.iter().all(|v| v.is_finite()))
    }
}
