//! The model file format: one definition, shared by the trainer (which writes
//! it) and the engine (which reads it in place).
//!
//! A file is `MAGIC` (4 bytes), `FORMAT_VERSION` (u16, little-endian), then a
//! postcard encoding of [`ModelDesc`] followed by a CRC-32 (ISO-HDLC, the zlib
//! one) of that encoding, little-endian. Tensors are borrowed byte slices that
//! point into the file: nothing is copied.
//!
//! # Numeric conventions
//! - Weights are `Int8` (one byte each, two's complement) or `Int16` (two
//!   bytes each, little-endian), one row per output, stored in *row
//!   groups* (see [`Matrix::group_bytes`]): each row is padded with zero
//!   weights to whole 4-byte words (4 int8 or 2 int16 weights), the rows
//!   are padded with zero rows to a multiple of four, and each group of
//!   four rows is stored word-interleaved: word 0 of its first, second,
//!   third and fourth row, then word 1 of each, and so on. A dot-product
//!   kernel reads a group front to back with one pointer, four rows
//!   sharing each load of the input (one `LDM` of 16 bytes on a Cortex-M4).
//! - The one exception: the input kernel of a layer fed directly by one-hot
//!   input is stored column-major, unpadded (one contiguous column of
//!   `rows` weights per input value), so the one-hot "matrix product" is a
//!   contiguous gather.
//! - Each output row `r` of a [`Matrix`] has a requantisation multiplier
//!   `m[r]` (i32, little-endian, `0 <= m < 2^31`) and shift `s[r]` (`u8`,
//!   at most [`MAX_SHIFT`]): the row's integer accumulator `acc` becomes
//!   `round_half_up(acc * m / 2^s)`, saturated to i32.
//! - LSTM rows (of both kernels, of the bias, and their requantisation)
//!   come unit by unit: row `4 j + g` is gate `g` of unit `j`, gates in the
//!   order input, forget, cell (candidate), output; so each row group is
//!   the four gates of one unit. Biases are i32 in the row's output format.
//! - Sigmoid gate pre-activations are Q3.12. The candidate of a tanh cell is
//!   Q3.12 too; that of a ReLU cell is Q(`candidate_frac`).
//! - The hidden state is Q0.15 for tanh cells, Q(`hidden_frac`) for ReLU
//!   cells. The cell state is Q(`cell_frac`).
//! - These rules are written once, as [`CellActivation`]'s methods; the
//!   engine and the quantiser both use them.

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

/// The four bytes every model file starts with.
pub const MAGIC: [u8; 4] = *b"ELSM";
/// The format version this engine writes and reads.
/// Version 6: [`ModelDesc::names`] (the head's class or value names), last.
/// Version 5: [`RecurrentLayer::cell`] (GRU layers beside LSTM ones).
/// Version 4: [`Head::groups`] (several predictions per output step).
/// Version 3: [`ModelDesc::mask`] (a pad value for masked steps), after
/// the head. Version 2: row groups and unit-major LSTM rows (version 1
/// stored rows plainly, gate by gate).
pub const FORMAT_VERSION: u16 = 6;
/// Bytes before the postcard payload: magic then version.
pub const HEADER_LEN: usize = 6;
/// Most LSTM layers one stack may hold in a file.
pub const MAX_STACK_LAYERS: usize = 4;
/// Largest requantisation shift a file may use.
pub const MAX_SHIFT: u8 = 62;
/// Fraction bits of sigmoid gate pre-activations (Q3.12).
pub const GATE_FRAC: u8 = 12;
/// Fraction bits of gate outputs and of a tanh cell's hidden state (Q0.15).
pub const UNIT_FRAC: u8 = 15;

/// The CRC-32 used over the payload, computed bit by bit: a table would
/// take 1 KiB of a microcontroller's flash to check a file once, at load.
static CRC32: crc::Crc<u32, crc::NoTable> =
    crc::Crc::<u32, crc::NoTable>::new(&crc::CRC_32_ISO_HDLC);

/// The CRC-32 (ISO-HDLC, the zlib one) a file stores after its payload:
/// the one definition the loader checks and the writer
/// (`infer_host::file::frame`) writes.
pub fn checksum(payload: &[u8]) -> u32 {
    CRC32.checksum(payload)
}

/// Storage precision of one weight tensor.
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// One signed byte per weight.
    Int8,
    /// Two bytes per weight, little-endian.
    Int16,
}

impl Precision {
    /// Bytes per stored weight.
    pub const fn bytes(self) -> usize {
        match self {
            Precision::Int8 => 1,
            Precision::Int16 => 2,
        }
    }

    /// Weight `i` of `stored` (0 if absent), widened to i32.
    #[inline(always)]
    pub fn weight(self, stored: &[u8], i: usize) -> i32 {
        match self {
            Precision::Int8 => stored.get(i).map_or(0, |&b| b as i8 as i32),
            Precision::Int16 => match stored.get(2 * i..2 * i + 2) {
                Some(&[a, b]) => i16::from_le_bytes([a, b]) as i32,
                _ => 0,
            },
        }
    }
}

/// A quantised weight matrix with one requantisation per output row.
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Matrix<'a> {
    /// Output rows.
    pub rows: u16,
    /// Inputs per row.
    pub cols: u16,
    /// How each weight is stored.
    pub precision: Precision,
    /// Zero to three bytes that place `values` at a multiple of four bytes
    /// from the start of the file (the Cortex-M4 kernels load whole words
    /// of weights; `to_file_bytes` chooses them).
    #[cfg_attr(feature = "serde", serde(borrow))]
    pub align: &'a [u8],
    /// The weights in row groups ([`Matrix::grouped_len`] bytes), or
    /// column-major for a one-hot input kernel (see the module docs).
    #[cfg_attr(feature = "serde", serde(borrow))]
    pub values: &'a [u8],
    /// One i32 multiplier per row, little-endian; stored for the padding
    /// rows of the last row group too (as 0).
    #[cfg_attr(feature = "serde", serde(borrow))]
    pub multipliers: &'a [u8],
    /// One right shift per row (padding rows included).
    #[cfg_attr(feature = "serde", serde(borrow))]
    pub shifts: &'a [u8],
}

impl Matrix<'_> {
    /// Stored 4-byte words per row: the row padded with zero weights.
    pub const fn row_words(&self) -> usize {
        (self.cols as usize * self.precision.bytes()).div_ceil(4)
    }

    /// Bytes of one row group: four rows of [`row_words`](Self::row_words) words.
    pub const fn group_bytes(&self) -> usize {
        16 * self.row_words()
    }

    /// Row groups: the rows padded with zero rows to a multiple of four, by four.
    pub const fn groups(&self) -> usize {
        (self.rows as usize).div_ceil(4)
    }

    /// Length of `values` stored in row groups.
    pub const fn grouped_len(&self) -> usize {
        self.groups() * self.group_bytes()
    }

    /// Byte offset in `values` of row `r`'s weight `k` (row groups;
    /// wrapping, so an index far out of range gives an offset past the end).
    pub const fn grouped_offset(&self, r: usize, k: usize) -> usize {
        let per_word = 4 / self.precision.bytes();
        let (word, within) = (k / per_word, k % per_word);
        (r / 4)
            .wrapping_mul(self.group_bytes())
            .wrapping_add(word.wrapping_mul(16))
            .wrapping_add(4 * (r % 4) + within * self.precision.bytes())
    }
}

/// The weights of one direction of an LSTM layer.
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectionWeights<'a> {
    /// Input kernel: `4 * units` rows by the layer's input width.
    #[cfg_attr(feature = "serde", serde(borrow))]
    pub input: Matrix<'a>,
    /// Recurrent kernel: `4 * units` rows by `units` columns.
    #[cfg_attr(feature = "serde", serde(borrow))]
    pub recurrent: Matrix<'a>,
    /// `4 * units` i32 biases, little-endian, in each row's output format
    /// (unit by unit, like the rows).
    #[cfg_attr(feature = "serde", serde(borrow))]
    pub bias: &'a [u8],
}

/// The activation applied to the candidate and to the cell state.
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellActivation {
    /// The standard LSTM: hidden state in Q0.15.
    Tanh,
    /// ReLU in place of tanh (Keras `activation="relu"`); the ranges are
    /// calibrated by the trainer.
    Relu {
        /// Fraction bits of the candidate pre-activation and value.
        candidate_frac: u8,
        /// Fraction bits of the hidden state.
        hidden_frac: u8,
    },
}

impl CellActivation {
    /// Fraction bits of gate `gate`'s pre-activation (0 input, 1 forget,
    /// 2 candidate, 3 output): Q3.12 ([`GATE_FRAC`]), but for a ReLU
    /// cell's candidate, Q(`candidate_frac`).
    pub const fn gate_frac(self, gate: usize) -> u8 {
        match self {
            CellActivation::Relu { candidate_frac, .. } if gate == 2 => candidate_frac,
            _ => GATE_FRAC,
        }
    }

    /// Fraction bits of the candidate value, after its activation: Q0.15
    /// ([`UNIT_FRAC`]) out of tanh; ReLU keeps its pre-activation's.
    pub const fn candidate_frac(self) -> u8 {
        match self {
            CellActivation::Tanh => UNIT_FRAC,
            CellActivation::Relu { candidate_frac, .. } => candidate_frac,
        }
    }

    /// Fraction bits of the hidden state: Q0.15 ([`UNIT_FRAC`]) for a tanh
    /// cell, Q(`hidden_frac`) for a ReLU one.
    pub const fn hidden_frac(self) -> u8 {
        match self {
            CellActivation::Tanh => UNIT_FRAC,
            CellActivation::Relu { hidden_frac, .. } => hidden_frac,
        }
    }
}

/// Which recurrent cell a layer is, and so how its rows are laid out.
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// LSTM: four gates, in the order input, forget, cell (candidate),
    /// output; row `4 j + g` is gate `g` of unit `j`, so a row group is
    /// one unit's four gates. One bias per row (`4 * units`).
    Lstm,
    /// GRU, as PyTorch's `nn.GRU`, Keras' `GRU(reset_after=True)` and
    /// ONNX's `GRU` with `linear_before_reset=1` define it:
    /// `r = σ(x W_r + h U_r + b_r)`, `z = σ(x W_z + h U_z + b_z)`,
    /// `n = tanh(x W_n + b_n + r ⊙ (h U_n + b_hn))`,
    /// `h' = (1 - z) ⊙ n + z ⊙ h`. Gates in PyTorch's order: reset,
    /// update, new. Units come in blocks of four (the last padded with
    /// zero rows): row `12 b + 4 g + k` is gate `g` of unit `4 b + k`, so
    /// a row group is one gate of four units; `3 * padded` rows, `padded`
    /// being the units rounded up to a multiple of four. Biases: one per
    /// row (`b_r` and `b_z` summed from both sides, the new gate's input
    /// side `b_n`), then the new gate's recurrent biases `b_hn` unit by
    /// unit (`padded` of them, in the recurrent product's Q3.12):
    /// `4 * padded` in all. Tanh only; no cell state (`cell_frac` is 0).
    Gru,
}

impl Cell {
    /// Gate rows of a layer of `units` units (stored rows: a GRU's padded).
    pub const fn gate_rows(self, units: usize) -> usize {
        match self {
            Cell::Lstm => 4 * units,
            Cell::Gru => 3 * units.div_ceil(4) * 4,
        }
    }

    /// i32 biases of one direction of a layer of `units` units.
    pub const fn biases(self, units: usize) -> usize {
        match self {
            Cell::Lstm => 4 * units,
            Cell::Gru => 4 * units.div_ceil(4) * 4,
        }
    }

    /// Gates per unit.
    pub const fn gates(self) -> usize {
        match self {
            Cell::Lstm => 4,
            Cell::Gru => 3,
        }
    }
}

/// One recurrent layer (LSTM or GRU), forward or bidirectional.
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecurrentLayer<'a> {
    /// The cell, which fixes the meaning and layout of the rows.
    pub cell: Cell,
    /// Hidden units per direction.
    pub units: u16,
    /// Candidate and cell-output activation.
    pub activation: CellActivation,
    /// Fraction bits of the cell state (a power-of-two scale).
    pub cell_frac: u8,
    /// The forward direction.
    #[cfg_attr(feature = "serde", serde(borrow))]
    pub forward: DirectionWeights<'a>,
    /// The backward direction of a bidirectional layer; its output is
    /// concatenated after the forward one.
    #[cfg_attr(feature = "serde", serde(borrow))]
    pub backward: Option<DirectionWeights<'a>>,
}

/// What one input timestep is.
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Input {
    /// An integer in `0..classes`, one-hot encoded.
    OneHot {
        /// Number of possible values.
        classes: u16,
    },
    /// `features` numbers, quantised as `round(x / scale)` to i16.
    Dense {
        /// Values per timestep.
        features: u16,
        /// Real value of one quantised input step.
        scale: f32,
    },
}

/// Which hidden states reach the head; `S` is how a stack of layers is
/// held: the engine's [`Layers`](crate::Layers) (the file view, decoded as
/// visited), or a host tool's vector of [`RecurrentLayer`]s (both encode as a
/// postcard sequence of layers).
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outputs<S> {
    /// Many-to-one: the last timestep only.
    LastStep,
    /// Many-to-many: every timestep.
    EveryStep,
    /// The encoder's last output, repeated `steps` times as the input of a
    /// decoder stack (which starts from zero state), whose every step
    /// reaches the head.
    EncoderDecoder {
        /// Output steps.
        steps: u16,
        /// The decoder layers.
        decoder: S,
    },
}

/// What the head's outputs mean.
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadKind {
    /// Logits: the prediction is the argmax (lowest index on ties).
    Classify,
    /// One dequantised value per output.
    Regress,
}

/// The dense layer applied to each output hidden state.
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Head<'a> {
    /// Classification or regression.
    pub kind: HeadKind,
    /// Predictions per output step: the rows are this many equal blocks,
    /// in order, each answering on its own (the argmax within its block;
    /// regressing, every block is one row, its value). 1 but for a vector
    /// output, such as all 5 values of a window from its last step.
    pub groups: u16,
    /// Output rows by the last layer's output width.
    #[cfg_attr(feature = "serde", serde(borrow))]
    pub dense: Matrix<'a>,
    /// One i32 bias per row, little-endian, in output units.
    #[cfg_attr(feature = "serde", serde(borrow))]
    pub bias: &'a [u8],
    /// Real value of one output unit.
    pub output_scale: f32,
}

/// A whole network, as stored after the header; `S` is how its stacks
/// are held (see [`Outputs`]). The engine's [`Model`](crate::Model) is a
/// validated `ModelDesc<Layers>`.
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelDesc<'a, S> {
    /// Free text naming the task, such as `echo-whole`.
    #[cfg_attr(feature = "serde", serde(borrow))]
    pub label: &'a str,
    /// The window length the model was trained on (0: any length).
    pub window: u16,
    /// Input encoding.
    pub input: Input,
    /// The (encoder) LSTM stack.
    pub encoder: S,
    /// How outputs are taken.
    pub outputs: Outputs<S>,
    /// The dense head.
    #[cfg_attr(feature = "serde", serde(borrow))]
    pub head: Head<'a>,
    /// The pad value of masked steps, if the model has a mask: a timestep
    /// whose every value is this (a class index of one-hot input, which
    /// must then lie outside `0..classes`; a quantised value of dense
    /// input) is masked, as Keras' `Masking` does: every layer's state
    /// passes through it unchanged, and an output taken at it is that of
    /// the step before (the head over the unchanged hidden state).
    pub mask: Option<i16>,
    /// The names of the head's answers, one per line (`\n` between
    /// them): a classifier's classes in output order (as many as one
    /// group's rows), a regressor's values (one per row); empty when
    /// they are unnamed (the classes are their indices).
    #[cfg_attr(feature = "serde", serde(borrow))]
    pub names: &'a str,
}
