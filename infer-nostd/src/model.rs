//! Loading and validating a model file: after [`Model::from_bytes`]
//! succeeds, every tensor has the length its shape says, so running the
//! model cannot fail on the model's account.

use crate::error::{Detail, Error};
use crate::format::{
    checksum, Cell, CellActivation, DirectionWeights, Head, HeadKind, Input, Matrix, ModelDesc,
    Outputs, RecurrentLayer, FORMAT_VERSION, HEADER_LEN, MAGIC, MAX_SHIFT, UNIT_FRAC,
};
use crate::layers::Layers;
use crate::tensor::pow2;
use crate::wire::{Bad, Decode, Reader};

/// Widest input any matrix row may have (keeps int8 dot products in i32).
pub const MAX_COLS: usize = 511;

/// A validated model: the file's [`ModelDesc`] with its stacks held as
/// [`Layers`] (the file view, decoded as visited), borrowing everything
/// from the file bytes, so the model itself is a few words.
#[derive(Debug, Clone, PartialEq)]
pub struct Model<'a> {
    desc: ModelDesc<'a, Layers<'a>>,
}

/// The engine's decoder of a whole description: the fields in the order
/// [`ModelDesc`] declares them (and postcard encodes them), the stacks
/// kept encoded as [`Layers`].
impl<'a> Decode<'a> for ModelDesc<'a, Layers<'a>> {
    fn decode(r: &mut Reader<'a>) -> Result<Self, Bad> {
        Ok(ModelDesc {
            label: r.str()?,
            window: r.u16()?,
            input: Input::decode(r)?,
            encoder: Layers::read(r)?,
            outputs: match r.variant(3)? {
                0 => Outputs::LastStep,
                1 => Outputs::EveryStep,
                _ => Outputs::EncoderDecoder {
                    steps: r.u16()?,
                    decoder: Layers::read(r)?,
                },
            },
            head: Head::decode(r)?,
            mask: match r.is_some()? {
                true => Some(r.i16()?),
                false => None,
            },
            names: r.str()?,
        })
    }
}

impl<'a> Model<'a> {
    /// Parses and validates a model file in place: magic, version, CRC,
    /// and every shape against every other.
    pub fn from_bytes(bytes: &'a [u8]) -> Result<Self, Error> {
        let (header, payload) = bytes.split_at_checked(HEADER_LEN).ok_or(Error::Truncated)?;
        if header[..4] != MAGIC {
            return Err(Error::BadMagic);
        }
        let version = u16::from_le_bytes([header[4], header[5]]);
        if version > FORMAT_VERSION {
            return Err(Error::FutureVersion(version));
        }
        if version < FORMAT_VERSION {
            return Err(Error::UnsupportedVersion(version));
        }
        let mut r = Reader::new(payload);
        let desc = ModelDesc::decode(&mut r)?;
        let crc = match r.rest() {
            [a, b, c, d] => u32::from_le_bytes([*a, *b, *c, *d]),
            [_, _, _, _, ..] => return Err(Error::TrailingBytes),
            _ => return Err(Error::Truncated),
        };
        if checksum(&payload[..payload.len() - 4]) != crc {
            return Err(Error::BadCrc);
        }
        let model = Model { desc };
        validate(&model)?;
        Ok(model)
    }

    /// The pad value of masked steps, if the model has a mask (see
    /// [`ModelDesc::mask`]).
    pub fn mask(&self) -> Option<i16> {
        self.desc.mask
    }

    /// Whether `step` (one timestep's values) is a masked step: the model
    /// has a mask and every value is its pad value.
    pub fn is_pad(&self, step: &[i16]) -> bool {
        self.desc
            .mask
            .is_some_and(|pad| !step.is_empty() && step.iter().all(|&v| v == pad))
    }

    /// The whole description, its stacks as [`Layers`].
    pub fn desc(&self) -> &ModelDesc<'a, Layers<'a>> {
        &self.desc
    }

    /// The free-text label (the task name).
    pub fn label(&self) -> &'a str {
        self.desc.label
    }

    /// The name of answer `i` ([`ModelDesc::names`]): class `i` of a
    /// classifier, row `i` of a regressor; `None` when the model names
    /// none (or has no answer `i`).
    pub fn name(&self, i: usize) -> Option<&'a str> {
        self.names().nth(i)
    }

    /// The class a label names: its position among the model's class
    /// names, or, when the model names none, the label read as a class
    /// index below [`outputs_per_prediction`](Self::outputs_per_prediction);
    /// `None` if it is neither.
    pub fn class_of(&self, label: &str) -> Option<usize> {
        match self.name(0) {
            Some(_) => self.names().position(|n| n == label),
            None => label
                .parse()
                .ok()
                .filter(|&c| c < self.outputs_per_prediction()),
        }
    }

    /// The names of the answers in order ([`ModelDesc::names`]): none
    /// when the model names none.
    pub fn names(&self) -> impl Iterator<Item = &'a str> {
        let names = self.desc.names;
        names.split('\n').filter(move |_| !names.is_empty())
    }

    /// The window length the model was trained on (0: any).
    pub fn window(&self) -> u16 {
        self.desc.window
    }

    /// The input encoding.
    pub fn input(&self) -> Input {
        self.desc.input
    }

    /// The (encoder) LSTM stack.
    pub fn encoder(&self) -> Layers<'a> {
        self.desc.encoder
    }

    /// How outputs are taken.
    pub fn readout(&self) -> Outputs<Layers<'a>> {
        self.desc.outputs
    }

    /// The dense head.
    pub fn head(&self) -> &Head<'a> {
        &self.desc.head
    }

    /// Values one timestep of input holds (1 for one-hot input).
    pub fn step_width(&self) -> usize {
        match self.desc.input {
            Input::OneHot { .. } => 1,
            Input::Dense { features, .. } => features as usize,
        }
    }

    /// Output steps for a window of `steps` timesteps.
    pub fn output_steps(&self, steps: usize) -> usize {
        match self.desc.outputs {
            Outputs::LastStep => 1,
            Outputs::EveryStep => steps,
            Outputs::EncoderDecoder { steps, .. } => steps as usize,
        }
    }

    /// Outputs of the head per output step (its rows: classes, or 1 for
    /// regression, times [`predictions_per_step`](Self::predictions_per_step)).
    pub fn head_outputs(&self) -> usize {
        self.desc.head.dense.rows as usize
    }

    /// Whether any layer (encoder or decoder) has `cell`.
    pub fn uses(&self, cell: Cell) -> bool {
        let decoder = match self.desc.outputs {
            Outputs::EncoderDecoder { decoder, .. } => Some(decoder),
            _ => None,
        };
        let mut layers = self
            .desc
            .encoder
            .iter()
            .chain(decoder.iter().flat_map(|s| s.iter()));
        layers.any(|l| l.cell == cell)
    }

    /// Predictions per output step ([`Head::groups`]): 1 but for a vector
    /// output.
    pub fn predictions_per_step(&self) -> usize {
        self.desc.head.groups as usize
    }

    /// Head outputs behind one prediction (the rows of one group: classes,
    /// or 1 for regression).
    pub fn outputs_per_prediction(&self) -> usize {
        self.head_outputs() / self.predictions_per_step().max(1)
    }

    /// Predictions for a window of `steps` timesteps: output steps times
    /// [`predictions_per_step`](Self::predictions_per_step).
    pub fn predictions(&self, steps: usize) -> usize {
        self.output_steps(steps) * self.predictions_per_step()
    }

    /// Quantises one real dense input value to the model's input scale
    /// (round half away from zero, saturating). One-hot models return the
    /// value truncated to an index. A masked dense model quantises NaN to
    /// its pad value, and no real value to it (saturating one above).
    pub fn quantise_input(&self, x: f32) -> i16 {
        let (q, pad) = match self.desc.input {
            Input::Dense { scale, .. } => (x / scale, self.desc.mask),
            Input::OneHot { .. } => (x, None),
        };
        if let (Some(pad), true) = (pad, x.is_nan()) {
            return pad;
        }
        let r = if q >= 0.0 { q + 0.5 } else { q - 0.5 };
        let v = r.clamp(i16::MIN as f32, i16::MAX as f32) as i16;
        match pad {
            // One above, or one below `i16::MAX` (no overflow either way).
            Some(pad) if v == pad => v.checked_add(1).unwrap_or_else(|| v - 1),
            _ => v,
        }
    }

    /// The real value of a raw head output (a regression prediction).
    pub fn dequantise_output(&self, raw: i32) -> f32 {
        raw as f32 * self.desc.head.output_scale
    }

    /// Multiply-accumulates one window of `steps` timesteps needs, counting
    /// the one-hot input as a gather (no multiplies) and the decoder's
    /// repeated input projection once (saturating: never overflows).
    pub fn macs_per_window(&self, steps: usize) -> usize {
        let stack_macs = |stack: Layers, first_cols: usize, steps: usize, first_once: bool| {
            let mut cols = first_cols;
            let mut total = 0usize;
            for (i, l) in stack.iter().enumerate() {
                let rows = l.cell.gates() * l.units as usize * l.directions();
                let input_times = if i == 0 && first_once { 1 } else { steps };
                let input = (rows * cols).saturating_mul(input_times);
                let recurrent = (rows * l.units as usize).saturating_mul(steps);
                total = total.saturating_add(input).saturating_add(recurrent);
                cols = l.output_width();
            }
            (total, cols)
        };
        let first = match self.desc.input {
            Input::OneHot { .. } => 0,
            Input::Dense { features, .. } => features as usize,
        };
        let (enc, width) = stack_macs(self.desc.encoder, first, steps, false);
        let (dec, width) = match self.desc.outputs {
            Outputs::EncoderDecoder { steps: s, decoder } => {
                stack_macs(decoder, width, s as usize, true)
            }
            _ => (0, width),
        };
        let head = self
            .output_steps(steps)
            .saturating_mul(self.desc.head.dense.rows as usize * width);
        enc.saturating_add(dec).saturating_add(head)
    }
}

impl RecurrentLayer<'_> {
    /// 1 for a forward layer, 2 for a bidirectional one.
    pub fn directions(&self) -> usize {
        1 + self.backward.is_some() as usize
    }

    /// Width of the layer's output vector.
    pub fn output_width(&self) -> usize {
        self.units as usize * self.directions()
    }

    /// Fraction bits of the hidden state.
    pub fn hidden_frac(&self) -> u8 {
        self.activation.hidden_frac()
    }

    /// Fraction bits of gate row `r`'s pre-activation (an LSTM's rows
    /// come unit by unit: `r % 4` is the gate; a GRU's are all Q3.12).
    pub fn row_frac(&self, r: usize) -> u8 {
        self.activation.gate_frac(r % 4)
    }

    /// Stored gate rows of one direction ([`Cell::gate_rows`]).
    pub fn gate_rows(&self) -> usize {
        self.cell.gate_rows(self.units as usize)
    }

    /// The real value of one unit of the hidden state.
    pub fn hidden_scale(&self) -> f32 {
        pow2(-(self.hidden_frac() as i32))
    }
}

fn check(ok: bool, e: Error) -> Result<(), Error> {
    if ok {
        Ok(())
    } else {
        Err(e)
    }
}

/// Checks a matrix's shape and parameters; `column_major` for a one-hot
/// input kernel, else stored in row groups.
// One copy for the three callers: loading is not hot.
#[inline(never)]
fn validate_matrix(
    m: &Matrix,
    (rows, cols): (usize, usize),
    column_major: bool,
    what: Detail,
) -> Result<(), Error> {
    check(
        m.rows as usize == rows && m.cols as usize == cols,
        Error::Shape(what),
    )?;
    check(cols <= MAX_COLS, Error::Shape(Detail::MatrixTooWide))?;
    let stored = if column_major {
        rows * cols * m.precision.bytes()
    } else {
        m.grouped_len()
    };
    check(m.values.len() == stored, Error::Shape(what))?;
    // The Cortex-M4 kernels load whole words of row groups.
    #[cfg(arm_dsp)]
    check(
        column_major || (m.values.as_ptr() as usize).is_multiple_of(4),
        Error::Misaligned,
    )?;
    let stored_rows = 4 * m.groups();
    check(
        m.multipliers.len() == 4 * stored_rows && m.shifts.len() == stored_rows,
        Error::Shape(what),
    )?;
    check(
        m.shifts.iter().all(|&s| s <= MAX_SHIFT),
        Error::Parameter(Detail::RequantShift),
    )?;
    check(
        (0..stored_rows).all(|r| m.multiplier(r) >= 0),
        Error::Parameter(Detail::NegativeMultiplier),
    )
}

// One copy for both directions: loading is not hot.
#[inline(never)]
fn validate_direction(
    w: &DirectionWeights,
    cell: Cell,
    units: usize,
    input_cols: usize,
    one_hot: bool,
) -> Result<(), Error> {
    let rows = cell.gate_rows(units);
    validate_matrix(
        &w.input,
        (rows, input_cols),
        one_hot,
        Detail::LstmInputKernel,
    )?;
    validate_matrix(
        &w.recurrent,
        (rows, units),
        false,
        Detail::LstmRecurrentKernel,
    )?;
    check(
        w.bias.len() == 4 * cell.biases(units),
        Error::Shape(Detail::LstmBias),
    )
}

/// Validates a stack fed by `input_cols`-wide vectors (one-hot ones when
/// `one_hot`); returns its output width.
fn validate_stack(stack: Layers, mut input_cols: usize, mut one_hot: bool) -> Result<usize, Error> {
    check(!stack.is_empty(), Error::Shape(Detail::EmptyStack))?;
    for layer in &stack {
        let units = layer.units as usize;
        check(units >= 1, Error::Shape(Detail::NoUnits))?;
        check(
            layer.cell_frac <= UNIT_FRAC && (layer.cell == Cell::Lstm || layer.cell_frac == 0),
            Error::Parameter(Detail::CellFrac),
        )?;
        check(
            layer.cell == Cell::Lstm || layer.activation == CellActivation::Tanh,
            Error::Parameter(Detail::GruActivation),
        )?;
        if let CellActivation::Relu {
            candidate_frac,
            hidden_frac,
        } = layer.activation
        {
            check(
                candidate_frac <= UNIT_FRAC,
                Error::Parameter(Detail::CandidateFrac),
            )?;
            check(
                hidden_frac <= UNIT_FRAC,
                Error::Parameter(Detail::HiddenFrac),
            )?;
        }
        validate_direction(&layer.forward, layer.cell, units, input_cols, one_hot)?;
        if let Some(backward) = &layer.backward {
            validate_direction(backward, layer.cell, units, input_cols, one_hot)?;
        }
        input_cols = layer.output_width();
        one_hot = false;
    }
    Ok(input_cols)
}

fn validate(model: &Model) -> Result<(), Error> {
    let d = &model.desc;
    let first_cols = match d.input {
        Input::OneHot { classes } => {
            check(classes >= 1, Error::Shape(Detail::NoClasses))?;
            // A pad value must not be a class.
            check(
                d.mask.is_none_or(|pad| pad < 0 || pad as u16 >= classes),
                Error::Parameter(Detail::PadValue),
            )?;
            classes as usize
        }
        Input::Dense { features, scale } => {
            check(features >= 1, Error::Shape(Detail::NoFeatures))?;
            check(
                scale.is_finite() && scale > 0.0,
                Error::Parameter(Detail::InputScale),
            )?;
            features as usize
        }
    };
    let one_hot = matches!(d.input, Input::OneHot { .. });
    let encoder_cols = validate_stack(d.encoder, first_cols, one_hot)?;
    let head_cols = match d.outputs {
        Outputs::LastStep | Outputs::EveryStep => encoder_cols,
        Outputs::EncoderDecoder { steps, decoder } => {
            check(steps >= 1, Error::Shape(Detail::NoDecoderSteps))?;
            validate_stack(decoder, encoder_cols, false)?
        }
    };
    validate_head(&d.head, head_cols)?;
    let named = match d.head.kind {
        HeadKind::Classify => model.outputs_per_prediction(),
        HeadKind::Regress => model.head_outputs(),
    };
    check(
        // Bytes, not `str::split`: the validation links no panic path.
        d.names.is_empty() || d.names.bytes().filter(|&b| b == b'\n').count() + 1 == named,
        Error::Shape(Detail::Names),
    )
}

fn validate_head(head: &Head, cols: usize) -> Result<(), Error> {
    let rows = head.dense.rows as usize;
    check(rows >= 1, Error::Shape(Detail::NoHeadOutputs))?;
    let groups = head.groups as usize;
    check(
        groups >= 1 && rows.is_multiple_of(groups),
        Error::Shape(Detail::HeadGroups),
    )?;
    if head.kind == HeadKind::Regress {
        check(rows == groups, Error::Shape(Detail::RegressionOutputs))?;
    }
    validate_matrix(&head.dense, (rows, cols), false, Detail::HeadWeights)?;
    check(head.bias.len() == 4 * rows, Error::Shape(Detail::HeadBias))?;
    check(
        head.output_scale.is_finite() && head.output_scale > 0.0,
        Error::Parameter(Detail::OutputScale),
    )
}
