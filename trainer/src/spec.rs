//! Network shapes, independent of burn: what the trainer builds and exports.

use infer_nostd::format::Cell;

/// How one input timestep is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputSpec {
    /// A class index in `0..classes`, one-hot.
    OneHot {
        /// Number of possible values.
        classes: usize,
    },
    /// `features` real numbers.
    Dense {
        /// Values per timestep.
        features: usize,
    },
}

impl InputSpec {
    /// Width of the encoded input vector.
    pub fn width(self) -> usize {
        match self {
            InputSpec::OneHot { classes } => classes,
            InputSpec::Dense { features } => features,
        }
    }
}

/// One recurrent layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerSpec {
    /// LSTM or GRU.
    pub cell: Cell,
    /// Hidden units per direction.
    pub units: usize,
    /// ReLU instead of tanh for the candidate and the cell output (an
    /// LSTM's only: a GRU is tanh, and [`NetworkSpec::check_capacity`]
    /// refuses a ReLU one).
    pub relu: bool,
    /// A backward direction too, its output concatenated after the forward one.
    pub bidirectional: bool,
}

impl LayerSpec {
    /// A forward tanh layer of `cell`s.
    pub fn tanh(cell: Cell, units: usize) -> Self {
        LayerSpec {
            cell,
            units,
            relu: false,
            bidirectional: false,
        }
    }

    /// The layer's name in a summary, such as `GRU 20` or `bidirectional
    /// LSTM 50 relu`.
    fn summary(self) -> String {
        format!(
            "{}{} {}{}",
            if self.bidirectional {
                "bidirectional "
            } else {
                ""
            },
            match self.cell {
                Cell::Lstm => "LSTM",
                Cell::Gru => "GRU",
            },
            self.units,
            if self.relu { " relu" } else { "" }
        )
    }

    /// Width of the layer's output vector.
    pub fn output_width(self) -> usize {
        self.units * if self.bidirectional { 2 } else { 1 }
    }
}

/// Which hidden states reach the head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputSpec {
    /// Many-to-one: the last timestep.
    LastStep,
    /// Many-to-many: every timestep.
    EveryStep,
    /// The encoder's last output repeated `steps` times into a decoder stack.
    EncoderDecoder {
        /// Output steps.
        steps: usize,
        /// Decoder layers.
        decoder: Vec<LayerSpec>,
    },
}

/// The dense layer applied to each output step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeadSpec {
    /// Outputs of one prediction (classes, or 1 for regression).
    pub outputs: usize,
    /// Predictions per output step, each over its own `outputs` rows (1
    /// but for a vector output).
    pub groups: usize,
    /// Argmax classification rather than regression.
    pub classify: bool,
    /// A regression answer is rounded to the nearest integer (a linear
    /// echo's value); the file stores a plain regression head.
    pub round: bool,
}

impl HeadSpec {
    /// An argmax over `classes` logits.
    pub fn classify(classes: usize) -> Self {
        HeadSpec {
            outputs: classes,
            groups: 1,
            classify: true,
            round: false,
        }
    }

    /// One real value.
    pub fn regress() -> Self {
        HeadSpec {
            outputs: 1,
            groups: 1,
            classify: false,
            round: false,
        }
    }

    /// One real value, answered rounded to an integer.
    pub fn rounded() -> Self {
        HeadSpec {
            round: true,
            ..HeadSpec::regress()
        }
    }

    /// This head answering `groups` predictions per output step.
    pub fn grouped(self, groups: usize) -> Self {
        HeadSpec { groups, ..self }
    }

    /// Rows of the dense layer: `outputs` per group.
    pub fn rows(self) -> usize {
        self.outputs * self.groups
    }

    /// The answer of a regression `value` (in the task's units): rounded
    /// when the head rounds.
    pub fn answer(self, value: f32) -> f32 {
        if self.round {
            value.round()
        } else {
            value
        }
    }
}

/// A whole network.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkSpec {
    /// Input encoding.
    pub input: InputSpec,
    /// Encoder stack, first layer first.
    pub encoder: Vec<LayerSpec>,
    /// How outputs are taken.
    pub outputs: OutputSpec,
    /// Output layer.
    pub head: HeadSpec,
    /// Dense inputs and regression targets are divided by this while
    /// training (export folds it into the weights); 1 for class data.
    pub value_scale: f32,
    /// One-hot steps holding the pad class `classes` (one past the last)
    /// are masked (Keras `Masking`): every encoder layer's state passes
    /// through them unchanged. The file states the pad value.
    pub masked: bool,
}

impl NetworkSpec {
    /// Applies the CLI's topology options: `units` per layer, `layers`
    /// stacked layers (in the encoder and in the decoder), `bidirectional`.
    pub fn with_topology(
        mut self,
        units: Option<usize>,
        layers: Option<usize>,
        bidirectional: bool,
    ) -> Self {
        let reshape = |stack: &mut Vec<LayerSpec>, bidirectional: bool| {
            let mut layer = stack[0];
            layer.units = units.unwrap_or(layer.units);
            layer.bidirectional |= bidirectional;
            *stack = vec![layer; layers.unwrap_or(stack.len())];
        };
        reshape(&mut self.encoder, bidirectional);
        if let OutputSpec::EncoderDecoder { decoder, .. } = &mut self.outputs {
            // The decoder runs forward over its repeated input.
            reshape(decoder, false);
        }
        self
    }

    /// Width of the vector the head reads.
    pub fn head_input_width(&self) -> usize {
        let stack = match &self.outputs {
            OutputSpec::EncoderDecoder { decoder, .. } => decoder,
            _ => &self.encoder,
        };
        stack.last().map_or(0, |l| l.output_width())
    }

    /// A short description: input, layers (with their cells), outputs and
    /// head, such as `one-hot 100, LSTM 20, every step, classify 100` or
    /// `one-hot 100, GRU 20, every step, classify 100`.
    pub fn summary(&self) -> String {
        let stack = |layers: &[LayerSpec]| {
            layers
                .iter()
                .map(|l| l.summary())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let input = match self.input {
            InputSpec::OneHot { classes } => format!("one-hot {classes}"),
            InputSpec::Dense { features } => format!("dense {features}"),
        };
        let outputs = match &self.outputs {
            OutputSpec::LastStep => "last step".to_string(),
            OutputSpec::EveryStep => "every step".to_string(),
            OutputSpec::EncoderDecoder { steps, decoder } => {
                format!("{steps} steps of decoder {}", stack(decoder))
            }
        };
        let head = match (self.head.classify, self.head.round) {
            (true, _) => "classify",
            (false, true) => "rounded regress",
            (false, false) => "regress",
        };
        let groups = match self.head.groups {
            1 => String::new(),
            g => format!("{g} x "),
        };
        format!(
            "{input}, {}, {outputs}, {head} {groups}{}",
            stack(&self.encoder),
            self.head.outputs
        )
    }

    /// Checks that the engine can run this network: every matrix at most
    /// [`infer_nostd::MAX_COLS`] wide, at most
    /// [`infer_nostd::format::MAX_STACK_LAYERS`] layers per stack, and no
    /// ReLU GRU (the format's GRU is tanh only). Run it before training, so
    /// a network the engine refuses is never trained.
    pub fn check_capacity(&self) -> Result<(), String> {
        let max_cols = infer_nostd::MAX_COLS;
        let max_layers = infer_nostd::format::MAX_STACK_LAYERS;
        let check_stack = |layers: &[LayerSpec], mut input: usize| {
            if layers.len() > max_layers {
                return Err(format!(
                    "{} layers: the engine runs at most {max_layers} per stack",
                    layers.len()
                ));
            }
            for l in layers {
                if l.cell == Cell::Gru && l.relu {
                    return Err("a GRU layer cannot be ReLU: the engine's GRU is tanh only".into());
                }
                if l.units > max_cols || input > max_cols {
                    return Err(format!(
                        "a layer of {} units reading {input} values is wider than the \
                         engine's {max_cols} columns: use fewer --units",
                        l.units
                    ));
                }
                input = l.output_width();
            }
            Ok(input)
        };
        let encoded = check_stack(&self.encoder, self.input.width())?;
        let head_input = match &self.outputs {
            OutputSpec::EncoderDecoder { decoder, .. } => check_stack(decoder, encoded)?,
            _ => encoded,
        };
        if head_input > max_cols {
            return Err(format!(
                "the head reads {head_input} values, more than the engine's {max_cols} \
                 columns: use fewer --units"
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn network(encoder: Vec<LayerSpec>, outputs: OutputSpec) -> NetworkSpec {
        NetworkSpec {
            input: InputSpec::OneHot { classes: 10 },
            encoder,
            outputs,
            head: HeadSpec::classify(10),
            value_scale: 1.0,
            masked: false,
        }
    }

    #[test]
    fn the_summary_names_each_layers_cell() {
        let spec = network(
            vec![LayerSpec {
                bidirectional: true,
                ..LayerSpec::tanh(Cell::Gru, 20)
            }],
            OutputSpec::EncoderDecoder {
                steps: 2,
                decoder: vec![LayerSpec {
                    relu: true,
                    ..LayerSpec::tanh(Cell::Lstm, 8)
                }],
            },
        );
        assert_eq!(
            spec.summary(),
            "one-hot 10, bidirectional GRU 20, 2 steps of decoder LSTM 8 relu, classify 10"
        );
    }

    #[test]
    fn topology_keeps_each_layers_cell() {
        let spec = network(
            vec![LayerSpec::tanh(Cell::Gru, 20)],
            OutputSpec::EncoderDecoder {
                steps: 2,
                decoder: vec![LayerSpec::tanh(Cell::Gru, 20)],
            },
        )
        .with_topology(Some(7), Some(3), true);
        let OutputSpec::EncoderDecoder { decoder, .. } = &spec.outputs else {
            panic!("an encoder-decoder")
        };
        assert!(spec
            .encoder
            .iter()
            .chain(decoder)
            .all(|l| l.cell == Cell::Gru));
        assert_eq!((spec.encoder.len(), decoder.len()), (3, 3));
        assert!(spec.encoder.iter().all(|l| l.bidirectional && l.units == 7));
        assert!(decoder.iter().all(|l| !l.bidirectional));
    }

    #[test]
    fn a_relu_gru_is_refused_and_a_relu_lstm_is_not() {
        let relu = |cell| LayerSpec {
            relu: true,
            ..LayerSpec::tanh(cell, 50)
        };
        assert!(network(vec![relu(Cell::Lstm)], OutputSpec::LastStep)
            .check_capacity()
            .is_ok());
        let err = network(vec![relu(Cell::Gru)], OutputSpec::LastStep)
            .check_capacity()
            .unwrap_err();
        assert!(err.contains("GRU") && err.contains("tanh only"), "{err}");
        let decoder = OutputSpec::EncoderDecoder {
            steps: 2,
            decoder: vec![relu(Cell::Gru)],
        };
        assert!(network(vec![LayerSpec::tanh(Cell::Gru, 8)], decoder)
            .check_capacity()
            .is_err());
    }

    #[test]
    fn a_gru_is_as_wide_as_an_lstm_may_be() {
        for cell in [Cell::Lstm, Cell::Gru] {
            let wide = |units| network(vec![LayerSpec::tanh(cell, units)], OutputSpec::LastStep);
            assert!(wide(infer_nostd::MAX_COLS).check_capacity().is_ok());
            assert!(wide(infer_nostd::MAX_COLS + 1).check_capacity().is_err());
        }
    }
}
