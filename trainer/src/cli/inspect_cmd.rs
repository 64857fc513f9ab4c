//! `trainer inspect`: a model file's topology, shapes, quantisation and
//! size, as text or as one JSON object.

use std::fmt;

use anyhow::Result;
use infer_nostd::format::{Cell, CellActivation, HeadKind, Input, Matrix, Outputs, Precision};
use infer_nostd::Layers;
use serde::Serialize;

use super::args::InspectArgs;
use super::console;
use super::model_file::read_model;
use super::outcome::Outcome;
use super::text::printable;
use crate::engine::load;
use crate::pipeline::parameters;

/// Runs `trainer inspect`.
pub fn run(args: &InspectArgs) -> Result<Outcome> {
    let bytes = read_model(&args.model)?;
    let summary = summarise(&bytes)?;
    if args.json {
        console::out(format_args!("{}", serde_json::to_string(&summary)?))?;
    } else {
        console::out(format_args!("{summary}"))?;
    }
    Ok(Outcome::Done)
}

/// A weight matrix's shape and storage.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixSummary {
    /// Output rows.
    pub rows: u16,
    /// Inputs per row.
    pub cols: u16,
    /// `int8` or `int16`.
    pub precision: &'static str,
}

/// One recurrent layer.
#[derive(Debug, Clone, Serialize)]
pub struct LayerSummary {
    /// `lstm` or `gru`.
    pub cell: &'static str,
    /// Units per direction.
    pub units: u16,
    /// Whether a backward direction runs too.
    pub bidirectional: bool,
    /// `tanh` or `relu`.
    pub activation: &'static str,
    /// Fraction bits of the ReLU candidate and hidden state (ReLU only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relu_fracs: Option<[u8; 2]>,
    /// Fraction bits of the cell state (an LSTM's: a GRU has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell_frac: Option<u8>,
    /// Input kernel (per direction).
    pub input: MatrixSummary,
    /// Recurrent kernel (per direction).
    pub recurrent: MatrixSummary,
}

/// What `inspect` reports of a model file.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The model's label (the task it was trained for).
    pub label: String,
    /// Timesteps per window; `None` for a streaming model (any length).
    pub window: Option<u16>,
    /// `one-hot` or `dense`.
    pub input: &'static str,
    /// One-hot classes, or dense features per step.
    pub input_width: u16,
    /// Real value of one quantised dense input step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_scale: Option<f32>,
    /// The real dense input values representable without clipping, as
    /// `[least, most]` (`i16::MIN` and `i16::MAX` times the scale).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_range: Option<[f32; 2]>,
    /// The pad value of masked steps (as the engine reads it), if the
    /// model has a mask.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mask: Option<i16>,
    /// Encoder layers, first first.
    pub encoder: Vec<LayerSummary>,
    /// `last-step`, `every-step` or `encoder-decoder`.
    pub outputs: &'static str,
    /// Output steps of an encoder-decoder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decoder_steps: Option<u16>,
    /// Decoder layers (encoder-decoder only).
    pub decoder: Vec<LayerSummary>,
    /// `classify` or `regress`.
    pub head: &'static str,
    /// Predictions per output step (1 but for a vector output): the head's
    /// rows in this many equal groups.
    pub head_groups: u16,
    /// The head's dense layer.
    pub head_dense: MatrixSummary,
    /// Real value of one head output unit.
    pub output_scale: f32,
    /// The names of the head's answers (a classifier's classes in order,
    /// a regressor's values); empty when unnamed.
    pub names: Vec<String>,
    /// Weights and biases.
    pub params: usize,
    /// File size.
    pub bytes: usize,
    /// Multiply-accumulates per window (per step when streaming).
    pub macs: usize,
}

fn matrix(m: &Matrix) -> MatrixSummary {
    MatrixSummary {
        rows: m.rows,
        cols: m.cols,
        precision: match m.precision {
            Precision::Int8 => "int8",
            Precision::Int16 => "int16",
        },
    }
}

fn layers(stack: Layers) -> Vec<LayerSummary> {
    stack
        .iter()
        .map(|l| {
            let (activation, relu_fracs) = match l.activation {
                CellActivation::Tanh => ("tanh", None),
                CellActivation::Relu {
                    candidate_frac,
                    hidden_frac,
                } => ("relu", Some([candidate_frac, hidden_frac])),
            };
            LayerSummary {
                cell: match l.cell {
                    Cell::Lstm => "lstm",
                    Cell::Gru => "gru",
                },
                units: l.units,
                bidirectional: l.backward.is_some(),
                activation,
                relu_fracs,
                cell_frac: (l.cell == Cell::Lstm).then_some(l.cell_frac),
                input: matrix(&l.forward.input),
                recurrent: matrix(&l.forward.recurrent),
            }
        })
        .collect()
}

/// The summary of the model file `bytes`.
pub fn summarise(bytes: &[u8]) -> Result<Summary> {
    let model = load(bytes)?;
    let d = model.desc();
    let (input, input_width, input_scale) = match d.input {
        Input::OneHot { classes } => ("one-hot", classes, None),
        Input::Dense { features, scale } => ("dense", features, Some(scale)),
    };
    let (outputs, decoder_steps, decoder) = match &d.outputs {
        Outputs::LastStep => ("last-step", None, Vec::new()),
        Outputs::EveryStep => ("every-step", None, Vec::new()),
        Outputs::EncoderDecoder { steps, decoder } => {
            ("encoder-decoder", Some(*steps), layers(*decoder))
        }
    };
    Ok(Summary {
        label: d.label.to_string(),
        window: (d.window != 0).then_some(d.window),
        input,
        input_width,
        input_scale,
        input_range: input_scale.map(|s| [f32::from(i16::MIN) * s, f32::from(i16::MAX) * s]),
        mask: d.mask,
        encoder: layers(d.encoder),
        outputs,
        decoder_steps,
        decoder,
        head: match d.head.kind {
            HeadKind::Classify => "classify",
            HeadKind::Regress => "regress",
        },
        head_groups: d.head.groups,
        head_dense: matrix(&d.head.dense),
        output_scale: d.head.output_scale,
        names: model.names().map(str::to_string).collect(),
        params: parameters(&model),
        bytes: bytes.len(),
        macs: model.macs_per_window(usize::from(d.window.max(1))),
    })
}

impl fmt::Display for MatrixSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{} {}", self.rows, self.cols, self.precision)
    }
}

fn write_layers(f: &mut fmt::Formatter<'_>, name: &str, layers: &[LayerSummary]) -> fmt::Result {
    for (i, l) in layers.iter().enumerate() {
        let act = match l.relu_fracs {
            Some([c, h]) => format!("relu (candidate Q{c}, hidden Q{h})"),
            None => l.activation.to_string(),
        };
        let cell = l
            .cell_frac
            .map_or_else(String::new, |c| format!(", cell Q{c}"));
        writeln!(
            f,
            "  {name} layer {i}: {} {} units{}, {act}{cell}; input {}, recurrent {}",
            l.cell.to_uppercase(),
            l.units,
            if l.bidirectional {
                " x2 (bidirectional)"
            } else {
                ""
            },
            l.input,
            l.recurrent,
        )?;
    }
    Ok(())
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "label   {}", printable(&self.label))?;
        match self.window {
            Some(w) => writeln!(f, "window  {w}")?,
            None => writeln!(f, "window  any (stream)")?,
        }
        match (self.input_scale, self.input_range) {
            (Some(scale), Some([lo, hi])) => writeln!(
                f,
                "input   {} dense, raw values x read as i16 round(x / {scale}): {lo} to {hi}",
                self.input_width
            )?,
            _ => writeln!(f, "input   one-hot of {}", self.input_width)?,
        }
        if let Some(pad) = self.mask {
            writeln!(
                f,
                "mask    pad value {pad} (`pad` in predict): state passes through unchanged"
            )?;
        }
        write_layers(f, "encoder", &self.encoder)?;
        match self.decoder_steps {
            Some(steps) => {
                writeln!(f, "outputs encoder-decoder, context repeated {steps} times")?;
                write_layers(f, "decoder", &self.decoder)?;
            }
            None => writeln!(f, "outputs {}", self.outputs.replace('-', " "))?,
        }
        let groups = match self.head_groups {
            1 => String::new(),
            g => format!(" in {g} groups"),
        };
        writeln!(
            f,
            "head    {} dense {}{groups}, output scale {}",
            self.head, self.head_dense, self.output_scale
        )?;
        if !self.names.is_empty() {
            let names: Vec<String> = self.names.iter().map(|n| printable(n)).collect();
            writeln!(f, "names   {}", names.join(", "))?;
        }
        writeln!(f, "params  {}", self.params)?;
        writeln!(f, "bytes   {}", self.bytes)?;
        match self.window {
            Some(w) => write!(f, "MACs    {} per window of {w}", self.macs),
            None => write!(f, "MACs    {} per step", self.macs),
        }
    }
}
