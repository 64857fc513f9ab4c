//! Network shapes, independent of burn: what the trainer builds and exports.

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

/// One LSTM layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerSpec {
    /// Hidden units per direction.
    pub units: usize,
    /// ReLU instead of tanh for the candidate and the cell output.
    pub relu: bool,
    /// A backward direction too, its output concatenated after the forward one.
    pub bidirectional: bool,
}

impl LayerSpec {
    /// A forward tanh layer.
    pub fn tanh(units: usize) -> Self {
        LayerSpec {
            units,
            relu: false,
            bidirectional: false,
        }
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

    /// A short description: input, layers, outputs and head, such as
    /// `one-hot 100, LSTM 20, every step, classify 100`.
    pub fn summary(&self) -> String {
        let stack = |layers: &[LayerSpec]| {
            layers
                .iter()
                .map(|l| {
                    format!(
                        "{}LSTM {}{}",
                        if l.bidirectional {
                            "bidirectional "
                        } else {
                            ""
                        },
                        l.units,
                        if l.relu { " relu" } else { "" }
                    )
                })
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
    /// [`infer_nostd::format::MAX_STACK_LAYERS`] layers per stack. Run it
    /// before training, so a network the engine refuses is never trained.
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
